"""cache state: invalidations that could not reach Redis

Revision ID: c3a8f1e6b2d4
Revises: b7e4c2a9d1f0
Create Date: 2026-11-30 07:20:00

Counted in the database so that every process, not only the one that lost it, drops what Redis
holds before trusting it again (household.cache).
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a8f1e6b2d4'
down_revision = 'b7e4c2a9d1f0'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'cache_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lost', sa.BigInteger(), nullable=False),
        sa.Column('lease_until_ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_state')),
    )
    op.bulk_insert(table, [{'id': 1, 'lost': 0, 'lease_until_ms': 0}])


def downgrade():
    op.drop_table('cache_state')
