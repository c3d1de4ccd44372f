"""Sales taxes: a rate table by country and region, tax-inclusive or -exclusive prices, and the
reverse charge for business buyers in another country of the same VAT area."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from core.billing.domain.rounding import percent
from core.shared.errors import InvalidInput

EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# The shape of a VAT number (country prefix, then 2-13 letters or digits). Whether it is
# registered is the VIES service's to say, which the checkout's adapter asks, not this module.
_VAT_ID = re.compile(r"^[A-Z]{2}[A-Z0-9+*]{2,13}$")


def _country(code: str) -> str:
    code = code.strip().upper()
    if not _COUNTRY.match(code):
        raise InvalidInput("tax.country", "countries are ISO 3166-1 alpha-2 codes (e.g. DE)", {"country": code})
    return code


@dataclasses.dataclass(frozen=True)
class TaxRate:
    country: str
    percent: Decimal
    name: str = "VAT"
    region: str | None = None  # e.g. a US state or a Canadian province; None for the whole country

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", _country(self.country))
        percent(self.percent)  # validates the range

    @property
    def fraction(self) -> Fraction:
        return percent(self.percent)


class TaxTable:
    """The rate for a place: its region's if it has one, else its country's, else none."""

    def __init__(self, rates: Iterable[TaxRate] = ()) -> None:
        self._rates: dict[tuple[str, str | None], TaxRate] = {}
        for rate in rates:
            key = (rate.country, rate.region.upper() if rate.region else None)
            if key in self._rates:
                raise InvalidInput("tax.duplicate", f"two rates for {key[0]} {key[1] or ''}".strip())
            self._rates[key] = rate

    def rate_for(self, country: str, region: str | None = None) -> TaxRate | None:
        country = _country(country)
        if region:
            found = self._rates.get((country, region.strip().upper()))
            if found is not None:
                return found
        return self._rates.get((country, None))


@dataclasses.dataclass(frozen=True)
class Seller:
    country: str
    vat_id: str | None = None
    prices_include_tax: bool = True
    # Where a business buyer from another of these countries accounts for the VAT itself.
    reverse_charge_area: frozenset[str] = EU_MEMBER_STATES

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", _country(self.country))


@dataclasses.dataclass(frozen=True)
class Buyer:
    """Where the buyer is (it decides the rate); a VAT id makes it a business buyer."""

    country: str
    region: str | None = None
    vat_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", _country(self.country))
        if self.vat_id is not None:
            vat_id = re.sub(r"[\s.-]", "", self.vat_id.upper())
            if not _VAT_ID.match(vat_id):
                raise InvalidInput("tax.vat_id", "a VAT id is a country prefix and 2-13 letters or digits")
            object.__setattr__(self, "vat_id", vat_id)


@dataclasses.dataclass(frozen=True)
class TaxTreatment:
    rate: TaxRate | None
    reverse_charge: bool

    @property
    def fraction(self) -> Fraction:
        return Fraction(0) if self.rate is None or self.reverse_charge else self.rate.fraction


def tax_treatment(seller: Seller, buyer: Buyer, table: TaxTable) -> TaxTreatment:
    """The buyer's rate, except that a business buyer (VAT id) in another country of the
    seller's reverse-charge area pays none: it self-assesses the tax (the invoice says so)."""
    rate = table.rate_for(buyer.country, buyer.region)
    reverse = (
        buyer.vat_id is not None
        and buyer.country != seller.country
        and buyer.country in seller.reverse_charge_area
        and seller.country in seller.reverse_charge_area
    )
    return TaxTreatment(rate, reverse)
