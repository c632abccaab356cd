"""Nobody left unheard, on any channel: every update is written down (the `inbox` table) before
its platform is told it arrived, marked done once handled, and taken over from a process that
died with it in hand. A platform's re-delivery of the same update is the same row."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.runtime.lease import Lease, instance_key
from models import Inbox as Row
from models import InboxState, utcnow
from models.db import SessionFactory

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=1)  # handled rows kept this long; Telegram keeps updates a day


class InboxUnavailable(Exception):
    """The database could not take the update: do not acknowledge it."""


class InboxStore:
    """The `inbox` table as this process uses it: store, mark done, take over, forget."""

    def __init__(self, sessions: SessionFactory, channel: str, lease: Lease | None) -> None:
        self.sessions = sessions
        self.channel = channel
        self.lease = lease
        self.in_hand: set[int] = set()  # update ids stored or taken over here, not yet done

    @property
    def instance(self) -> int:
        return self.lease.instance if self.lease is not None else instance_key()

    async def live(self) -> set[int]:
        return await self.lease.live_instances() if self.lease is not None else {self.instance}

    async def store(self, update_id: int, payload: dict[str, Any]) -> bool:
        """Write the update down; False when it needs no handling here (a re-delivery of one
        handled, in hand, or in a live process's hands). Raises InboxUnavailable when the
        database fails, so the channel does not acknowledge it (and the platform sends again)."""
        try:
            fresh = await self._insert(update_id, payload)
            if not fresh:
                fresh = await self._take_over_one(update_id)
        except SQLAlchemyError as exc:
            raise InboxUnavailable(f"inbox: could not store update {update_id}: {exc}") from exc
        if fresh:
            self.in_hand.add(update_id)
        return fresh

    async def _insert(self, update_id: int, payload: dict[str, Any]) -> bool:
        async with self.sessions() as session:
            session.add(Row(channel=self.channel, update_id=update_id,
                              payload=payload, claimed_by=self.instance))
            try:
                await session.commit()
            except IntegrityError:
                return False
        return True

    async def _take_over_one(self, update_id: int) -> bool:
        """A re-delivered update: ours to handle only if it is pending with a dead process."""
        async with self.sessions() as session:
            row = (await session.execute(
                select(Row.state, Row.claimed_by).where(
                    Row.channel == self.channel, Row.update_id == update_id))).one_or_none()
        if row is None or row.state != InboxState.PENDING or row.claimed_by == self.instance:
            return False
        if row.claimed_by in await self.live():
            return False
        claimed = await self._claim(
            (Row.update_id == update_id) & (Row.claimed_by == row.claimed_by))
        return bool(claimed)

    async def done(self, update_id: int) -> None:
        """Handled: the row is done (a failure only means it may be handled again)."""
        if update_id not in self.in_hand:
            return
        self.in_hand.discard(update_id)
        try:
            async with self.sessions() as session:
                await session.execute(
                    sql_update(Row)
                    .where(Row.channel == self.channel, Row.update_id == update_id)
                    .values(state=InboxState.DONE, handled_at=utcnow())
                    .execution_options(synchronize_session=False))
                await session.commit()
        except SQLAlchemyError:
            log.warning("inbox: could not mark update %d handled; it may be handled again",
                        update_id, exc_info=True)

    async def take_over(self, *, at_start: bool, now: datetime | None = None) -> list[int]:
        """Claim the pending rows of processes that are gone (at start and alone: every
        pending row not ours); the update ids, oldest first, now in this process's hands."""
        now = now or utcnow()
        live = await self.live()
        others = Row.claimed_by.is_not(None) & Row.claimed_by.not_in(live)
        condition: ColumnElement[bool] = others
        if at_start and live == {self.instance}:
            condition = or_(others, Row.claimed_by.is_(None))
        condition = condition & (Row.received_at > now - FORGET_AFTER)
        return await self._claim(condition)

    async def _claim(self, condition: ColumnElement[bool]) -> list[int]:
        async with self.sessions() as session:
            ids = list(await session.scalars(
                sql_update(Row)
                .where(Row.channel == self.channel, Row.state == InboxState.PENDING,
                       condition)
                .values(claimed_by=self.instance)
                .returning(Row.update_id)
                .execution_options(synchronize_session=False)))
            await session.commit()
        return sorted(ids)

    async def payloads(self, update_ids: list[int]) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Row.payload).where(Row.channel == self.channel,
                                            Row.update_id.in_(update_ids))
                .order_by(Row.update_id))
            return list(rows)

    async def forget(self, now: datetime | None = None) -> int:
        """Drop what is older than a day: handled rows, and any row nobody could handle."""
        cutoff = (now or utcnow()) - FORGET_AFTER
        async with self.sessions() as session:
            result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
                delete(Row).where(or_(
                    (Row.state == InboxState.DONE) & (Row.handled_at < cutoff),
                    (Row.state == InboxState.PENDING) & (Row.received_at < cutoff))))
            await session.commit()
        return int(result.rowcount)
