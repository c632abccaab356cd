"""water_source.leader_id: the foreign key to member on PostgreSQL too

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = 'fk_water_source_leader_id_member'


def upgrade() -> None:
    # 0001 declared the key with use_alter inside create_table, which Alembic leaves out: only
    # SQLite, which writes it inline, had it. A linked leader who no longer exists is unlinked.
    if op.get_bind().dialect.name == 'sqlite':
        return
    op.execute("UPDATE water_source SET leader_id = NULL WHERE leader_id IS NOT NULL "
               "AND leader_id NOT IN (SELECT id FROM member)")
    op.create_foreign_key(NAME, 'water_source', 'member', ['leader_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        return
    op.drop_constraint(NAME, 'water_source', type_='foreignkey')
