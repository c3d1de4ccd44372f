"""The European Central Bank's euro foreign exchange reference rates, over the shared outbound
HTTP client.

The feed is the ``eurofxref`` XML (``gesmes:Envelope`` / ``Cube`` / ``Cube time=`` /
``Cube currency= rate=``): ``eurofxref-daily.xml`` holds the last publication,
``eurofxref-hist-90d.xml`` about 64 of them. Rates are units of currency per EUR, published on
TARGET working days only, so ``rate(on=...)`` answers with the latest publication on or before
that day and says which one in ``ExchangeRate.on``. Crosses go through EUR in exact decimals
(``static.cross_rate``).

Nothing is fetched at import or construction: ``refresh()`` downloads and parses the feed (a
scheduled job calls it; ``rate()`` calls it once itself while nothing is loaded). A refresh
merges into what is held, so a daily feed builds up history, and never loses it: an unreachable
feed (``Unavailable("fx.unavailable")``) or a bad document (``Unavailable("fx.feed_invalid")``)
fails that refresh and the rates already loaded keep being served.

Parsing is defensive: a document with a DOCTYPE or ENTITY declaration is refused before the
parser sees it (no entity expansion, no external fetches), elements are matched by local name
whatever their namespace, and one malformed date or rate rejects the whole document.
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from adapters.fx.static import check_per_eur, cross_rate
from adapters.http_client import OutboundHttpClient
from core.shared.errors import NotFound, ProviderUnavailable, Unavailable
from ports.billing.fx import ExchangeRate

log = logging.getLogger("lyceum.fx")

SOURCE = "ecb"
DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
HIST_90D_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"
# About 400 publications is well over a year of TARGET days: enough to re-price any recent order,
# and a bound on memory however long the process runs or however long a history file it is fed.
DEFAULT_MAX_DATES = 400

_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_RATE = re.compile(r"\d+(?:\.\d+)?", re.ASCII)  # as the ECB writes them: no sign, exponent, NaN or Infinity
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

Table = Mapping[str, Decimal]


class EcbFxRates:
    name = "fx"
    kind = "ecb"

    def __init__(
        self,
        http: OutboundHttpClient,
        *,
        url: str = DAILY_URL,
        max_dates: int = DEFAULT_MAX_DATES,
        timeout_seconds: float | None = None,
    ) -> None:
        if max_dates < 1:
            raise ValueError("max_dates must be at least 1")
        self._http = http
        self._url = url
        self._max_dates = max_dates
        self._timeout_seconds = timeout_seconds
        self._dates: list[dt.date] = []  # ascending; the keys of _tables
        self._tables: dict[dt.date, Table] = {}
        self._lock = asyncio.Lock()  # one download at a time; late callers reuse its result

    def __repr__(self) -> str:
        return f"EcbFxRates({self._url})"

    @property
    def published_dates(self) -> tuple[dt.date, ...]:
        """The publication dates held, oldest first."""
        return tuple(self._dates)

    async def refresh(self) -> int:
        """Download the feed and merge it into the rates held; returns how many publication
        dates it carried (at most ``max_dates``). On failure raises ``Unavailable`` and keeps
        the rates held so far."""
        async with self._lock:
            return await self._refresh()

    async def rate(self, base: str, quote: str, *, on: dt.date) -> ExchangeRate:
        if base == quote:
            return ExchangeRate(base, quote, Decimal(1), on, SOURCE)
        if not self._dates:
            async with self._lock:
                if not self._dates:
                    await self._refresh()
        published = self._published_on_or_before(on)
        value = None if published is None else cross_rate(self._tables[published], base, quote)
        if published is None or value is None:
            raise NotFound(
                "fx.rate_unknown",
                f"no {SOURCE} rate for {base}/{quote} on or before {on}",
                {"base": base, "quote": quote, "on": on.isoformat(), "source": SOURCE},
            )
        return ExchangeRate(base, quote, value, published, SOURCE)

    def _published_on_or_before(self, on: dt.date) -> dt.date | None:
        index = bisect.bisect_right(self._dates, on)
        return self._dates[index - 1] if index else None

    async def _refresh(self) -> int:
        try:
            response = await self._http.get(
                self._url, headers={"Accept": "application/xml, text/xml"}, timeout_seconds=self._timeout_seconds
            )
        except ProviderUnavailable as exc:
            raise self._failed("fx.unavailable", f"the ECB feed cannot be reached: {exc.message}", exc.details) from exc
        if response.status_code != 200:
            raise self._failed(
                "fx.unavailable", f"the ECB feed answered {response.status_code}", {"status": response.status_code}
            )
        try:
            feed = parse_eurofxref(response.content)
        except ValueError as exc:
            raise self._failed("fx.feed_invalid", f"the ECB feed is not valid: {exc}", {}) from exc
        merged = {**self._tables, **feed}
        kept = sorted(merged)[-self._max_dates :]
        # Swapped in one step, with no await in between: a reader sees the old set or the new one.
        self._tables = {day: merged[day] for day in kept}
        self._dates = kept
        loaded = min(len(feed), self._max_dates)
        log.info("ECB rates loaded", extra={"dates": loaded, "latest": kept[-1].isoformat(), "url": self._url})
        return loaded

    def _failed(self, code: str, message: str, details: Mapping[str, object]) -> Unavailable:
        if self._dates:
            log.warning("ECB rates not refreshed (%s); still serving those of %s", message, self._dates[-1].isoformat())
        return Unavailable(code, message, {"url": self._url, **details})


def parse_eurofxref(document: bytes) -> dict[dt.date, Table]:
    """The per-EUR rates of each dated ``Cube`` of an ECB eurofxref document.

    Raises ``ValueError`` for anything but a well-formed eurofxref envelope with at least one
    date, each date and rate well-formed (rates positive and finite) and none repeated.
    """
    try:
        text = document.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError("the document is not UTF-8") from exc
    if _DECLARATION.search(text):
        raise ValueError("the document declares a DOCTYPE or an ENTITY; refused")
    try:
        # A str is parsed as UTF-8 whatever the XML declaration says; declarations are refused above.
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed XML ({exc})") from exc
    if _local(root.tag) != "Envelope":
        raise ValueError(f"the root element is {_local(root.tag)!r}, not a gesmes Envelope")
    feed: dict[dt.date, Table] = {}
    for dated in root.iter():
        if _local(dated.tag) != "Cube" or "time" not in dated.attrib:
            continue
        day = _date(dated.attrib["time"])
        if day in feed:
            raise ValueError(f"{day} is published twice")
        table: dict[str, Decimal] = {}
        for entry in dated:
            if _local(entry.tag) != "Cube":
                continue
            currency, rate = entry.attrib.get("currency", ""), entry.attrib.get("rate", "")
            if not _CURRENCY.fullmatch(currency):
                raise ValueError(f"{day}: {currency!r} is not a currency code")
            if currency in table:
                raise ValueError(f"{day}: {currency} is quoted twice")
            table[currency] = _rate(day, currency, rate)
        table["EUR"] = Decimal(1)  # implied; the ECB never lists it
        feed[day] = MappingProxyType(table)
    if not feed:
        raise ValueError("the document holds no dated rates")
    return feed


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _date(raw: str) -> dt.date:
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a YYYY-MM-DD date") from exc


def _rate(day: dt.date, currency: str, raw: str) -> Decimal:
    if not _RATE.fullmatch(raw):
        raise ValueError(f"{day}: the {currency} rate {raw!r} is not a positive decimal number")
    try:
        return check_per_eur(currency, Decimal(raw))
    except ValueError as exc:
        raise ValueError(f"{day}: {exc}") from exc
