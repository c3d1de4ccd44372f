"""Configuration alone picks the exchange-rate source; the worker refreshes it on a schedule."""

from __future__ import annotations

from pathlib import Path

from adapters.fx.ecb import EcbFxRates
from adapters.fx.static import StaticFxRates
from entrypoints.bootstrap.containers import build_container
from entrypoints.bootstrap.settings import load_settings


def test_embedded_mode_prices_with_the_demo_table_and_a_feed_url_selects_the_ecb(tmp_path: Path) -> None:
    embedded = build_container(load_settings({"LYCEUM_DATA_DIR": str(tmp_path)}))
    assert isinstance(embedded.billing.fx_rates(), StaticFxRates)

    feed = build_container(
        load_settings({"LYCEUM_DATA_DIR": str(tmp_path), "LYCEUM_FX_FEED_URL": "http://127.0.0.1:9/eurofxref.xml"})
    )
    rates = feed.billing.fx_rates()
    assert isinstance(rates, EcbFxRates) and rates.published_dates == ()  # nothing fetched yet
    assert feed.billing.price_quote() is feed.billing.price_quote()
