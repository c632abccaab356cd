"""member_identity: a member's accounts on further channels

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 21:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'member_identity',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('member_id', models.base.BigId,
                  nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('platform_user_id', sa.String(length=64), nullable=False),
        sa.Column('chat_id', sa.String(length=64), nullable=False),
        sa.Column('linked_at', models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                                name=op.f('fk_member_identity_member_id_member')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_member_identity')),
        sa.UniqueConstraint('platform', 'platform_user_id',
                            name=op.f('uq_member_identity_platform')),
    )
    op.create_index(op.f('ix_member_identity_member_id'), 'member_identity', ['member_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_member_identity_member_id'), table_name='member_identity')
    op.drop_table('member_identity')
