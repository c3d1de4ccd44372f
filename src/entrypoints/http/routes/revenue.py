"""Revenue sharing over HTTP: an instructor's earnings; the ledger's balance for auditors."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get

from core.identity.domain.roles import Permission
from entrypoints.http.auth import current_principal, requires
from entrypoints.http.dependencies import container_of


class AmountsDto(msgspec.Struct):
    """Minor units per ISO 4217 currency."""

    amounts: dict[str, int]


@get("/api/v1/earnings", summary="What the platform owes me for my courses' sales", tags=["checkout"],
     guards=[requires(Permission.COURSES_AUTHOR)])  # fmt: skip
async def my_earnings(request: Request[Any, Any, Any]) -> AmountsDto:
    return AmountsDto(await container_of(request).billing.my_earnings()(current_principal(request)))


@get(
    "/api/v1/admin/ledger/balance",
    summary="The ledger's sum per currency (zero when every transaction balanced)",
    tags=["checkout"],
    guards=[requires(Permission.AUDIT_READ)],
)
async def ledger_balance(request: Request[Any, Any, Any]) -> AmountsDto:
    return AmountsDto(await container_of(request).billing.ledger_balance()(current_principal(request)))
