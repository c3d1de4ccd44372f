"""Invoice numbers on SQLite and PostgreSQL: consecutive, per series, and a rollback leaves no gap."""

from __future__ import annotations

import asyncio

from core.billing.domain.invoices import InvoiceKind
from entrypoints.bootstrap.containers import ApplicationContainer


async def _issue(
    container: ApplicationContainer, kind: InvoiceKind = InvoiceKind.INVOICE, *, commit: bool = True
) -> int:
    async with container.infrastructure.uow() as uow:
        number = await uow.invoice_numbers.allocate("lyceum", kind, 2026)
        if commit:
            await uow.commit()
    return number.sequence


async def test_numbers_run_per_seller_kind_and_year_and_a_rollback_takes_its_number_back(
    container: ApplicationContainer,
) -> None:
    assert [await _issue(container) for _ in range(3)] == [1, 2, 3]
    assert await _issue(container, commit=False) == 4
    assert await _issue(container) == 4  # the rolled-back 4 was never used
    assert await _issue(container, InvoiceKind.CREDIT_NOTE) == 1
    async with container.infrastructure.uow() as uow:
        assert (await uow.invoice_numbers.allocate("lyceum", InvoiceKind.INVOICE, 2027)).sequence == 1
        assert (await uow.invoice_numbers.allocate("other-seller", InvoiceKind.INVOICE, 2026)).sequence == 1
        await uow.commit()


async def test_concurrent_issuers_get_consecutive_numbers(container: ApplicationContainer) -> None:
    await _issue(container)  # the series exists: the rest contend on its row
    numbers = await asyncio.gather(*(_issue(container) for _ in range(20)))
    assert sorted(numbers) == list(range(2, 22))
