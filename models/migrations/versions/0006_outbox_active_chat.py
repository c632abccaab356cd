"""outbox: a partial index on the notices still to be settled, per chat

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 19:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("state IN ('pending', 'sending')")


def upgrade() -> None:
    # The sender asks, for every due notice, whether an earlier one of its chat is unsettled
    # (a chat keeps its order). Only pending and sending rows are indexed: a chat's years of
    # sent notices are never read for it.
    op.create_index('ix_outbox_active_chat', 'outbox', ['chat_id', 'id'],
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade() -> None:
    op.drop_index('ix_outbox_active_chat', table_name='outbox')
