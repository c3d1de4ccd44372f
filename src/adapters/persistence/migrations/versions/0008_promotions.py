"""Coupons and scheduled course sales.

Revision ID: 0008_promotions
Revises: 0007_invoice_sequences
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime, json_type

revision = "0008_promotions"
down_revision = "0007_invoice_sequences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupons",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("percent_off", sa.String(12), nullable=True),
        sa.Column("amounts_off", json_type(), nullable=False),
        sa.Column("course_ids", json_type(), nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=True),
        sa.Column("expires_at", UtcDateTime, nullable=True),
        sa.Column("max_redemptions", sa.Integer, nullable=True),
        sa.Column("max_per_user", sa.Integer, nullable=True),
        sa.Column("stackable", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_coupons"),
    )
    op.create_table(
        "course_sales",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("starts_at", UtcDateTime, nullable=False),
        sa.Column("ends_at", UtcDateTime, nullable=False),
        sa.Column("price_amount", sa.BigInteger, nullable=True),
        sa.Column("price_currency", sa.String(3), nullable=True),
        sa.Column("percent_off", sa.String(12), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_course_sales"),
    )
    op.create_index("ix_course_sales_course_id_ends_at", "course_sales", ["course_id", "ends_at"])


def downgrade() -> None:
    op.drop_table("course_sales")
    op.drop_table("coupons")
