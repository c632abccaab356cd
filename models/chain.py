"""The hash chain of the case history: one formula, used by every writer and by the checker.

Each case's events form a chain of their own, in id order: an event carries `prev_hash`, the
`hash` of the case's previous event (GENESIS for its first), and `hash`, the sha256 of the
canonical JSON of its content (case, actor, time, kind, payload, the sha256 of the photos it
adds) together with `prev_hash`. Canonical JSON: sorted keys, no spaces, UTF-8, times as naive
UTC ISO with microseconds (as both databases store them), the payload as it reads back from
its JSON column.

The ORM writers are covered by `install_chain`, which the session factory (`models.db`) calls:
as a flush inserts new events it locks their cases (`lock_cases`), reads their chain heads and
fills both hashes in. Set-wise writers (the deadline sweep, through `services.audit`) lock,
read the heads (`head_query`) and call `chain_values` on their rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, Select, Table, event, false, func, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, object_session

from models.base import utcnow
from models.case import Case, CaseEvent, Photo, PhotoKind

GENESIS = "0" * 64
BACKFILL_CASES = 500  # cases whose events migration 0023 chains at a time


def canonical_time(at: datetime) -> str:
    """Naive UTC ISO with microseconds: what both databases keep of an aware UTC time."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def canonical(content: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8; non-string keys and tuples as JSON reads them back."""
    return json.dumps(json.loads(json.dumps(content)), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode("utf-8")


def event_hash(prev: str, case_id: int, actor_id: int | None, at: datetime, kind: str,
               payload: Mapping[str, Any] | None, photos: Sequence[str] = ()) -> str:
    """The hash of one event given the hash of the one before it in its case."""
    content = {"prev": prev, "case": case_id, "actor": actor_id, "at": canonical_time(at),
               "kind": kind, "payload": dict(payload or {}), "photos": list(photos)}
    return hashlib.sha256(canonical(content)).hexdigest()


def photo_ids_of(kind: str, payload: Mapping[str, Any] | None) -> list[int] | None:
    """The photos an event adds by id, or None for a report, which adds the case's report
    photos (its payload counts them only)."""
    ids = (payload or {}).get("photo_ids")
    if isinstance(ids, list):
        return [int(i) for i in ids]
    return None if kind == "reported" else []


def head_query(case_ids: Iterable[int]) -> Select[int, str | None]:
    """(case id, hash of its last event) for the cases that have events."""
    last = (select(func.max(CaseEvent.id)).where(CaseEvent.case_id.in_(sorted(set(case_ids))))
            .group_by(CaseEvent.case_id))
    return select(CaseEvent.case_id, CaseEvent.hash).where(CaseEvent.id.in_(last))


def lock_cases(case_ids: Iterable[int], dialect: str) -> Executable:
    """What makes a writer of these cases' events wait for the others: their rows `FOR UPDATE`
    on PostgreSQL; on SQLite the database's write lock, taken by an UPDATE of no row (a read
    outside a write transaction could see a head another connection is about to move)."""
    if dialect == "postgresql":
        return (select(Case.id).where(Case.id.in_(sorted(set(case_ids)))).order_by(Case.id)
                .with_for_update())
    table: Table = Case.__table__  # type: ignore[assignment]
    return table.update().where(false()).values(id=table.c.id)


def photos_query(case_ids: Iterable[int], photo_ids: Iterable[int] = ()
                 ) -> Select[int, int | None, str, str]:
    """(photo id, case id, kind, sha256) of the cases' photos and of the photos named by id
    (an after photo joins its case in the flush that adds its event), in id order."""
    named = sorted(set(photo_ids))
    where = Photo.case_id.in_(sorted(set(case_ids)))
    return (select(Photo.id, Photo.case_id, Photo.kind, Photo.sha256)
            .where(where | Photo.id.in_(named) if named else where).order_by(Photo.id))


def named_photos(rows: Iterable[Any]) -> set[int]:
    """The photo ids the payloads of event rows (with .kind and .payload) name."""
    return {i for row in rows for i in photo_ids_of(row.kind, row.payload) or []}


class PhotoIndex:
    """The sha256 of the photos an event adds, from its cases' photo rows."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.by_id: dict[int, str] = {}
        self.reported: dict[int, list[str]] = {}
        for photo_id, case_id, kind, sha in rows:
            self.by_id[photo_id] = sha
            if kind == PhotoKind.REPORT and case_id is not None:
                self.reported.setdefault(case_id, []).append(sha)

    def add_pending(self, rows: Iterable[tuple[int | None, str, str]]) -> None:
        """Photos of this flush, which get their ids (after the stored ones) with it."""
        for case_id, kind, sha in rows:
            if kind == PhotoKind.REPORT and case_id is not None:
                self.reported.setdefault(case_id, []).append(sha)

    def hashes(self, case_id: int, kind: str, payload: Mapping[str, Any] | None) -> list[str]:
        ids = photo_ids_of(kind, payload)
        if ids is None:
            return list(self.reported.get(case_id, []))
        return [self.by_id.get(i, "missing") for i in ids]


def chain_values(rows: Sequence[dict[str, Any]], heads: Mapping[int, str | None],
                 photos: PhotoIndex | None = None) -> None:
    """Fill `prev_hash` and `hash` into event rows (dicts for a bulk INSERT), in their order,
    each case continuing from `heads` (its last stored event's hash)."""
    last = dict(heads)
    for row in rows:
        case_id = row["case_id"]
        prev = last.get(case_id) or GENESIS
        shas = photos.hashes(case_id, row["kind"], row.get("payload")) if photos else []
        row["prev_hash"] = prev
        row["hash"] = last[case_id] = event_hash(
            prev, case_id, row.get("actor_id"), row["at"], row["kind"], row.get("payload"), shas)


def _before_insert(_mapper: Mapper[Any], connection: Connection, target: CaseEvent) -> None:
    """On the flush's first new event, chain every new event of its session, in insert order.

    Run inside the flush, after every `before_flush` listener, on the flush's connection: it
    locks the cases first (`lock_cases`: the writers of one case take turns), then reads their
    heads, so no two events ever claim the same predecessor."""
    if target.hash is not None:
        return
    session = object_session(target)
    pending: list[object] = list(session.new) if session is not None else [target]
    new = [item for item in pending if isinstance(item, CaseEvent) and item.hash is None]
    new.sort(key=lambda item: inspect(item).insert_order or 0)  # the order of the INSERTs
    if any(obj.case_id is None for obj in new):
        raise ValueError("a case event without its case id cannot be chained")
    case_ids = sorted({obj.case_id for obj in new})
    connection.execute(lock_cases(case_ids, connection.dialect.name))
    heads: dict[int, str | None] = {case_id: sha for case_id, sha in connection.execute(
        head_query(case_ids))}
    wanted = any(photo_ids_of(obj.kind, obj.payload) != [] for obj in new)
    photos = PhotoIndex(connection.execute(photos_query(case_ids, named_photos(new)))
                        if wanted else [])
    unsaved: list[Photo] = []
    for item in pending:
        if isinstance(item, Photo) and item.id is None:
            unsaved.append(item)
    unsaved.sort(key=lambda photo: inspect(photo).insert_order or 0)  # inserted after us
    photos.add_pending((p.case_id, p.kind or PhotoKind.REPORT, p.sha256) for p in unsaved)
    rows: list[dict[str, Any]] = []
    for obj in new:
        if obj.at is None:
            obj.at = utcnow()
        if obj.payload is None:
            obj.payload = {}
        rows.append({"case_id": obj.case_id, "actor_id": obj.actor_id, "kind": obj.kind,
                     "at": obj.at, "payload": obj.payload})
    chain_values(rows, heads, photos)
    for obj, row in zip(new, rows, strict=True):
        obj.prev_hash, obj.hash = row["prev_hash"], row["hash"]


def install_chain() -> None:
    """Chain every case event inserted through the ORM (the session factory calls this; the
    listener is installed once, on the first call, never on import)."""
    if not event.contains(CaseEvent, "before_insert", _before_insert):
        event.listen(CaseEvent, "before_insert", _before_insert)
