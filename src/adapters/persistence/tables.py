"""Table definitions. Alembic migrations are written by hand to match; a test checks they agree."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from adapters.persistence.types import JsonTuple, UtcDateTime, json_type
from core.billing.domain.orders import OrderLine

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("slug", sa.String(96), nullable=False, unique=True),
    sa.Column("parent_id", sa.Uuid, sa.ForeignKey("categories.id", ondelete="RESTRICT"), nullable=True, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# Events written in the same transaction as the change that raised them.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("dispatched_at", UtcDateTime, nullable=True),
    sa.Index(
        "ix_outbox_pending",
        "id",
        sqlite_where=sa.text("dispatched_at IS NULL"),
        postgresql_where=sa.text("dispatched_at IS NULL"),
    ),
)

# One row per (handler, message) that completed: redelivered messages are skipped.
task_receipts = sa.Table(
    "task_receipts",
    metadata,
    sa.Column("handler", sa.String(120), primary_key=True),
    sa.Column("message_id", sa.String(64), primary_key=True),
    sa.Column("completed_at", UtcDateTime, nullable=False),
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("handler", sa.String(120), nullable=False),
    sa.Column("message_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
)

ip_rules = sa.Table(
    "ip_rules",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("network", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(8), nullable=False),
    sa.Column("note", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
)

# Accounts (core.identity.domain.user.User). ``search_key`` is not part of the domain: the mapper
# fills it with the case-folded "name email" (see orm.py) because SQLite's lower() folds ASCII
# only and names are Russian and Hebrew too.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("search_key", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("email_verified_at", UtcDateTime, nullable=True),
    sa.Column("status_reason", sa.String(500), nullable=False),
    sa.Column("suspended_until", UtcDateTime, nullable=True),
    sa.Column("bio", sa.Text, nullable=False),
    sa.Column("avatar_key", sa.String(300), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("preferences", json_type(), nullable=False),
    sa.Column("totp_secret", sa.String(64), nullable=True),
    sa.Column("totp_enabled_at", UtcDateTime, nullable=True),
    sa.Column("totp_last_step", sa.BigInteger, nullable=False),
    sa.Column("recovery_codes", json_type(), nullable=False),
    sa.Column("deleted_at", UtcDateTime, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_users_email", "email", unique=True),
    # Filters of the user search, each followed by the keyset cursor (id).
    sa.Index("ix_users_role_id", "role", "id"),
    sa.Index("ix_users_status_id", "status", "id"),
)

# Append-only audit trail (ports.identity.audit). No foreign keys: entries outlive the accounts
# they mention, and an entry about an unknown email has no account at all.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("action", sa.String(80), nullable=False),
    sa.Column("actor_id", sa.Uuid, nullable=True),
    sa.Column("subject_id", sa.Uuid, nullable=True),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.String(300), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("details", json_type(), nullable=False),
    # Newest-first pages (keyset on id) per filter.
    sa.Index("ix_audit_log_action_id", "action", "id"),
    sa.Index("ix_audit_log_actor_id_id", "actor_id", "id"),
    sa.Index("ix_audit_log_subject_id_id", "subject_id", "id"),
    sa.Index("ix_audit_log_at", "at"),
)

# External sign-in identities (OAuth/OIDC subject) linked to accounts.
user_identities = sa.Table(
    "user_identities",
    metadata,
    sa.Column("provider", sa.String(32), primary_key=True),
    sa.Column("subject", sa.String(255), primary_key=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("linked_at", UtcDateTime, nullable=False),
)

# -- Courses ------------------------------------------------------------------------------------
# The Course aggregate (core.catalog.domain.course) is stored by an explicit data mapper
# (repositories/courses.py), not the ORM: its nested content tree lives in JSON columns.
# ``section_count``/``lesson_count`` are storage-only copies so course lists never read the tree.
# No foreign keys to users or categories: owners are soft-deleted, never removed, and a category
# may go while courses still name it (the catalog simply stops matching it).
courses = sa.Table(
    "courses",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("slug", sa.String(96), nullable=False, unique=True),
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
    sa.Column("category_id", sa.Uuid, nullable=True, index=True),
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
    # The admin course list: status filter followed by the keyset cursor (id).
    sa.Index("ix_courses_status_id", "status", "id"),
)

# Who teaches what, kept in sync with owner_id/co_instructor_ids by the repository, so "my
# courses" is an index range scan in id order instead of a search through JSON arrays.
course_instructors = sa.Table(
    "course_instructors",
    metadata,
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Index("ix_course_instructors_user_id_course_id", "user_id", "course_id"),
)

# Immutable published revisions. ``title`` and ``lesson_count`` are copied out of the snapshot
# so the revision history never reads the snapshots themselves.
course_revisions = sa.Table(
    "course_revisions",
    metadata,
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("snapshot", json_type(), nullable=False),
    sa.Column("title", sa.String(120), nullable=False),
    sa.Column("lesson_count", sa.Integer, nullable=False),
    sa.Column("approved_by", sa.Uuid, nullable=False),
    sa.Column("approved_at", UtcDateTime, nullable=False),
)

# The public catalog (ports.catalog.courses.CatalogEntry), one row per published course.
# Each sort has an index (key, course_id) that serves both directions by a forward or backward
# scan; ties are broken by course_id in the sort's direction. ``title_key`` is the folded title
# (orm.fold) compared bytewise ("C" collation on PostgreSQL, SQLite's default BINARY), so both
# engines order titles identically whatever the server's locale.
catalog_courses = sa.Table(
    "catalog_courses",
    metadata,
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("slug", sa.String(96), nullable=False, unique=True),
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
    sa.Column("category_id", sa.Uuid, nullable=True, index=True),
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
    sa.Index("ix_catalog_courses_published_at_course_id", "published_at", "course_id"),
    sa.Index("ix_catalog_courses_views_course_id", "views", "course_id"),
    sa.Index("ix_catalog_courses_price_amount_course_id", "price_amount", "course_id"),
    sa.Index("ix_catalog_courses_title_key_course_id", "title_key", "course_id"),
)

# The catalog's instructor filter as an indexed lookup (instructor_ids above keeps the order).
catalog_course_instructors = sa.Table(
    "catalog_course_instructors",
    metadata,
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("catalog_courses.course_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True, index=True),
)

# Co-instructor invitations: only a hash of the emailed token is stored.
course_invitations = sa.Table(
    "course_invitations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("course_id", sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("invited_by", sa.Uuid, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("accepted_by", sa.Uuid, nullable=True),
    sa.Column("accepted_at", UtcDateTime, nullable=True),
)

# -- enrollment ------------------------------------------------------------------------------------

cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("course_id", sa.Uuid, nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=True),
    sa.Column("capacity", sa.Integer, nullable=True),
    # Changed only by conditional updates (take a seat if there is room), never read-then-write.
    sa.Column("seats_taken", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_cohorts_course_id_starts_on", "course_id", "starts_on"),
)

enrollments = sa.Table(
    "enrollments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
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
    # One record per learner and course: enrolling again reactivates it.
    sa.UniqueConstraint("user_id", "course_id", name="uq_enrollments_user_id_course_id"),
    # "My courses", newest first (keyset on id).
    sa.Index("ix_enrollments_user_id_id", "user_id", "id"),
    sa.Index("ix_enrollments_course_id_status", "course_id", "status"),
)

waitlist_entries = sa.Table(
    "waitlist_entries",
    metadata,
    # Arrival order: handed out by the database as entries are inserted.
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.Uuid, nullable=False, unique=True),
    sa.Column("cohort_id", sa.Uuid, nullable=False),
    sa.Column("course_id", sa.Uuid, nullable=False),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("joined_at", UtcDateTime, nullable=False),
    sa.Column("offered_at", UtcDateTime, nullable=True),
    sa.Column("offer_expires_at", UtcDateTime, nullable=True),
    sa.Index("ix_waitlist_entries_cohort_id_status_position", "cohort_id", "status", "position"),
    sa.Index("ix_waitlist_entries_status_offer_expires_at", "status", "offer_expires_at"),
    sa.Index("ix_waitlist_entries_cohort_id_user_id", "cohort_id", "user_id"),
)

# -- billing ---------------------------------------------------------------------------------------

# Invoice and credit-note numbers: one counter per seller, kind and year, advanced inside the
# transaction that issues the document, so a rolled-back issue leaves no gap.
invoice_sequences = sa.Table(
    "invoice_sequences",
    metadata,
    sa.Column("seller", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)

# Coupons by normalised code. Percentages are exact decimal strings (no float, no NUMERIC
# differences between SQLite and PostgreSQL); fixed amounts are minor units per currency.
coupons = sa.Table(
    "coupons",
    metadata,
    sa.Column("code", sa.String(40), primary_key=True),
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
)

course_sales = sa.Table(
    "course_sales",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("course_id", sa.Uuid, nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("price_amount", sa.BigInteger, nullable=True),
    sa.Column("price_currency", sa.String(3), nullable=True),
    sa.Column("percent_off", sa.String(12), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_course_sales_course_id_ends_at", "course_id", "ends_at"),
)


class _OrderLines(JsonTuple):
    cache_ok = True

    def to_json(self, item: Any) -> Any:
        return item.to_dict()

    def from_json(self, item: Any) -> Any:
        return OrderLine.from_dict(item)


# Orders: what a buyer was charged, line by line, with the exchange rates used (JSON, exact).
orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("buyer_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("lines", _OrderLines, nullable=False),
    sa.Column("rates", JsonTuple, nullable=False),
    sa.Column("coupons", JsonTuple, nullable=False),
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
    sa.Column("refunded_minor", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("refund_ids", JsonTuple, nullable=False, server_default="[]"),
    sa.Column("version", sa.Integer, nullable=False),
    # Same key, same buyer: the same order (checkout retries are safe).
    sa.UniqueConstraint("buyer_id", "idempotency_key", name="uq_orders_buyer_id_idempotency_key"),
    sa.Index("ix_orders_buyer_id_id", "buyer_id", "id"),
)

# Payment webhooks as received: once per (provider, event id), processed by the worker.
webhook_events = sa.Table(
    "webhook_events",
    metadata,
    sa.Column("provider", sa.String(20), primary_key=True),
    sa.Column("event_id", sa.String(100), primary_key=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
)

# The revenue ledger (double entry, debits positive). A transaction posts once: its id is
# derived from what it records (the sale of an order), and (transaction, account) is unique.
ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("transaction_id", sa.Uuid, primary_key=True),
    sa.Column("account", sa.String(80), primary_key=True),
    sa.Column("order_id", sa.Uuid, nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("posted_at", UtcDateTime, nullable=False),
    sa.Index("ix_ledger_entries_account", "account"),
)
