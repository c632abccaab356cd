"""case_event.prev_hash, case_event.hash: the per-case hash chain, backfilled over the rows
there are (each case's events in id order, a batch of cases at a time); audit_anchor: the
daily seal over every case's chain head

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 00:00:00
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import models.base
import models.chain
from models.chain import PhotoIndex, chain_values, photo_ids_of

revision: str = '0023'
down_revision: str | Sequence[str] | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = sa.table(
    'case_event', sa.column('id', sa.Integer()), sa.column('case_id', sa.Integer()),
    sa.column('actor_id', sa.Integer()), sa.column('kind', sa.String()),
    sa.column('payload', sa.JSON()), sa.column('at', models.base.UTCDateTime()),
    sa.column('prev_hash', sa.String()), sa.column('hash', sa.String()))
PHOTOS = sa.table('photo', sa.column('id', sa.Integer()), sa.column('case_id', sa.Integer()),
                  sa.column('kind', sa.String()), sa.column('sha256', sa.String()))


def _backfill(conn: sa.Connection) -> None:
    after = 0
    while True:
        case_ids = list(conn.execute(
            sa.select(EVENTS.c.case_id).distinct().where(EVENTS.c.case_id > after)
            .order_by(EVENTS.c.case_id).limit(models.chain.BACKFILL_CASES)).scalars())
        if not case_ids:
            return
        after = case_ids[-1]
        rows: list[dict[str, Any]] = [dict(r._mapping) for r in conn.execute(
            sa.select(EVENTS.c.id, EVENTS.c.case_id, EVENTS.c.actor_id, EVENTS.c.kind,
                      EVENTS.c.payload, EVENTS.c.at)
            .where(EVENTS.c.case_id.in_(case_ids))
            .order_by(EVENTS.c.case_id, EVENTS.c.id))]
        named = sorted({i for r in rows for i in photo_ids_of(r['kind'], r['payload']) or []})
        where = PHOTOS.c.case_id.in_(case_ids)
        photos = PhotoIndex(conn.execute(
            sa.select(PHOTOS.c.id, PHOTOS.c.case_id, PHOTOS.c.kind, PHOTOS.c.sha256)
            .where(where | PHOTOS.c.id.in_(named) if named else where).order_by(PHOTOS.c.id)))
        chain_values(rows, {}, photos)
        conn.execute(
            EVENTS.update().where(EVENTS.c.id == sa.bindparam('b_id'))
            .values(prev_hash=sa.bindparam('b_prev'), hash=sa.bindparam('b_hash')),
            [{'b_id': r['id'], 'b_prev': r['prev_hash'], 'b_hash': r['hash']} for r in rows])


def upgrade() -> None:
    op.add_column('case_event', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('case_event', sa.Column('hash', sa.String(length=64), nullable=True))
    op.create_table(
        'audit_anchor',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('last_event_id', sa.BigInteger(), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_anchor')),
        sa.UniqueConstraint('day', name=op.f('uq_audit_anchor_day')),
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table('audit_anchor')
    with op.batch_alter_table('case_event') as batch:
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
