"""The revenue ledger: double entry, one transaction per sale (and, later, per refund).

Debits are positive, credits negative, so every transaction sums to zero in each currency, and
so does the whole ledger. A sale debits the money received and credits the tax owed, the
platform's fee and each instructor's share; amounts are whole minor units, split exactly (the
instructor's share is what is left of a line after the fee, so nothing is lost to rounding).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from fractions import Fraction

from core.billing.domain.orders import Order
from core.billing.domain.quotes import allocate
from core.billing.domain.rounding import round_half_up

TAX_PAYABLE = "tax_payable"
PLATFORM_REVENUE = "revenue:platform"


def cash_account(provider: str) -> str:
    return f"cash:{provider}"


def instructor_account(instructor_id: uuid.UUID) -> str:
    return f"payable:instructor:{instructor_id}"


@dataclasses.dataclass(frozen=True)
class LedgerEntry:
    account: str
    amount_minor: int  # debit > 0, credit < 0
    currency: str


def sale_entries(
    order: Order, *, provider: str, owners: Mapping[uuid.UUID, uuid.UUID], platform_fee: Fraction
) -> list[LedgerEntry]:
    """The entries of a paid order: cash in = tax + platform fees + instructors' shares."""
    currency = order.currency
    credits: dict[str, int] = {}
    for line in order.lines:
        fee = round_half_up(line.net_minor * platform_fee)
        credits[TAX_PAYABLE] = credits.get(TAX_PAYABLE, 0) + line.tax_minor
        credits[PLATFORM_REVENUE] = credits.get(PLATFORM_REVENUE, 0) + fee
        owner = owners.get(line.course_id)
        share_account = instructor_account(owner) if owner is not None else PLATFORM_REVENUE
        credits[share_account] = credits.get(share_account, 0) + line.net_minor - fee
    entries = [LedgerEntry(cash_account(provider), sum(line.total_minor for line in order.lines), currency)]
    entries += [LedgerEntry(account, -amount, currency) for account, amount in sorted(credits.items()) if amount]
    return entries


def balance(entries: Iterable[LedgerEntry]) -> dict[str, int]:
    """Sum per currency: zero for every currency of a balanced ledger."""
    sums: dict[str, int] = {}
    for entry in entries:
        sums[entry.currency] = sums.get(entry.currency, 0) + entry.amount_minor
    return sums


def refund_entries(sale: list[LedgerEntry], amount_minor: int) -> list[LedgerEntry]:
    """The entries giving back ``amount_minor`` of a sale: the cash goes out and every credit of
    the sale is reversed in proportion, exactly (largest remainders), so it balances too."""
    cash = [e for e in sale if e.amount_minor > 0]
    credits = [e for e in sale if e.amount_minor < 0]
    currency = sale[0].currency
    shares = allocate(amount_minor, [-e.amount_minor for e in credits])
    entries = [LedgerEntry(e.account, -amount_minor, currency) for e in cash[:1]]
    entries += [LedgerEntry(e.account, shares[i], currency) for i, e in enumerate(credits) if shares[i]]
    return entries
