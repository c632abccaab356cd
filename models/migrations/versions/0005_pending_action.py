"""pending actions: the short conversations behind buttons, kept across restarts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 19:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'pending_action',
        sa.Column('id', BigId, nullable=False),
        sa.Column('member_id', BigId, nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('case_id', BigId, nullable=True),
        sa.Column('step', sa.String(length=24), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('expires_at', models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE',
                                name=op.f('fk_pending_action_case_id_case')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE',
                                name=op.f('fk_pending_action_member_id_member')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_action')),
        sa.UniqueConstraint('member_id', name=op.f('uq_pending_action_member_id')),
    )
    with op.batch_alter_table('pending_action') as batch:
        batch.create_index(batch.f('ix_pending_action_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_table('pending_action')
