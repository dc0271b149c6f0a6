"""notification emails: the outbox of the emails that tell people of a change

Revision ID: a9d4e2c7f1b3
Revises: f7c1a9e3b5d2
Create Date: 2026-11-30 12:00:00

One row per email to send about a notification, written in the transaction of the change itself
(household.notify.outbox); a worker claims it before sending (queued, claimed, sent, failed), and
the beat queues again the rows whose task was lost.
"""
import sqlalchemy as sa
from alembic import op

import household.models.base

revision = 'a9d4e2c7f1b3'
down_revision = 'f7c1a9e3b5d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification_emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('context', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', household.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('queued_at', household.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', household.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('sent_at', household.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'claimed', 'sent', 'failed')",
                           name=op.f('ck_notification_emails_state_valid')),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'],
                                name=op.f('fk_notification_emails_notification_id_notifications'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_emails_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_emails')),
    )
    with op.batch_alter_table('notification_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_emails_notification_id'), ['notification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_emails_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_notification_emails_state_queued_at', ['state', 'queued_at'], unique=False)


def downgrade():
    op.drop_table('notification_emails')
