"""Foundation: categories, outbox, task receipts, dead letters.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime, json_type

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("slug", sa.String(96), nullable=False),
        sa.Column("parent_id", sa.Uuid, nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_categories"),
        sa.UniqueConstraint("slug", name="uq_categories_slug"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["categories.id"], name="fk_categories_parent_id_categories", ondelete="RESTRICT"
        ),
    )
    op.create_index("ix_categories_parent_id", "categories", ["parent_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.String(120), nullable=False),
        sa.Column("payload", json_type(), nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("dispatched_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["id"],
        sqlite_where=sa.text("dispatched_at IS NULL"),
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_table(
        "task_receipts",
        sa.Column("handler", sa.String(120), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("completed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("handler", "message_id", name="pk_task_receipts"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("handler", sa.String(120), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(120), nullable=False),
        sa.Column("payload", json_type(), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("resolved_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
    )


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_table("task_receipts")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_categories_parent_id", table_name="categories")
    op.drop_table("categories")
