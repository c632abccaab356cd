"""The tamper-evident case history: each case's events are a hash chain (the formula and the
ORM hook in `models.chain`), set-wise writers chain their rows here, `verify_chain` walks the
chains, a daily anchor seals every case's head, and `export_case` writes a case's history for
an inspector."""

from services.audit.anchors import (
    AnchorBreak,
    anchor_hash,
    latest_anchor,
    seal_day,
    verify_anchors,
)
from services.audit.chaining import chain_rows
from services.audit.export import Export, export_case
from services.audit.verify import Break, Verdict, check_case, verify_chain

__all__ = [
    "AnchorBreak",
    "Break",
    "Export",
    "Verdict",
    "anchor_hash",
    "chain_rows",
    "check_case",
    "export_case",
    "latest_anchor",
    "seal_day",
    "verify_anchors",
    "verify_chain",
]
