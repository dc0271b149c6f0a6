"""scheduling: working hours, time off, booked end and price, held slots that never overlap

Revision ID: e4b9d2a7c6f1
Revises: c3a8f1e6b2d4
Create Date: 2026-11-30 10:30:00

- Every professional gets the default week (Monday to Saturday, 09:00-18:00).
- Every request gets `end_time` (start + its service's time_required), `held_until` (end + the
  travel buffer, TRAVEL_BUFFER_MINUTES, 30 by default) and `price` (its service's price now).
- Bookings made before this revision could overlap (nothing stopped eight customers booking one
  professional for the same hour). Of held ('requested' or 'assigned') bookings of one professional
  that overlap, the earliest-starting (then the earliest made) keeps its time; each later one that
  overlaps a kept one is cancelled by the system (`cancelled_by = 'system'`), since the
  professional cannot be in two places. The count is printed.
- PostgreSQL: an exclusion constraint (btree_gist) over the professional and [start, held_until)
  of held bookings, so that no two can ever overlap, whatever the application does.
"""
import os

from alembic import op
import sqlalchemy as sa


revision = 'e4b9d2a7c6f1'
down_revision = 'c3a8f1e6b2d4'
branch_labels = None
depends_on = None

HOLDING = "status IN ('requested', 'assigned')"
EXCLUSION = (
    "ALTER TABLE service_requests ADD CONSTRAINT ex_service_requests_held EXCLUDE USING gist "
    "(professional_id WITH =, tstzrange(date_of_request, held_until, '[)') WITH &&) WHERE (" + HOLDING + ")"
)


def _buffer_minutes() -> int:
    raw = os.environ.get("TRAVEL_BUFFER_MINUTES")
    return int(raw) if raw else 30


def upgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    op.create_table(
        'working_hours',
        sa.Column('professional_id', sa.Integer(), nullable=False),
        sa.Column('weekday', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('start_minute', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('end_minute', sa.SmallInteger(), nullable=False),
        sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_working_hours_weekday_range')),
        sa.CheckConstraint(
            'start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440',
            name=op.f('ck_working_hours_interval_valid'),
        ),
        sa.ForeignKeyConstraint(['professional_id'], ['professionals.id'],
                                name=op.f('fk_working_hours_professional_id_professionals'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('professional_id', 'weekday', 'start_minute', name=op.f('pk_working_hours')),
    )
    op.create_table(
        'time_off',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('professional_id', sa.Integer(), nullable=False),
        sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('end_at > start_at', name=op.f('ck_time_off_end_after_start')),
        sa.ForeignKeyConstraint(['professional_id'], ['professionals.id'],
                                name=op.f('fk_time_off_professional_id_professionals'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off')),
    )
    op.create_index('ix_time_off_professional_end', 'time_off', ['professional_id', 'end_at'], unique=False)
    op.execute(
        "INSERT INTO working_hours (professional_id, weekday, start_minute, end_minute) "
        "SELECT p.id, d.weekday, 540, 1080 FROM professionals p CROSS JOIN ("
        + " UNION ALL ".join(f"SELECT {d} AS weekday" for d in range(6))
        + ") d"
    )

    buffer = _buffer_minutes()
    if pg:
        for name, kind in (('end_time', sa.DateTime(timezone=True)), ('held_until', sa.DateTime(timezone=True)),
                           ('price', sa.Numeric(10, 2))):
            op.add_column('service_requests', sa.Column(name, kind, nullable=True))
        op.execute(
            "UPDATE service_requests r SET end_time = r.date_of_request + s.time_required * interval '1 minute', "
            f"held_until = r.date_of_request + (s.time_required + {buffer}) * interval '1 minute', price = s.price "
            "FROM services s WHERE s.id = r.service_id"
        )
        for name in ('end_time', 'held_until', 'price'):
            op.alter_column('service_requests', name, nullable=False)
    else:
        # SQLite adds a NOT NULL column only with a default; every row is then given its value.
        op.add_column('service_requests', sa.Column(
            'end_time', sa.DateTime(timezone=True), nullable=False, server_default='2000-01-01 00:00:00.000000'))
        op.add_column('service_requests', sa.Column(
            'held_until', sa.DateTime(timezone=True), nullable=False, server_default='2000-01-01 00:00:00.000000'))
        op.add_column('service_requests', sa.Column('price', sa.Numeric(10, 2), nullable=False, server_default='0'))
        op.execute(
            "UPDATE service_requests SET "
            # Whole minutes are added; the stored fraction of a second (".ffffff") is carried over.
            "end_time = strftime('%Y-%m-%d %H:%M:%S', date_of_request, '+' || "
            "(SELECT time_required FROM services s WHERE s.id = service_requests.service_id) || ' minutes') "
            "|| substr(date_of_request, 20), "
            "held_until = strftime('%Y-%m-%d %H:%M:%S', date_of_request, '+' || "
            f"((SELECT time_required FROM services s WHERE s.id = service_requests.service_id) + {buffer}) "
            "|| ' minutes') || substr(date_of_request, 20), "
            "price = (SELECT price FROM services s WHERE s.id = service_requests.service_id)"
        )
    op.add_column('service_requests', sa.Column('cancelled_by', sa.String(length=12), nullable=True))
    op.add_column('service_requests', sa.Column('cancellation_fee', sa.Numeric(10, 2), nullable=True))
    op.create_index(
        'ix_service_requests_held', 'service_requests', ['professional_id', 'held_until'], unique=False,
        postgresql_where=sa.text(HOLDING), sqlite_where=sa.text(HOLDING),
    )

    _cancel_overlaps(bind)
    if pg:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(EXCLUSION)
        for name, check in (
            ('end_after_start', 'end_time > date_of_request'),
            ('hold_covers_booking', 'held_until >= end_time'),
            ('cancelled_by_valid',
             "cancelled_by IS NULL OR cancelled_by IN ('customer', 'professional', 'admin', 'system')"),
        ):
            op.create_check_constraint(op.f(f'ck_service_requests_{name}'), 'service_requests', check)


def _cancel_overlaps(bind) -> None:
    rows = bind.execute(sa.text(
        "SELECT id, professional_id, date_of_request, held_until FROM service_requests "
        f"WHERE {HOLDING} ORDER BY professional_id, date_of_request, created_at, id"
    )).all()
    losers: list[int] = []
    last_pro, kept_until = None, None
    for row in rows:
        if row.professional_id != last_pro:
            last_pro, kept_until = row.professional_id, None
        if kept_until is not None and row.date_of_request < kept_until:
            losers.append(row.id)
            continue
        kept_until = row.held_until
    for i in range(0, len(losers), 500):
        chunk = losers[i:i + 500]
        bind.execute(
            sa.text("UPDATE service_requests SET status = 'cancelled', cancelled_by = 'system' WHERE id IN :ids")
            .bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": chunk},
        )
    if losers:
        print(f"scheduling: {len(losers)} overlapping booking(s) cancelled by the system (the professional was double-booked)")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE service_requests DROP CONSTRAINT IF EXISTS ex_service_requests_held")
        for name in ('end_after_start', 'hold_covers_booking', 'cancelled_by_valid'):
            op.drop_constraint(op.f(f'ck_service_requests_{name}'), 'service_requests', type_='check')
    op.drop_index('ix_service_requests_held', table_name='service_requests')
    with op.batch_alter_table('service_requests') as batch:
        for name in ('cancellation_fee', 'cancelled_by', 'price', 'held_until', 'end_time'):
            batch.drop_column(name)
    op.drop_index('ix_time_off_professional_end', table_name='time_off')
    op.drop_table('time_off')
    op.drop_table('working_hours')
