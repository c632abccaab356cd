"""inbox: every incoming update stored before it is acknowledged, until a day after handling

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'inbox',
        sa.Column('id', BigId, nullable=False),
        sa.Column('channel', sa.String(length=64), nullable=False),
        sa.Column('update_id', sa.BigInteger(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('claimed_by', sa.BigInteger(), nullable=True),
        sa.Column('received_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('handled_at', models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
        sa.UniqueConstraint('channel', 'update_id', name=op.f('uq_inbox_channel')),
    )
    with op.batch_alter_table('inbox') as batch:
        batch.create_index(batch.f('ix_inbox_state_handled_at'), ['state', 'handled_at'],
                           unique=False)


def downgrade() -> None:
    op.drop_table('inbox')
