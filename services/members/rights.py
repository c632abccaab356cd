"""Who may administer a grid cell: its managers, the managers of every cell above it, and
administrators. Binding a group, unbinding it, inviting people and deactivating them all ask
this one question."""

from __future__ import annotations

from models import GridCell, Member, Role
from services.grid import path_ids


def manages(member: Member | None, cell: GridCell) -> bool:
    """An active administrator, or an active manager of `cell` or of a cell above it."""
    if member is None or not member.active:
        return False
    if member.role == Role.ADMIN:
        return True
    if member.role != Role.MANAGER or member.cell_id is None:
        return False
    return member.cell_id in (path_ids(cell.path) or [cell.id])
