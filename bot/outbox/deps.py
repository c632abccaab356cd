"""What the sender needs of the program: its settings, its sessions and its metrics
(handlers.deps.Deps has them; the sender does not import the handlers)."""

from __future__ import annotations

from typing import Protocol

from models.db import SessionFactory
from services.metrics import Metrics
from services.settings import Settings


class Deps(Protocol):
    """The program's settings, session factory and metrics, as the sender reads them."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> SessionFactory: ...

    @property
    def metrics(self) -> Metrics: ...
