"""The ECB adapter against a real HTTP server on loopback serving feeds in the ECB's own layout."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
from decimal import Decimal

import pytest

from adapters.fx.ecb import EcbFxRates
from adapters.http_client import OutboundHttpClient
from core.shared.errors import NotFound, Unavailable
from tests.integration.fx.conftest import FIXTURES, FeedServer, Reply
from tests.processes import free_port

DAILY = "/stats/eurofxref/eurofxref-daily.xml"
HIST = "/stats/eurofxref/eurofxref-hist-90d.xml"
FRIDAY = dt.date(2024, 3, 8)
SATURDAY = dt.date(2024, 3, 9)
SUNDAY = dt.date(2024, 3, 10)
MONDAY = dt.date(2024, 3, 11)
LAST = dt.date(2024, 3, 12)
FIRST = dt.date(2024, 3, 4)


def exactly(numerator: str, denominator: str) -> Decimal:
    with decimal.localcontext(prec=28, rounding=decimal.ROUND_HALF_EVEN):
        return Decimal(numerator) / Decimal(denominator)


@pytest.fixture
def daily(feed_server: FeedServer, http_client: OutboundHttpClient) -> EcbFxRates:
    feed_server.serve_fixture(DAILY, "eurofxref-daily.xml")
    return EcbFxRates(http_client, url=feed_server.url(DAILY))


@pytest.fixture
def history(feed_server: FeedServer, http_client: OutboundHttpClient) -> EcbFxRates:
    feed_server.serve_fixture(HIST, "eurofxref-hist-sample.xml")
    return EcbFxRates(http_client, url=feed_server.url(HIST))


def hist_with(old: str, new: str) -> bytes:
    document = (FIXTURES / "eurofxref-hist-sample.xml").read_text()
    assert document.count(old) == 1
    return document.replace(old, new).encode()


# -- Loading ----------------------------------------------------------------------------------


async def test_nothing_is_downloaded_at_construction(feed_server: FeedServer, daily: EcbFxRates) -> None:
    assert feed_server.requests == []
    assert daily.published_dates == ()


async def test_the_daily_file_gives_the_rates_of_its_one_date(daily: EcbFxRates) -> None:
    assert await daily.refresh() == 1
    rate = await daily.rate("EUR", "USD", on=LAST)
    assert (rate.base, rate.quote, rate.rate, rate.on, rate.source) == ("EUR", "USD", Decimal("1.0927"), LAST, "ecb")
    assert (await daily.rate("EUR", "IDR", on=LAST)).rate == Decimal("17065.63")


async def test_the_first_rate_loads_the_feed_once(feed_server: FeedServer, daily: EcbFxRates) -> None:
    rates = await asyncio.gather(*(daily.rate("EUR", "GBP", on=LAST) for _ in range(5)))
    await daily.rate("EUR", "JPY", on=LAST)
    assert {r.rate for r in rates} == {Decimal("0.85398")}
    assert feed_server.requests == [DAILY]


async def test_the_90_day_file_loads_every_date(history: EcbFxRates) -> None:
    assert await history.refresh() == 7
    assert history.published_dates[0] == FIRST
    assert history.published_dates[-1] == LAST
    assert SATURDAY not in history.published_dates


async def test_a_later_refresh_adds_newer_dates_to_those_held(feed_server: FeedServer, history: EcbFxRates) -> None:
    await history.refresh()
    newer = hist_with("<Cube time='2024-03-12'>", "<Cube time='2024-03-13'>")
    feed_server.reply(HIST, Reply(200, newer))
    await history.refresh()
    assert history.published_dates[-2:] == (LAST, dt.date(2024, 3, 13))
    assert (await history.rate("EUR", "USD", on=FIRST)).on == FIRST


async def test_at_most_max_dates_are_kept_the_most_recent(
    feed_server: FeedServer, http_client: OutboundHttpClient
) -> None:
    feed_server.serve_fixture(HIST, "eurofxref-hist-sample.xml")
    bounded = EcbFxRates(http_client, url=feed_server.url(HIST), max_dates=3)
    assert await bounded.refresh() == 3
    assert bounded.published_dates == (FRIDAY, MONDAY, LAST)
    with pytest.raises(NotFound):
        await bounded.rate("EUR", "USD", on=dt.date(2024, 3, 7))


# -- Which date ------------------------------------------------------------------------------


async def test_a_publication_day_uses_its_own_rates(history: EcbFxRates) -> None:
    rate = await history.rate("EUR", "USD", on=dt.date(2024, 3, 6))
    assert (rate.rate, rate.on) == (Decimal("1.0892"), dt.date(2024, 3, 6))


@pytest.mark.parametrize("weekend_day", [SATURDAY, SUNDAY])
async def test_a_weekend_date_uses_the_friday_rates(history: EcbFxRates, weekend_day: dt.date) -> None:
    rate = await history.rate("EUR", "USD", on=weekend_day)
    assert (rate.rate, rate.on) == (Decimal("1.0934"), FRIDAY)


async def test_a_date_after_the_last_publication_uses_the_last_one(history: EcbFxRates) -> None:
    rate = await history.rate("EUR", "CHF", on=dt.date(2024, 3, 20))
    assert (rate.rate, rate.on) == (Decimal("0.9621"), LAST)


async def test_a_date_before_the_first_publication_is_not_found(history: EcbFxRates) -> None:
    with pytest.raises(NotFound) as caught:
        await history.rate("EUR", "USD", on=dt.date(2024, 3, 3))
    assert caught.value.code == "fx.rate_unknown"


# -- Which rate ------------------------------------------------------------------------------


async def test_a_cross_rate_goes_through_eur_exactly(history: EcbFxRates) -> None:
    rate = await history.rate("USD", "ILS", on=SATURDAY)
    assert rate.rate == exactly("3.9396", "1.0934")
    assert (rate.base, rate.quote, rate.on) == ("USD", "ILS", FRIDAY)


async def test_a_rate_into_eur_is_the_inverse_of_the_published_one(history: EcbFxRates) -> None:
    rate = await history.rate("GBP", "EUR", on=FRIDAY)
    assert rate.rate == exactly("1", "0.85000")
    assert abs(rate.rate * Decimal("0.85000") - 1) < Decimal("1e-20")


async def test_the_same_currency_is_one_without_downloading(feed_server: FeedServer, daily: EcbFxRates) -> None:
    rate = await daily.rate("USD", "USD", on=SUNDAY)
    assert (rate.rate, rate.on, rate.source) == (Decimal(1), SUNDAY, "ecb")
    assert feed_server.requests == []


@pytest.mark.parametrize(("base", "quote"), [("EUR", "RUB"), ("RUB", "USD"), ("BGN", "ILS")])
async def test_a_currency_not_published_that_day_is_not_found(history: EcbFxRates, base: str, quote: str) -> None:
    # The sample history quotes five currencies; the ECB stopped publishing RUB in March 2022.
    with pytest.raises(NotFound) as caught:
        await history.rate(base, quote, on=LAST)
    assert caught.value.code == "fx.rate_unknown"


# -- When the feed fails ---------------------------------------------------------------------


async def test_a_503_on_first_load_is_unavailable(feed_server: FeedServer, daily: EcbFxRates) -> None:
    feed_server.reply(DAILY, Reply(503, b"maintenance", "text/plain"))
    with pytest.raises(Unavailable) as caught:
        await daily.rate("EUR", "USD", on=LAST)
    assert caught.value.code == "fx.unavailable"
    assert daily.published_dates == ()


async def test_the_next_rate_retries_a_first_load_that_failed(feed_server: FeedServer, daily: EcbFxRates) -> None:
    feed_server.reply(DAILY, Reply(503, b"maintenance", "text/plain"))
    with pytest.raises(Unavailable):
        await daily.rate("EUR", "USD", on=LAST)
    feed_server.serve_fixture(DAILY, "eurofxref-daily.xml")
    assert (await daily.rate("EUR", "USD", on=LAST)).rate == Decimal("1.0927")


async def test_an_unreachable_host_is_unavailable(http_client: OutboundHttpClient) -> None:
    fx = EcbFxRates(http_client, url=f"http://127.0.0.1:{free_port()}/eurofxref-daily.xml")
    with pytest.raises(Unavailable) as caught:
        await fx.refresh()
    assert caught.value.code == "fx.unavailable"


async def test_a_missing_feed_is_unavailable(feed_server: FeedServer, http_client: OutboundHttpClient) -> None:
    fx = EcbFxRates(http_client, url=feed_server.url("/moved.xml"))
    with pytest.raises(Unavailable) as caught:
        await fx.refresh()
    assert (caught.value.code, caught.value.details["status"]) == ("fx.unavailable", 404)


async def test_a_503_after_a_successful_load_keeps_serving_the_old_rates(
    feed_server: FeedServer, history: EcbFxRates
) -> None:
    await history.refresh()
    feed_server.reply(HIST, Reply(503, b"maintenance", "text/plain"))
    with pytest.raises(Unavailable) as caught:
        await history.refresh()
    assert caught.value.code == "fx.unavailable"
    rate = await history.rate("EUR", "USD", on=SATURDAY)
    assert (rate.rate, rate.on) == (Decimal("1.0934"), FRIDAY)


@pytest.mark.parametrize("bad", ["abc", "", "-1.0934", "0", "0.0000", "NaN", "Infinity", "1e3", "1,0934", " 1.0934"])
async def test_a_malformed_rate_fails_the_refresh_and_keeps_the_old_rates(
    feed_server: FeedServer, history: EcbFxRates, bad: str
) -> None:
    await history.refresh()
    feed_server.reply(HIST, Reply(200, hist_with("rate='3.9113'", f"rate='{bad}'")))
    with pytest.raises(Unavailable) as caught:
        await history.refresh()
    assert caught.value.code == "fx.feed_invalid"
    assert "2024-03-06" in caught.value.message
    assert "ILS" in caught.value.message
    assert (await history.rate("EUR", "ILS", on=dt.date(2024, 3, 6))).rate == Decimal("3.9113")
    assert len(history.published_dates) == 7


async def test_a_malformed_date_fails_the_refresh(feed_server: FeedServer, history: EcbFxRates) -> None:
    feed_server.reply(HIST, Reply(200, hist_with("time='2024-03-06'", "time='06/03/2024'")))
    with pytest.raises(Unavailable) as caught:
        await history.refresh()
    assert caught.value.code == "fx.feed_invalid"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
    xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>&lol3;</gesmes:subject>
  <Cube><Cube time='2024-03-12'><Cube currency='USD' rate='1.0927'/></Cube></Cube>
</gesmes:Envelope>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE gesmes:Envelope [ <!ENTITY rate SYSTEM "file:///etc/passwd"> ]>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
    xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <Cube><Cube time='2024-03-12'><Cube currency='USD' rate='&rate;'/></Cube></Cube>
</gesmes:Envelope>
"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity-expansion", "external-entity"])
async def test_a_document_with_a_doctype_or_entities_is_refused(
    feed_server: FeedServer, daily: EcbFxRates, payload: bytes
) -> None:
    feed_server.reply(DAILY, Reply(200, payload))
    with pytest.raises(Unavailable) as caught:
        await daily.rate("EUR", "USD", on=LAST)
    assert caught.value.code == "fx.feed_invalid"
    assert "DOCTYPE" in caught.value.message
    assert daily.published_dates == ()


@pytest.mark.parametrize(
    "payload",
    [
        b"<html><body>Service temporarily unavailable</body></html>",
        b"<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01'><Cube>",
        b"<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01'><Cube/></gesmes:Envelope>",
        "<?xml version='1.0' encoding='UTF-16'?><Envelope/>".encode("utf-16"),
    ],
    ids=["html", "truncated", "no-dates", "not-utf8"],
)
async def test_a_200_that_is_not_a_feed_is_refused(feed_server: FeedServer, daily: EcbFxRates, payload: bytes) -> None:
    feed_server.reply(DAILY, Reply(200, payload))
    with pytest.raises(Unavailable) as caught:
        await daily.refresh()
    assert caught.value.code == "fx.feed_invalid"
