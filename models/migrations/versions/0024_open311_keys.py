"""open311_key: the client systems allowed to post Open311 requests, each key kept hashed

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 23:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0024'
down_revision: str | Sequence[str] | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'open311_key',
        sa.Column('id', models.base.BigId, nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('key_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_key')),
        sa.UniqueConstraint('key_sha256', name=op.f('uq_open311_key_key_sha256')),
        sa.UniqueConstraint('name', name=op.f('uq_open311_key_name')),
    )


def downgrade() -> None:
    op.drop_table('open311_key')
