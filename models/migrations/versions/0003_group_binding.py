"""group chats bound to grid cells

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 19:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'group_binding',
        sa.Column('id', BigId, nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('chat_id', sa.String(length=64), nullable=False),
        sa.Column('cell_id', BigId, nullable=False),
        sa.Column('title', sa.String(length=256), nullable=False),
        sa.Column('bound_by_id', BigId, nullable=True),
        sa.Column('bound_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=True),
        sa.Column('unbound_at', models.base.UTCDateTime(), nullable=True),
        sa.Column('unbound_reason', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['bound_by_id'], ['member.id'],
                                name=op.f('fk_group_binding_bound_by_id_member')),
        sa.ForeignKeyConstraint(['cell_id'], ['grid_cell.id'],
                                name=op.f('fk_group_binding_cell_id_grid_cell')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_binding')),
        sa.UniqueConstraint('cell_id', name=op.f('uq_group_binding_cell_id')),
        sa.UniqueConstraint('chat_id', name=op.f('uq_group_binding_chat_id')),
    )


def downgrade() -> None:
    op.drop_table('group_binding')
