"""Orders.

Revision ID: 0009_orders
Revises: 0008_promotions
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime, json_type

revision = "0009_orders"
down_revision = "0008_promotions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("buyer_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lines", json_type(), nullable=False),
        sa.Column("rates", json_type(), nullable=False),
        sa.Column("coupons", json_type(), nullable=False),
        sa.Column("reverse_charge", sa.Boolean, nullable=False),
        sa.Column("buyer_country", sa.String(2), nullable=False),
        sa.Column("buyer_region", sa.String(10), nullable=True),
        sa.Column("buyer_vat_id", sa.String(20), nullable=True),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("paid_at", UtcDateTime, nullable=True),
        sa.Column("payment_ref", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("buyer_id", "idempotency_key", name="uq_orders_buyer_id_idempotency_key"),
    )
    op.create_index("ix_orders_buyer_id_id", "orders", ["buyer_id", "id"])


def downgrade() -> None:
    op.drop_table("orders")
