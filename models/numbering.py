"""The last number given in a series of documents (督办单, 督查通报) in a year."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class DocumentCounter(Base):
    """One row per series and year; raised inside the transaction that issues the document, so a
    number is taken only by a document that was stored (the row stays locked until commit)."""

    __tablename__ = "document_counter"

    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
