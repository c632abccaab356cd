"""group_binding.secret: a WeCom group robot's webhook key, sealed

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 21:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('group_binding') as batch:
        batch.add_column(sa.Column('secret', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('group_binding') as batch:
        batch.drop_column('secret')
