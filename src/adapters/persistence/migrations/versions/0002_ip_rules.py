"""IP allow/deny rules.

Revision ID: 0002_ip_rules
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime

revision = "0002_ip_rules"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ip_rules",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ip_rules"),
    )
    op.create_index("ix_ip_rules_network", "ip_rules", ["network"])


def downgrade() -> None:
    op.drop_index("ix_ip_rules_network", table_name="ip_rules")
    op.drop_table("ip_rules")
