"""Courses over HTTP, end to end: real database, cache, outbox, worker and search index."""

from __future__ import annotations

from tests.integration.identity.conftest import Identity, identity, identity_overrides

__all__ = ["Identity", "identity", "identity_overrides"]
