"""Courses: the aggregate, its instructors, revisions and invitations, and the public catalog.

Revision ID: 0005_courses
Revises: 0004_user_identities
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.persistence.types import UtcDateTime, json_type

revision = "0005_courses"
down_revision = "0004_user_identities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("slug", sa.String(96), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("owner_id", sa.Uuid, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("subtitle", sa.String(200), nullable=False),
        sa.Column("description_html", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("difficulty", sa.String(20), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("price_amount", sa.BigInteger, nullable=True),
        sa.Column("price_currency", sa.String(3), nullable=True),
        sa.Column("price_overrides", json_type(), nullable=False),
        sa.Column("category_id", sa.Uuid, nullable=True),
        sa.Column("tags", json_type(), nullable=False),
        sa.Column("objectives", json_type(), nullable=False),
        sa.Column("prerequisite_ids", json_type(), nullable=False),
        sa.Column("cover_key", sa.String(300), nullable=True),
        sa.Column("co_instructor_ids", json_type(), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("sections", json_type(), nullable=False),
        sa.Column("section_count", sa.Integer, nullable=False),
        sa.Column("lesson_count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("review_note", sa.Text, nullable=False),
        sa.Column("live_revision", sa.Integer, nullable=True),
        sa.Column("revision_count", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_courses"),
        sa.UniqueConstraint("slug", name="uq_courses_slug"),
    )
    op.create_index("ix_courses_category_id", "courses", ["category_id"])
    op.create_index("ix_courses_status_id", "courses", ["status", "id"])

    op.create_table(
        "course_instructors",
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("course_id", "user_id", name="pk_course_instructors"),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_course_instructors_course_id_courses", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_course_instructors_user_id_course_id", "course_instructors", ["user_id", "course_id"])

    op.create_table(
        "course_revisions",
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("snapshot", json_type(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("lesson_count", sa.Integer, nullable=False),
        sa.Column("approved_by", sa.Uuid, nullable=False),
        sa.Column("approved_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("course_id", "number", name="pk_course_revisions"),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_course_revisions_course_id_courses", ondelete="CASCADE"
        ),
    )

    op.create_table(
        "catalog_courses",
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("slug", sa.String(96), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("title_key", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=False),
        sa.Column("subtitle", sa.String(200), nullable=False),
        sa.Column("description_html", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("difficulty", sa.String(20), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("price_amount", sa.BigInteger, nullable=False),
        sa.Column("price_currency", sa.String(3), nullable=False),
        sa.Column("price_overrides", json_type(), nullable=False),
        sa.Column("category_id", sa.Uuid, nullable=True),
        sa.Column("tags", json_type(), nullable=False),
        sa.Column("cover_key", sa.String(300), nullable=True),
        sa.Column("owner_id", sa.Uuid, nullable=False),
        sa.Column("instructor_ids", json_type(), nullable=False),
        sa.Column("prerequisite_ids", json_type(), nullable=False),
        sa.Column("objectives", json_type(), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("syllabus", json_type(), nullable=False),
        sa.Column("lesson_count", sa.Integer, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("course_id", name="pk_catalog_courses"),
        sa.UniqueConstraint("slug", name="uq_catalog_courses_slug"),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_catalog_courses_course_id_courses", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_catalog_courses_category_id", "catalog_courses", ["category_id"])
    op.create_index("ix_catalog_courses_published_at_course_id", "catalog_courses", ["published_at", "course_id"])
    op.create_index("ix_catalog_courses_views_course_id", "catalog_courses", ["views", "course_id"])
    op.create_index("ix_catalog_courses_price_amount_course_id", "catalog_courses", ["price_amount", "course_id"])
    op.create_index("ix_catalog_courses_title_key_course_id", "catalog_courses", ["title_key", "course_id"])

    op.create_table(
        "catalog_course_instructors",
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.PrimaryKeyConstraint("course_id", "user_id", name="pk_catalog_course_instructors"),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["catalog_courses.course_id"],
            name="fk_catalog_course_instructors_course_id_catalog_courses",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_catalog_course_instructors_user_id", "catalog_course_instructors", ["user_id"])

    op.create_table(
        "course_invitations",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("course_id", sa.Uuid, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("invited_by", sa.Uuid, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("accepted_by", sa.Uuid, nullable=True),
        sa.Column("accepted_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_course_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_course_invitations_token_hash"),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_course_invitations_course_id_courses", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_course_invitations_course_id", "course_invitations", ["course_id"])


def downgrade() -> None:
    op.drop_index("ix_course_invitations_course_id", table_name="course_invitations")
    op.drop_table("course_invitations")
    op.drop_index("ix_catalog_course_instructors_user_id", table_name="catalog_course_instructors")
    op.drop_table("catalog_course_instructors")
    op.drop_index("ix_catalog_courses_title_key_course_id", table_name="catalog_courses")
    op.drop_index("ix_catalog_courses_price_amount_course_id", table_name="catalog_courses")
    op.drop_index("ix_catalog_courses_views_course_id", table_name="catalog_courses")
    op.drop_index("ix_catalog_courses_published_at_course_id", table_name="catalog_courses")
    op.drop_index("ix_catalog_courses_category_id", table_name="catalog_courses")
    op.drop_table("catalog_courses")
    op.drop_table("course_revisions")
    op.drop_index("ix_course_instructors_user_id_course_id", table_name="course_instructors")
    op.drop_table("course_instructors")
    op.drop_index("ix_courses_status_id", table_name="courses")
    op.drop_index("ix_courses_category_id", table_name="courses")
    op.drop_table("courses")
