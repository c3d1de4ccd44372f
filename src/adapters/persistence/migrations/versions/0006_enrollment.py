"""Enrollments, cohorts and cohort waitlists.

Revision ID: 0006_enrollment
Revises: 0005_courses
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime

revision = "0006_enrollment"
down_revision = "0005_courses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("seats_taken", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cohorts"),
    )
    op.create_index("ix_cohorts_course_id_starts_on", "cohorts", ["course_id", "starts_on"])

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("cohort_id", sa.Uuid, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("enrolled_at", UtcDateTime, nullable=False),
        sa.Column("access_until", UtcDateTime, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("completed_at", UtcDateTime, nullable=True),
        sa.Column("cancelled_at", UtcDateTime, nullable=True),
        sa.Column("cancel_reason", sa.String(300), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_enrollments"),
        sa.UniqueConstraint("user_id", "course_id", name="uq_enrollments_user_id_course_id"),
    )
    op.create_index("ix_enrollments_user_id_id", "enrollments", ["user_id", "id"])
    op.create_index("ix_enrollments_course_id_status", "enrollments", ["course_id", "status"])

    op.create_table(
        "waitlist_entries",
        sa.Column("position", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("cohort_id", sa.Uuid, nullable=False),
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("joined_at", UtcDateTime, nullable=False),
        sa.Column("offered_at", UtcDateTime, nullable=True),
        sa.Column("offer_expires_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("position", name="pk_waitlist_entries"),
        sa.UniqueConstraint("id", name="uq_waitlist_entries_id"),
    )
    op.create_index(
        "ix_waitlist_entries_cohort_id_status_position", "waitlist_entries", ["cohort_id", "status", "position"]
    )
    op.create_index("ix_waitlist_entries_status_offer_expires_at", "waitlist_entries", ["status", "offer_expires_at"])
    op.create_index("ix_waitlist_entries_cohort_id_user_id", "waitlist_entries", ["cohort_id", "user_id"])


def downgrade() -> None:
    op.drop_table("waitlist_entries")
    op.drop_table("enrollments")
    op.drop_table("cohorts")
