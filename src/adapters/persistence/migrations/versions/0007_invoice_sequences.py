"""Gapless invoice and credit-note numbers per seller, kind and year.

Revision ID: 0007_invoice_sequences
Revises: 0006_enrollment
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_invoice_sequences"
down_revision = "0006_enrollment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_sequences",
        sa.Column("seller", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("last", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("seller", "kind", "year", name="pk_invoice_sequences"),
    )


def downgrade() -> None:
    op.drop_table("invoice_sequences")
