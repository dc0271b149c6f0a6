"""lifecycle: seven statuses, a status history, reasons, email opt-out, notification titles, calendar feeds

Revision ID: f7c1a9e3b5d2
Revises: e4b9d2a7c6f1
Create Date: 2026-11-30 10:50:00

- Statuses `completed` and `expired` join the five; the CHECK constraint allows them. PostgreSQL
  replaces the constraint; SQLite cannot alter a constraint, so its table definition is edited in
  place as SQLite's documentation describes for loosening a CHECK (writable_schema, then a new
  schema_version): every existing row already satisfies the wider list.
- `request_events`: every change of a request's status, who and when (backfilled: the booking by its
  customer at its creation, and its present status, if another, at its last update).
- `service_requests.status_reason`: the reason given with a rejection or a withdrawal;
  `answer_by`: until when a requested booking waits for the professional's answer (its creation, or
  its last move back to requested, + RESPONSE_WINDOW_MINUTES, or its start if sooner), indexed for
  the expiry job, as completed work is by its completion for the auto-close.
- `users.email_notifications` (on by default), `notifications.title` and `notifications.request_id`.
- `professionals.calendar_token_hash`: the hash of their private calendar feed's token (null: none).
"""
import os

from alembic import op
import sqlalchemy as sa


revision = 'f7c1a9e3b5d2'
down_revision = 'e4b9d2a7c6f1'
branch_labels = None
depends_on = None

OLD = "status IN ('requested', 'assigned', 'rejected', 'closed', 'cancelled')"
NEW = "status IN ('requested', 'assigned', 'completed', 'closed', 'rejected', 'cancelled', 'expired')"


def _window_minutes() -> int:
    raw = os.environ.get("RESPONSE_WINDOW_MINUTES")
    return int(raw) if raw else 1440


def _sqlite_edit_table(bind, table: str, edit) -> None:
    """Rewrite a table's definition in place (only for changes every existing row already satisfies)."""
    raw = bind.connection.driver_connection
    sql = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    new_sql = edit(sql)
    if new_sql == sql:
        raise RuntimeError(f"the definition of {table} does not have what this migration changes")
    version = raw.execute("PRAGMA schema_version").fetchone()[0]
    raw.execute("PRAGMA writable_schema = ON")
    raw.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (new_sql, table))
    raw.execute(f"PRAGMA schema_version = {int(version) + 1}")
    raw.execute("PRAGMA writable_schema = OFF")


def _sqlite_swap_check(bind, old: str, new: str) -> None:
    _sqlite_edit_table(bind, 'service_requests', lambda sql: sql.replace(old, new))


NOTIFICATION_FK = (
    "CONSTRAINT fk_notifications_request_id_service_requests FOREIGN KEY(request_id) "
    "REFERENCES service_requests (id) ON DELETE SET NULL"
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_constraint(op.f('ck_service_requests_status_valid'), 'service_requests', type_='check')
        op.create_check_constraint(op.f('ck_service_requests_status_valid'), 'service_requests', NEW)
    else:
        _sqlite_swap_check(bind, OLD, NEW)

    op.add_column('service_requests', sa.Column('status_reason', sa.Text(), nullable=True))
    op.add_column('service_requests', sa.Column('answer_by', sa.DateTime(timezone=True), nullable=True))
    window = _window_minutes()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE service_requests SET answer_by = least(created_at + "
            f"{window} * interval '1 minute', date_of_request) WHERE status = 'requested'"
        )
    else:
        op.execute(
            "UPDATE service_requests SET answer_by = min(strftime('%Y-%m-%d %H:%M:%S', created_at, "
            f"'+{window} minutes') || substr(created_at, 20), date_of_request) WHERE status = 'requested'"
        )
    op.create_index('ix_service_requests_answer_by', 'service_requests', ['answer_by'], unique=False,
                    postgresql_where=sa.text("status = 'requested'"), sqlite_where=sa.text("status = 'requested'"))
    op.create_index('ix_service_requests_completed_on', 'service_requests', ['date_of_completion'], unique=False,
                    postgresql_where=sa.text("status = 'completed'"), sqlite_where=sa.text("status = 'completed'"))
    op.create_table(
        'request_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by', sa.String(length=12), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.CheckConstraint("by IN ('customer', 'professional', 'admin', 'system')", name=op.f('ck_request_events_by_valid')),
        sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'],
                                name=op.f('fk_request_events_request_id_service_requests'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['by_user_id'], ['users.id'],
                                name=op.f('fk_request_events_by_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_request_events')),
    )
    op.create_index('ix_request_events_request_id_id', 'request_events', ['request_id', 'id'], unique=False)
    op.execute(
        "INSERT INTO request_events (request_id, status, at, by) "
        "SELECT id, 'requested', created_at, 'customer' FROM service_requests"
    )
    op.execute(
        "INSERT INTO request_events (request_id, status, at, by, reason) "
        "SELECT id, status, updated_at, CASE status WHEN 'assigned' THEN 'professional' "
        "WHEN 'rejected' THEN 'professional' WHEN 'cancelled' THEN coalesce(cancelled_by, 'customer') "
        "ELSE 'customer' END, NULL FROM service_requests WHERE status <> 'requested'"
    )

    op.add_column('users', sa.Column('email_notifications', sa.Boolean(), nullable=False,
                                     server_default=sa.true()))
    op.add_column('notifications', sa.Column('title', sa.String(length=200), nullable=False, server_default=''))
    if bind.dialect.name == "postgresql":
        op.add_column('notifications', sa.Column('request_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_notifications_request_id_service_requests'), 'notifications',
                              'service_requests', ['request_id'], ['id'], ondelete='SET NULL')
    else:
        # SQLite has no ALTER of constraints: the reference is added to the table's definition (every
        # row has a null request_id, so every row satisfies it).
        op.add_column('notifications', sa.Column('request_id', sa.Integer(), nullable=True))
        _sqlite_edit_table(bind, 'notifications', lambda sql: sql.rstrip()[:-1].rstrip() + ", \n\t" + NOTIFICATION_FK + "\n)")
    op.create_index('ix_notifications_request_id', 'notifications', ['request_id'], unique=False)
    op.add_column('professionals', sa.Column('calendar_token_hash', sa.String(length=64), nullable=True))
    op.create_index('ix_professionals_calendar_token_hash', 'professionals', ['calendar_token_hash'], unique=True)


def downgrade():
    bind = op.get_bind()
    op.drop_index('ix_professionals_calendar_token_hash', table_name='professionals')
    op.drop_index('ix_notifications_request_id', table_name='notifications')
    with op.batch_alter_table('professionals') as batch:
        batch.drop_column('calendar_token_hash')
    with op.batch_alter_table('notifications') as batch:
        if bind.dialect.name == "postgresql":
            batch.drop_constraint(op.f('fk_notifications_request_id_service_requests'), type_='foreignkey')
        batch.drop_column('request_id')
        batch.drop_column('title')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email_notifications')
    op.drop_index('ix_request_events_request_id_id', table_name='request_events')
    op.drop_table('request_events')
    op.drop_index('ix_service_requests_answer_by', table_name='service_requests')
    op.drop_index('ix_service_requests_completed_on', table_name='service_requests')
    with op.batch_alter_table('service_requests') as batch:
        batch.drop_column('answer_by')
        batch.drop_column('status_reason')
    if bind.dialect.name == "postgresql":
        op.drop_constraint(op.f('ck_service_requests_status_valid'), 'service_requests', type_='check')
        op.create_check_constraint(op.f('ck_service_requests_status_valid'), 'service_requests', OLD)
    else:
        _sqlite_swap_check(bind, NEW, OLD)
