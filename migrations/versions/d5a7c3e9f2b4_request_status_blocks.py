"""request status counts per block of ids

Revision ID: d5a7c3e9f2b4
Revises: b2d6f8a4c1e7
Create Date: 2026-12-01 02:15:00

The per-status counters (migration 5d2e7a4c9b13) gain a block of request ids (id / 4096), so the
admin's deep pages find where they start from the counters instead of an OFFSET walking hundreds
of thousands of index entries (see household.domain.requests.request_page). Each block keeps its
eight slots (id % 8), so concurrent bookings wait on a counter row no more often than before.

The triggers now also move a row whose id changed (nothing in the app does, an operator's fix-up
might), and still take the old rows' counters before the new ones', each group in key order.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd5a7c3e9f2b4'
down_revision = 'b2d6f8a4c1e7'
branch_labels = None
depends_on = None

# household.models.service_request.COUNT_BLOCK_IDS and COUNT_SLOTS
BLOCK_IDS = 4096
SLOTS = 8

# Each counter column and how a request's row gives it ({r}: the row's name in a SQLite trigger).
OLD_KEYS = {"status": "{r}status", "slot": f"{{r}}id % {SLOTS}"}
NEW_KEYS = {"status": "{r}status", "block": f"{{r}}id / {BLOCK_IDS}", "slot": f"{{r}}id % {SLOTS}"}


def _of(keys: dict[str, str], row: str = "") -> list[str]:
    return [e.format(r=row) for e in keys.values()]


def _function(name: str, body: str) -> str:
    return (f"CREATE FUNCTION request_status_counts_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$")


def _postgresql(keys: dict[str, str]) -> list[str]:
    """Statement-level triggers with transition tables: a bulk statement moves each counter once."""
    names = ", ".join(keys)
    exprs = ", ".join(_of(keys))
    order = ", ".join(str(i) for i in range(1, len(keys) + 1))
    add = (
        f"INSERT INTO request_status_counts AS c ({names}, n) "
        f"SELECT {exprs}, {{sign}}count(*) FROM {{rows}} GROUP BY {order} ORDER BY {order} "
        f"ON CONFLICT ({names}) DO UPDATE SET n = c.n + EXCLUDED.n;"
    )
    # An UPDATE moves only the rows whose (id, status) changed: what the old rows had and the new ones
    # lack, and the other way round (a set difference, since a changed id cannot be joined on).
    changed = "(SELECT id, status FROM {one} EXCEPT ALL SELECT id, status FROM {other}) {alias}"
    gone = changed.format(one="old_rows", other="new_rows", alias="gone")
    came = changed.format(one="new_rows", other="old_rows", alias="came")
    return [
        _function("insert", add.format(sign="", rows="new_rows")),
        _function("delete", add.format(sign="-", rows="old_rows")),
        _function("update", add.format(sign="-", rows=gone) + " " + add.format(sign="", rows=came)),
        "CREATE TRIGGER service_requests_count_insert AFTER INSERT ON service_requests "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION request_status_counts_insert()",
        "CREATE TRIGGER service_requests_count_delete AFTER DELETE ON service_requests "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION request_status_counts_delete()",
        "CREATE TRIGGER service_requests_count_update AFTER UPDATE ON service_requests "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION request_status_counts_update()",
    ]


def _sqlite(keys: dict[str, str], columns: str, when: str) -> list[str]:
    """Row triggers (SQLite has no statement-level ones)."""
    names = ", ".join(keys)
    new = ", ".join(_of(keys, "NEW."))
    old = " AND ".join(f"{k} = {e}" for k, e in zip(keys, _of(keys, "OLD.")))
    upsert = f"INSERT INTO request_status_counts ({names}, n) VALUES ({new}, 1) ON CONFLICT ({names}) DO UPDATE SET n = n + 1;"
    decrement = f"UPDATE request_status_counts SET n = n - 1 WHERE {old};"
    return [
        f"CREATE TRIGGER service_requests_count_insert AFTER INSERT ON service_requests BEGIN {upsert} END",
        f"CREATE TRIGGER service_requests_count_delete AFTER DELETE ON service_requests BEGIN {decrement} END",
        f"CREATE TRIGGER service_requests_count_update AFTER UPDATE OF {columns} ON service_requests "
        f"WHEN {when} BEGIN {decrement} {upsert} END",
    ]


def _drop_triggers():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS service_requests_count_{name}" + (" ON service_requests" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS request_status_counts_{name}()")


def _rebuild(keys: dict[str, str], sqlite_columns: str, sqlite_when: str):
    _drop_triggers()
    op.drop_table('request_status_counts')
    columns = [sa.Column('status', sa.String(length=10), nullable=False)]
    if "block" in keys:
        columns.append(sa.Column('block', sa.Integer(), autoincrement=False, nullable=False))
    columns += [sa.Column('slot', sa.SmallInteger(), autoincrement=False, nullable=False),
                sa.Column('n', sa.BigInteger(), nullable=False)]
    op.create_table('request_status_counts', *columns,
                    sa.PrimaryKeyConstraint(*keys, name=op.f('pk_request_status_counts')))
    if op.get_bind().dialect.name == "postgresql":
        statements = _postgresql(keys)
    else:
        statements = _sqlite(keys, sqlite_columns, sqlite_when)
    for statement in statements:
        op.execute(statement)
    op.execute(f"INSERT INTO request_status_counts ({', '.join(keys)}, n) "
               f"SELECT {', '.join(_of(keys))}, count(*) FROM service_requests GROUP BY {', '.join(_of(keys))}")


def upgrade():
    _rebuild(NEW_KEYS, "status, id", "OLD.status IS NOT NEW.status OR OLD.id IS NOT NEW.id")


def downgrade():
    _rebuild(OLD_KEYS, "status", "OLD.status IS NOT NEW.status")
