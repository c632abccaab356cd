"""case: how its place was given; no point for a place chosen from the list

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds the table to drop NOT NULL: with foreign keys on, dropping the old one
    would fail on its events and cascade into pending actions. The pragma takes effect only
    outside a transaction (hence the autocommit block); switching back on, the references are
    checked first."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    if on:
        broken = bind.exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f'foreign keys broken by the rebuild of "case": {broken[:5]}')
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade() -> None:
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place_source', sa.String(length=16), nullable=True))
        batch_op.alter_column('lat', existing_type=sa.Float(), nullable=True)
        batch_op.alter_column('lon', existing_type=sa.Float(), nullable=True)
    _sqlite_foreign_keys(True)
    # Older cases: how the place was given is in their "reported" event.
    if op.get_bind().dialect.name == 'postgresql':
        given = "(e.payload::jsonb ->> 'place_source')"
    else:
        given = "json_extract(e.payload, '$.place_source')"
    op.execute(
        f'UPDATE "case" SET place_source = (SELECT {given} FROM case_event e '
        "WHERE e.case_id = \"case\".id AND e.kind = 'reported' ORDER BY e.id LIMIT 1)"
    )
    # A village chosen from the list stood in as its inner point: that was never measured.
    op.execute('UPDATE "case" SET lat = NULL, lon = NULL WHERE place_source = \'menu\'')


def downgrade() -> None:
    # The older schema needs a point: a village chosen from the list gets (0, 0), "unknown".
    op.execute('UPDATE "case" SET lat = 0, lon = 0 WHERE lat IS NULL OR lon IS NULL')
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.alter_column('lon', existing_type=sa.Float(), nullable=False)
        batch_op.alter_column('lat', existing_type=sa.Float(), nullable=False)
        batch_op.drop_column('place_source')
    _sqlite_foreign_keys(True)
