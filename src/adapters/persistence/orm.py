"""Imperative mapping: domain classes stay plain; SQLAlchemy learns about them here."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import registry
from sqlalchemy.orm.attributes import manager_of_class

from adapters.persistence import tables
from core.billing.domain.orders import Order
from core.catalog.domain.category import Category
from core.enrollment.domain.cohorts import Cohort, WaitlistEntry
from core.enrollment.domain.enrollments import Enrollment
from core.identity.domain.user import User
from core.security.domain.ip_rules import IpRule

mapper_registry = registry(metadata=tables.metadata)
T = TypeVar("T")
_started = False


def fold(text: str) -> str:
    """Caseless form for substring search, the same in Python for stored keys and queries
    (SQLite's lower() folds ASCII only; this folds Cyrillic, Greek, ß...)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _fill_search_key(_mapper: Any, _connection: Any, user: User) -> None:
    key = fold(f"{user.name} {user.email}")
    if getattr(user, "_search_key", None) != key:
        user._search_key = key  # type: ignore[attr-defined]


def detached(cls: type[T], values: Mapping[str, Any], fields: Iterable[str]) -> T:
    """An instance of a mapped class built as the ORM builds a loaded one (a bare instance with
    its state, fields written to its __dict__), belonging to no session: read-only views skip
    the session and the instrumented constructor's per-attribute change tracking."""
    instance: T = manager_of_class(cls).new_instance()
    instance.__dict__.update({name: values[name] for name in fields})
    return instance


def start_mappers() -> None:
    global _started
    if _started:
        return
    mapper_registry.map_imperatively(
        Category,
        tables.categories,
        # Optimistic concurrency: two writers of one category cannot both win.
        version_id_col=tables.categories.c.version,
    )
    mapper_registry.map_imperatively(IpRule, tables.ip_rules)
    user_mapper = mapper_registry.map_imperatively(
        User,
        tables.users,
        # Two admins editing one account, or a login rehash racing an edit: one of them retries.
        version_id_col=tables.users.c.version,
        # Storage-only column under a private name: the domain class does not know it exists.
        properties={"_search_key": tables.users.c.search_key},
    )
    event.listen(user_mapper, "before_insert", _fill_search_key)
    event.listen(user_mapper, "before_update", _fill_search_key)
    mapper_registry.map_imperatively(Enrollment, tables.enrollments, version_id_col=tables.enrollments.c.version)
    # No version column: the only concurrent change, seats_taken, is a conditional update.
    mapper_registry.map_imperatively(Cohort, tables.cohorts)
    mapper_registry.map_imperatively(WaitlistEntry, tables.waitlist_entries)
    mapper_registry.map_imperatively(Order, tables.orders, version_id_col=tables.orders.c.version)
    _started = True
