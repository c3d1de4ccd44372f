"""Table definitions. Alembic migrations are written by hand to match; a test checks they agree."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.persistence.types import UtcDateTime, json_type

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("slug", sa.String(96), nullable=False, unique=True),
    sa.Column("parent_id", sa.Uuid, sa.ForeignKey("categories.id", ondelete="RESTRICT"), nullable=True, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# Events written in the same transaction as the change that raised them.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("dispatched_at", UtcDateTime, nullable=True),
    sa.Index(
        "ix_outbox_pending",
        "id",
        sqlite_where=sa.text("dispatched_at IS NULL"),
        postgresql_where=sa.text("dispatched_at IS NULL"),
    ),
)

# One row per (handler, message) that completed: redelivered messages are skipped.
task_receipts = sa.Table(
    "task_receipts",
    metadata,
    sa.Column("handler", sa.String(120), primary_key=True),
    sa.Column("message_id", sa.String(64), primary_key=True),
    sa.Column("completed_at", UtcDateTime, nullable=False),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("handler", sa.String(120), nullable=False),
    sa.Column("message_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
)

ip_rules = sa.Table(
    "ip_rules",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("network", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(8), nullable=False),
    sa.Column("note", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
)
