"""Imperative mapping: domain classes stay plain; SQLAlchemy learns about them here."""

from __future__ import annotations

from sqlalchemy.orm import registry

from adapters.persistence import tables
from core.catalog.domain.category import Category
from core.security.domain.ip_rules import IpRule

mapper_registry = registry(metadata=tables.metadata)
_started = False


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
    _started = True
