"""A WeCom group's robot (群机器人) bound to a grid cell: a manager of the cell gives the bot the
robot's webhook address (or its key) in a private chat, and the cell's alerts, escalations and
orders are posted to that group from then on, beside the managers' own cards (a robot only
posts: its group acts in the app). The key is the robot's only credential: it is sealed in the
database (Fernet, with a key derived from the WeCom app's EncodingAESKey, which the deployment
already keeps secret) and never shown but masked. Changing the EncodingAESKey unseals no
robot: their managers give the keys again."""

from __future__ import annotations

import base64
import re
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import GridCell, GroupBinding, Member, utcnow
from services.members.groups import BindError, BindProblem, bindings_for_cells
from services.members.rights import manages
from services.settings import GroupAlerts

ROBOT = "wecom_robot"  # GroupBinding.platform (and Outbox.platform) of a robot
_KEY = re.compile(r"(?:^|[?&]key=)([0-9A-Za-z-]{16,64})(?:$|&)")


def masked(key: str) -> str:
    """What may be shown of a robot's key: its first and last four characters."""
    return f"{key[:4]}…{key[-4:]}" if len(key) > 12 else "…"


def robot_key(text: str) -> str | None:
    """The key in a webhook address (…/cgi-bin/webhook/send?key=KEY) or given bare."""
    found = _KEY.search(text.strip())
    return found.group(1) if found else None


def _box(secret: str) -> Fernet:
    if not secret:
        raise ValueError("wecom.encoding_aes_key is needed to keep a robot's key")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"gridpatrol robot keys").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(key: str, secret: str) -> str:
    return _box(secret).encrypt(key.encode()).decode()


def unseal(sealed: str, secret: str) -> str | None:
    """The key, or None when it was sealed under another secret."""
    try:
        return _box(secret).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


async def cell_robot(session: AsyncSession, cell_id: int) -> GroupBinding | None:
    """The cell's active robot, if it has one."""
    return await session.scalar(select(GroupBinding).where(
        GroupBinding.cell_id == cell_id, GroupBinding.platform == ROBOT,
        GroupBinding.active.is_(True)))


async def bind_robot(session: AsyncSession, member: Member, key: str, secret: str,
                     now: datetime | None = None) -> tuple[GroupBinding, GridCell]:
    """The member's cell posts to this robot from now on (a robot it had is replaced). Only a
    manager of the cell may; a cell that posts to a Telegram group keeps it. The caller
    commits."""
    cell = await session.get(GridCell, member.cell_id) if member.cell_id else None
    if cell is None or not manages(member, cell):
        raise BindError(BindProblem.NOT_MANAGER, cell)
    moment = now or utcnow()
    current = await bindings_for_cells(session, [cell.id])
    if current and current[0].platform != ROBOT:
        raise BindError(BindProblem.CELL_TAKEN, cell)
    binding = current[0] if current else None
    if binding is None:
        for stale in await session.scalars(select(GroupBinding).where(
                GroupBinding.cell_id == cell.id)):
            await session.delete(stale)  # an unbound row of the cell makes way (cell is unique)
        await session.flush()
        binding = GroupBinding(platform=ROBOT, chat_id=f"robot:{cell.id}", cell_id=cell.id,
                               active=True)
        session.add(binding)
    binding.secret = seal(key, secret)
    binding.title = f"WeCom robot {masked(key)}"
    binding.mode = GroupAlerts.ALSO.value  # a robot has no buttons: managers keep theirs
    binding.bound_by_id = member.id
    binding.bound_at = moment
    await session.flush()
    return binding, cell
