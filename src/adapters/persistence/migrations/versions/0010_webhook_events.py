"""Payment webhooks as received, once per provider and event id.

Revision ID: 0010_webhook_events
Revises: 0009_orders
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime, json_type

revision = "0010_webhook_events"
down_revision = "0009_orders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("payload", json_type(), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("provider", "event_id", name="pk_webhook_events"),
    )


def downgrade() -> None:
    op.drop_table("webhook_events")
