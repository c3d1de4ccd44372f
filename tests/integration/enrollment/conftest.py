"""Enrollment over HTTP, end to end: real database, cache, outbox and worker."""

from __future__ import annotations

from tests.integration.identity.conftest import Identity, identity, identity_overrides

__all__ = ["Identity", "identity", "identity_overrides"]
