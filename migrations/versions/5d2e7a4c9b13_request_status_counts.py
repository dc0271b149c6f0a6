"""request status counts kept by triggers

Revision ID: 5d2e7a4c9b13
Revises: 9cdc8bedf621
Create Date: 2026-11-24 01:55:00

Exact totals per status for the admin's request lists (see household.models.RequestStatusCount).
Every status change is a forward move (requested -> assigned -> closed/cancelled, requested ->
rejected/cancelled), and the update trigger takes the old statuses' counter rows before the new
ones' (each group in (status, slot) order), so two transactions lock counter rows in one order.
"""
from alembic import op
import sqlalchemy as sa


revision = '5d2e7a4c9b13'
down_revision = '9cdc8bedf621'
branch_labels = None
depends_on = None

# Counter rows per status (household.models.service_request.COUNT_SLOTS): "id % 8" below.
# PostgreSQL: statement-level triggers with transition tables, so a statement touching many rows
# (COPY, a bulk update) changes each counter once, grouped, instead of once per row.
_PG_ADD = (
    "INSERT INTO request_status_counts AS c (status, slot, n) "
    "SELECT status, id % 8, {sign}count(*) FROM {rows} GROUP BY 1, 2 ORDER BY 1, 2 "
    "ON CONFLICT (status, slot) DO UPDATE SET n = c.n + EXCLUDED.n;"
)
# An UPDATE counts only the rows whose status changed.
_PG_CHANGED = (
    "(SELECT {side}.id, {side}.status FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE o.status IS DISTINCT FROM n.status) {alias}"
)

POSTGRESQL = [
    f"""
    CREATE FUNCTION request_status_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      {_PG_ADD.format(sign="", rows="new_rows")}
      RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION request_status_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      {_PG_ADD.format(sign="-", rows="old_rows")}
      RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION request_status_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      {_PG_ADD.format(sign="-", rows=_PG_CHANGED.format(side="o", alias="gone"))}
      {_PG_ADD.format(sign="", rows=_PG_CHANGED.format(side="n", alias="came"))}
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER service_requests_count_insert AFTER INSERT ON service_requests "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION request_status_counts_insert()",
    "CREATE TRIGGER service_requests_count_delete AFTER DELETE ON service_requests "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION request_status_counts_delete()",
    "CREATE TRIGGER service_requests_count_update AFTER UPDATE ON service_requests "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION request_status_counts_update()",
]

# SQLite: row triggers (no statement-level ones there).
_UPSERT = (
    "INSERT INTO request_status_counts (status, slot, n) VALUES (NEW.status, NEW.id % 8, 1) "
    "ON CONFLICT (status, slot) DO UPDATE SET n = n + 1;"
)
_DECREMENT = "UPDATE request_status_counts SET n = n - 1 WHERE status = OLD.status AND slot = OLD.id % 8;"

SQLITE = [
    f"CREATE TRIGGER service_requests_count_insert AFTER INSERT ON service_requests BEGIN {_UPSERT} END",
    f"CREATE TRIGGER service_requests_count_delete AFTER DELETE ON service_requests BEGIN {_DECREMENT} END",
    "CREATE TRIGGER service_requests_count_update AFTER UPDATE OF status ON service_requests "
    f"WHEN OLD.status IS NOT NEW.status BEGIN {_DECREMENT} {_UPSERT} END",
]

BACKFILL = (
    "INSERT INTO request_status_counts (status, slot, n) "
    "SELECT status, id % 8, count(*) FROM service_requests GROUP BY status, id % 8"
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
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP FUNCTION IF EXISTS request_status_counts_{name}()")
    op.drop_table('request_status_counts')
