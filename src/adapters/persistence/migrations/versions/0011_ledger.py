"""The revenue ledger.

Revision ID: 0011_ledger
Revises: 0010_webhook_events
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime

revision = "0011_ledger"
down_revision = "0010_webhook_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("transaction_id", sa.Uuid, nullable=False),
        sa.Column("account", sa.String(80), nullable=False),
        sa.Column("order_id", sa.Uuid, nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("posted_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("transaction_id", "account", name="pk_ledger_entries"),
    )
    op.create_index("ix_ledger_entries_account", "ledger_entries", ["account"])


def downgrade() -> None:
    op.drop_table("ledger_entries")
