"""What the sender needs of the program: its settings and its sessions (handlers.deps.Deps
has both; the sender does not import the handlers)."""

from __future__ import annotations

from typing import Protocol

from models.db import SessionFactory
from services.settings import Settings


class Deps(Protocol):
    """The program's settings and session factory, as the sender reads them."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> SessionFactory: ...
