"""supervision_order_answer: the answers to an order (落实情况) and the issuer's decisions

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 00:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0019'
down_revision: str | Sequence[str] | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'supervision_order_answer',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('order_id', models.base.BigId, nullable=False),
        sa.Column('author_id', models.base.BigId, nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('photo_ids', sa.JSON(), nullable=False),
        sa.Column('answered_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('decided_by_id', models.base.BigId, nullable=True),
        sa.Column('decided_at', models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['author_id'], ['member.id'],
                                name=op.f('fk_supervision_order_answer_author_id_member')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['member.id'],
                                name=op.f('fk_supervision_order_answer_decided_by_id_member')),
        sa.ForeignKeyConstraint(
            ['order_id'], ['supervision_order.id'],
            name=op.f('fk_supervision_order_answer_order_id_supervision_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_order_answer')),
    )
    op.create_index(op.f('ix_supervision_order_answer_order_id'), 'supervision_order_answer',
                    ['order_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_supervision_order_answer_order_id'),
                  table_name='supervision_order_answer')
    op.drop_table('supervision_order_answer')
