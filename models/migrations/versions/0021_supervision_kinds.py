"""member.supervision_kind, invite.supervision_kind, supervision_order.kind, bulletin.kind: the
five kinds of supervision (专业、两办、纪检、社会、媒体)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | Sequence[str] | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('member', 'invite'):
        op.add_column(table, sa.Column('supervision_kind', sa.String(length=16), nullable=True))
    for table in ('supervision_order', 'bulletin'):
        op.add_column(table, sa.Column('kind', sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table in ('bulletin', 'supervision_order'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('kind')
    for table in ('invite', 'member'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('supervision_kind')
