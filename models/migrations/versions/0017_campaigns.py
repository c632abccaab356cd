"""campaign, campaign_case; case.issuer and case.issue_number for problems from a list

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0017'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('case', sa.Column('issuer', sa.String(length=100), nullable=True))
    op.add_column('case', sa.Column('issue_number', sa.String(length=64), nullable=True))
    op.create_index('uq_case_issuer_issue_number', 'case', ['issuer', 'issue_number'],
                    unique=True)
    op.create_table(
        'campaign',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('origin', sa.String(length=16), nullable=True),
        sa.Column('water_source_id', models.base.BigId, nullable=True),
        sa.Column('cell_id', models.base.BigId, nullable=True),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cell_id'], ['grid_cell.id'],
                                name=op.f('fk_campaign_cell_id_grid_cell')),
        sa.ForeignKeyConstraint(['water_source_id'], ['water_source.id'],
                                name=op.f('fk_campaign_water_source_id_water_source')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
        sa.UniqueConstraint('name', name=op.f('uq_campaign_name')),
    )
    op.create_table(
        'campaign_case',
        sa.Column('campaign_id', models.base.BigId, nullable=False),
        sa.Column('case_id', models.base.BigId, nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE',
                                name=op.f('fk_campaign_case_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'],
                                name=op.f('fk_campaign_case_case_id_case')),
        sa.PrimaryKeyConstraint('campaign_id', 'case_id', name=op.f('pk_campaign_case')),
    )
    op.create_index(op.f('ix_campaign_case_case_id'), 'campaign_case', ['case_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_campaign_case_case_id'), table_name='campaign_case')
    op.drop_table('campaign_case')
    op.drop_table('campaign')
    op.drop_index('uq_case_issuer_issue_number', table_name='case')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('issue_number')
        batch.drop_column('issuer')
