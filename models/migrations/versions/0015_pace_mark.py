"""pace_mark: messages sent to a member in the last minute, shared by every process

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'pace_mark',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('channel', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('sent_at', models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pace_mark')),
    )
    op.create_index(op.f('ix_pace_mark_channel_user_sent_at'), 'pace_mark',
                    ['channel', 'user_id', 'sent_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_pace_mark_channel_user_sent_at'), table_name='pace_mark')
    op.drop_table('pace_mark')
