"""How much of each order was refunded, and by which refunds (each counted once).

Revision ID: 0012_refunds
Revises: 0011_ledger
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import json_type

revision = "0012_refunds"
down_revision = "0011_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("refunded_minor", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("refund_ids", json_type(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("refund_ids")
        batch.drop_column("refunded_minor")
