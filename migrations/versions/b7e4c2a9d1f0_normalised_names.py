"""normalised names: live service names unique by their normalised key; emails normalised

Revision ID: b7e4c2a9d1f0
Revises: 5d2e7a4c9b13
Create Date: 2026-11-30 07:00:00

services.name_key holds the casefolded normal form of the name (household.domain.names), and a
partial unique index on it among live services replaces the one on the exact name, so names
differing only by case or by look-alike characters cannot both be live, even when two admins
race past the application's check.

Existing rows are backfilled. Service names are stored in their clean form (NFKC, one space)
when it still fits the column. Live services that already share a key (possible before: the old
index compared exact names) keep their names as they were; the oldest gets the key, each other
one a key with its id appended after a control character no normalised name contains, so the
index can be built, and a warning names them for the admin to rename or delete.

Emails are rewritten to their normal form (NFKC, invisible characters dropped, lower case) when
that differs, the result is still lower case for the database's check, and no other account has
it: logins normalise what is typed, so an email left as stored could no longer be typed. Emails
left alone are listed in a warning. People's display names are left as they are (they are
cleaned when next edited).
"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = 'b7e4c2a9d1f0'
down_revision = '5d2e7a4c9b13'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# A frozen copy of household.domain.names as of this revision: a migration must do the same
# thing whenever it runs, whatever the application's code has become by then.
_INVISIBLE = frozenset(
    chr(c)
    for c in [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x200E, 0x200F]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)


def _clean(value):
    kept = "".join(
        ch for ch in value if ch not in _INVISIBLE and (ch.isspace() or unicodedata.category(ch) != "Cc")
    )
    return " ".join(unicodedata.normalize("NFKC", kept).split())


def _name_key(value):
    return unicodedata.normalize("NFKC", _clean(value).casefold())


def _email(value):
    return unicodedata.normalize("NFKC", _clean(value).lower())


# Normalised keys never hold a control character (they become spaces or go), so a key with
# one cannot clash with any name typed later.
_APART = "\x1f"
_LIVE = sa.text("deleted_at IS NULL")

services = sa.table(
    "services",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("deleted_at", sa.DateTime),
)
users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))


def _backfill_services(conn):
    rows = conn.execute(
        sa.select(services.c.id, services.c.name, services.c.deleted_at).order_by(services.c.id)
    ).all()
    sharing = {}
    for row in rows:
        if row.deleted_at is None:
            sharing.setdefault(_name_key(row.name), []).append(row)
    for row in rows:
        key = _name_key(row.name)
        name = _clean(row.name)
        group = sharing.get(key, []) if row.deleted_at is None else []
        if len(group) > 1 or not 2 <= len(name) <= 100:
            # Look-alikes keep their names as they were, so that a downgrade can bring back the
            # exact-name index.
            name = row.name
        if len(group) > 1 and group[0].id != row.id:
            key = f"{key}{_APART}{row.id}"
            log.warning(
                "Service %s (%r) has the same normalised name as service %s (%r); both stay in the "
                "catalogue: rename or delete one of them.", row.id, row.name, group[0].id, group[0].name,
            )
        conn.execute(services.update().where(services.c.id == row.id).values(name=name, name_key=key))


def _normalise_emails(conn):
    # Only addresses with something outside printable ASCII can change: what the API stored was
    # already trimmed and lower-cased.
    outside_ascii = (
        sa.text("email ~ '[^ -~]'") if conn.dialect.name == "postgresql" else sa.text("email GLOB '*[^ -~]*'")
    )
    rows = conn.execute(sa.select(users.c.id, users.c.email).where(outside_ascii).order_by(users.c.id)).all()
    for row in rows:
        email = _email(row.email)
        if email == row.email:
            continue
        taken = conn.execute(sa.select(users.c.id).where(users.c.email == email)).first() is not None
        lower_in_db = conn.execute(sa.select(sa.func.lower(sa.literal(email, sa.String)))).scalar_one() == email
        if email and len(email) <= 254 and not taken and lower_in_db:
            conn.execute(users.update().where(users.c.id == row.id).values(email=email))
        else:
            log.warning(
                "User %s keeps the email %r: its normal form %r %s.", row.id, row.email, email,
                "belongs to another account" if taken else "cannot be stored",
            )


def upgrade():
    conn = op.get_bind()
    # The exact-name index goes first: cleaning a name may make it equal another live one.
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index('uq_services_name_live', sqlite_where=_LIVE, postgresql_where=_LIVE)
    op.add_column('services', sa.Column('name_key', sa.String(length=400), nullable=True))
    _backfill_services(conn)
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=400), nullable=False)
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index(
            'uq_services_name_key_live', ['name_key'], unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE
        )
    _normalise_emails(conn)


def downgrade():
    # Emails stay normalised: their earlier forms are not kept, and the old code reads these.
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index('uq_services_name_key_live', sqlite_where=_LIVE, postgresql_where=_LIVE)
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('name_key')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index(
            'uq_services_name_live', ['name'], unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE
        )
