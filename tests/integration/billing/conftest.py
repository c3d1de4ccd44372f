"""Billing over HTTP, end to end: real database, catalog, exchange rates and the tax settings."""

from __future__ import annotations

import pytest

from tests.integration.identity.conftest import Identity, identity

__all__ = ["Identity", "identity"]


@pytest.fixture
def identity_overrides() -> dict[str, object]:
    return {
        "seller_country": "DE",
        "prices_include_tax": False,
        "tax_rates": "DE=19,FR=20,IL=18,US-NY=8.875",
        "sandbox_webhook_secrets": "whsec_old,whsec_current",
    }
