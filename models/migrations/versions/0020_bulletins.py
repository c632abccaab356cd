"""bulletin, bulletin_line, bulletin_recipient: supervision bulletins (督查通报) as numbered
documents, their lines and their recipients' acknowledgements

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 23:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0020'
down_revision: str | Sequence[str] | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'bulletin',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('seq', sa.Integer(), nullable=True),
        sa.Column('number', sa.String(length=64), nullable=True),
        sa.Column('scope_cell_id', models.base.BigId, nullable=True),
        sa.Column('sources', sa.JSON(), nullable=False),
        sa.Column('period_start', models.base.UTCDateTime(), nullable=False),
        sa.Column('period_end', models.base.UTCDateTime(), nullable=False),
        sa.Column('issuer_id', models.base.BigId, nullable=False),
        sa.Column('opening', sa.Text(), nullable=False),
        sa.Column('demands', sa.Text(), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('issued_at', models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['issuer_id'], ['member.id'],
                                name=op.f('fk_bulletin_issuer_id_member')),
        sa.ForeignKeyConstraint(['scope_cell_id'], ['grid_cell.id'],
                                name=op.f('fk_bulletin_scope_cell_id_grid_cell')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin')),
        sa.UniqueConstraint('number', name=op.f('uq_bulletin_number')),
        sa.UniqueConstraint('year', 'seq', name=op.f('uq_bulletin_year')),
    )
    op.create_index('ix_bulletin_issuer_state', 'bulletin', ['issuer_id', 'state'])
    op.create_table(
        'bulletin_line',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('bulletin_id', models.base.BigId, nullable=False),
        sa.Column('section', sa.String(length=16), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('case_id', models.base.BigId, nullable=False),
        sa.Column('case_number', sa.String(length=32), nullable=False),
        sa.Column('cell_id', models.base.BigId, nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('owner', sa.String(length=128), nullable=True),
        sa.Column('days_late', sa.Integer(), nullable=False),
        sa.Column('order_number', sa.String(length=64), nullable=True),
        sa.Column('order_state', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['bulletin_id'], ['bulletin.id'], ondelete='CASCADE',
                                name=op.f('fk_bulletin_line_bulletin_id_bulletin')),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'],
                                name=op.f('fk_bulletin_line_case_id_case')),
        sa.ForeignKeyConstraint(['cell_id'], ['grid_cell.id'],
                                name=op.f('fk_bulletin_line_cell_id_grid_cell')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_line')),
    )
    op.create_index(op.f('ix_bulletin_line_bulletin_id'), 'bulletin_line', ['bulletin_id'])
    op.create_index(op.f('ix_bulletin_line_case_id'), 'bulletin_line', ['case_id'])
    op.create_table(
        'bulletin_recipient',
        sa.Column('bulletin_id', models.base.BigId, nullable=False),
        sa.Column('member_id', models.base.BigId, nullable=False),
        sa.Column('cell_id', models.base.BigId, nullable=False),
        sa.Column('acknowledged_at', models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['bulletin_id'], ['bulletin.id'], ondelete='CASCADE',
                                name=op.f('fk_bulletin_recipient_bulletin_id_bulletin')),
        sa.ForeignKeyConstraint(['cell_id'], ['grid_cell.id'],
                                name=op.f('fk_bulletin_recipient_cell_id_grid_cell')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                                name=op.f('fk_bulletin_recipient_member_id_member')),
        sa.PrimaryKeyConstraint('bulletin_id', 'member_id', name=op.f('pk_bulletin_recipient')),
    )
    op.create_index(op.f('ix_bulletin_recipient_member_id'), 'bulletin_recipient',
                    ['member_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_bulletin_recipient_member_id'), table_name='bulletin_recipient')
    op.drop_table('bulletin_recipient')
    op.drop_index(op.f('ix_bulletin_line_case_id'), table_name='bulletin_line')
    op.drop_index(op.f('ix_bulletin_line_bulletin_id'), table_name='bulletin_line')
    op.drop_table('bulletin_line')
    op.drop_index('ix_bulletin_issuer_state', table_name='bulletin')
    op.drop_table('bulletin')
