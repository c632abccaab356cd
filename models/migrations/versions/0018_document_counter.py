"""document_counter: gap-free numbers for orders and bulletins, per series and year

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | Sequence[str] | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'document_counter',
        sa.Column('series', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_document_counter')),
    )


def downgrade() -> None:
    op.drop_table('document_counter')
