"""request status counts kept by triggers

Revision ID: 5d2e7a4c9b13
Revises: 9cdc8bedf621
Create Date: 2026-11-24 01:55:00

Exact totals per status for the admin's request lists (see household.models.RequestStatusCount).
Every status change is a single-row, forward move (requested -> assigned -> closed/cancelled,
requested -> rejected/cancelled), and the update trigger takes the old status's counter row
before the new one's, so two transactions always lock counter rows in the same order.
"""
from alembic import op
import sqlalchemy as sa


revision = '5d2e7a4c9b13'
down_revision = '9cdc8bedf621'
branch_labels = None
depends_on = None

SLOTS = 8

_UPSERT = (
    "INSERT INTO request_status_counts (status, slot, n) VALUES (NEW.status, NEW.id % {slots}, 1) "
    "ON CONFLICT (status, slot) DO UPDATE SET n = request_status_counts.n + 1;"
).format(slots=SLOTS)
_DECREMENT = (
    "UPDATE request_status_counts SET n = n - 1 WHERE status = OLD.status AND slot = OLD.id % {slots};"
).format(slots=SLOTS)

POSTGRESQL = [
    f"""
    CREATE FUNCTION request_status_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        {_DECREMENT}
      END IF;
      IF TG_OP <> 'DELETE' THEN
        {_UPSERT}
      END IF;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER service_requests_count_insert AFTER INSERT ON service_requests "
    "FOR EACH ROW EXECUTE FUNCTION request_status_counts_apply()",
    "CREATE TRIGGER service_requests_count_delete AFTER DELETE ON service_requests "
    "FOR EACH ROW EXECUTE FUNCTION request_status_counts_apply()",
    "CREATE TRIGGER service_requests_count_update AFTER UPDATE OF status ON service_requests "
    "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION request_status_counts_apply()",
]

SQLITE = [
    f"CREATE TRIGGER service_requests_count_insert AFTER INSERT ON service_requests BEGIN {_UPSERT} END",
    f"CREATE TRIGGER service_requests_count_delete AFTER DELETE ON service_requests BEGIN {_DECREMENT} END",
    "CREATE TRIGGER service_requests_count_update AFTER UPDATE OF status ON service_requests "
    f"WHEN OLD.status IS NOT NEW.status BEGIN {_DECREMENT} {_UPSERT} END",
]

BACKFILL = (
    "INSERT INTO request_status_counts (status, slot, n) "
    f"SELECT status, id % {SLOTS}, count(*) FROM service_requests GROUP BY status, id % {SLOTS}"
)


def upgrade():
    op.create_table('request_status_counts',
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('slot', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('status', 'slot', name=op.f('pk_request_status_counts'))
    )
    statements = POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE
    for statement in statements:
        op.execute(statement)
    op.execute(BACKFILL)


def downgrade():
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS service_requests_count_{name}" + (
            " ON service_requests" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS request_status_counts_apply()")
    op.drop_table('request_status_counts')
