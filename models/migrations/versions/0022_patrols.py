"""patrol, patrol_point, checkpoint, patrol_case: patrols (巡库 / 巡河) recorded point by point

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 23:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0022'
down_revision: str | Sequence[str] | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'checkpoint',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('source_id', models.base.BigId, nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('radius_m', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['source_id'], ['water_source.id'], ondelete='CASCADE',
                                name=op.f('fk_checkpoint_source_id_water_source')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoint')),
        sa.UniqueConstraint('source_id', 'code', name=op.f('uq_checkpoint_source_id')),
    )
    op.create_table(
        'patrol',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('member_id', models.base.BigId, nullable=False),
        sa.Column('source_id', models.base.BigId, nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('message_id', sa.String(length=32), nullable=True),
        sa.Column('started_at', models.base.UTCDateTime(), nullable=True),
        sa.Column('last_point_at', models.base.UTCDateTime(), nullable=True),
        sa.Column('heard_at', models.base.UTCDateTime(), nullable=True),
        sa.Column('ended_at', models.base.UTCDateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.Column('last_lat', sa.Float(), nullable=True),
        sa.Column('last_lon', sa.Float(), nullable=True),
        sa.Column('last_good_at', models.base.UTCDateTime(), nullable=True),
        sa.Column('distance_m', sa.Float(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('flagged', sa.Integer(), nullable=False),
        sa.Column('gaps', sa.Integer(), nullable=False),
        sa.Column('passed', sa.JSON(), nullable=False),
        sa.Column('verdict', sa.String(length=24), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='CASCADE',
                                name=op.f('fk_patrol_member_id_member')),
        sa.ForeignKeyConstraint(['source_id'], ['water_source.id'], ondelete='CASCADE',
                                name=op.f('fk_patrol_source_id_water_source')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol')),
    )
    op.create_index(op.f('ix_patrol_member_id'), 'patrol', ['member_id'])
    op.create_index('ix_patrol_state_heard', 'patrol', ['state', 'heard_at'])
    op.create_table(
        'patrol_point',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('patrol_id', models.base.BigId, nullable=False),
        sa.Column('at', models.base.UTCDateTime(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.Column('heading', sa.Integer(), nullable=True),
        sa.Column('flag', sa.String(length=12), nullable=True),
        sa.Column('gap_s', sa.Float(), nullable=True),
        sa.Column('step_m', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['patrol_id'], ['patrol.id'], ondelete='CASCADE',
                                name=op.f('fk_patrol_point_patrol_id_patrol')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_point')),
    )
    op.create_index(op.f('ix_patrol_point_patrol_id'), 'patrol_point', ['patrol_id'])
    op.create_table(
        'patrol_case',
        sa.Column('patrol_id', models.base.BigId, nullable=False),
        sa.Column('case_id', models.base.BigId, nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='CASCADE',
                                name=op.f('fk_patrol_case_case_id_case')),
        sa.ForeignKeyConstraint(['patrol_id'], ['patrol.id'], ondelete='CASCADE',
                                name=op.f('fk_patrol_case_patrol_id_patrol')),
        sa.PrimaryKeyConstraint('patrol_id', 'case_id', name=op.f('pk_patrol_case')),
    )


def downgrade() -> None:
    op.drop_table('patrol_case')
    op.drop_index(op.f('ix_patrol_point_patrol_id'), table_name='patrol_point')
    op.drop_table('patrol_point')
    op.drop_index('ix_patrol_state_heard', table_name='patrol')
    op.drop_index(op.f('ix_patrol_member_id'), table_name='patrol')
    op.drop_table('patrol')
    op.drop_table('checkpoint')
