"""member: when the bot first greeted them (a member made by an invite or a group button has
not been welcomed yet, so their first /start greets them as new)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('member') as batch:
        batch.add_column(sa.Column('welcomed_at', models.base.UTCDateTime(), nullable=True))
    # People already in the database have used the bot: they are welcomed back.
    op.execute("UPDATE member SET welcomed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table('member') as batch:
        batch.drop_column('welcomed_at')
