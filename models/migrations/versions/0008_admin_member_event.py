"""member administration in the chat: who deactivated whom (member_event), a deactivated
member's mark (member.deactivated_at) and who issued an invite (invite.created_by_id)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'member_event',
        sa.Column('id', BigId, nullable=False),
        sa.Column('member_id', BigId, nullable=False),
        sa.Column('actor_id', BigId, nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('at', models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'],
                                name=op.f('fk_member_event_member_id_member')),
        sa.ForeignKeyConstraint(['actor_id'], ['member.id'],
                                name=op.f('fk_member_event_actor_id_member')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_member_event')),
    )
    with op.batch_alter_table('member_event') as batch:
        batch.create_index(batch.f('ix_member_event_member_id'), ['member_id'], unique=False)
    with op.batch_alter_table('member') as batch:
        batch.add_column(sa.Column('deactivated_at', models.base.UTCDateTime(), nullable=True))
    with op.batch_alter_table('invite') as batch:
        batch.add_column(sa.Column('created_by_id', BigId, nullable=True))
        batch.create_foreign_key(batch.f('fk_invite_created_by_id_member'), 'member',
                                 ['created_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('invite') as batch:
        batch.drop_constraint(batch.f('fk_invite_created_by_id_member'), type_='foreignkey')
        batch.drop_column('created_by_id')
    with op.batch_alter_table('member') as batch:
        batch.drop_column('deactivated_at')
    op.drop_table('member_event')
