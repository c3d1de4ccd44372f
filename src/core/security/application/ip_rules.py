"""Use cases of IP rules: add, remove, list, and the active rule set for request filtering."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

from core.security.domain.ip_rules import IpAction, IpRule, IpRuleSet, parse_network
from core.shared.errors import Conflict, InvalidInput, NotFound
from ports.security.repositories import SecurityUnitOfWork
from ports.shared.clock import Clock

UowFactory = Callable[[], SecurityUnitOfWork]
MAX_RULES = 10_000  # every request is checked against all of them


@dataclasses.dataclass(frozen=True)
class AddIpRuleCommand:
    network: str
    action: str
    note: str = ""
    ttl_seconds: float | None = None


class AddIpRule:
    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: AddIpRuleCommand) -> IpRule:
        try:
            action = IpAction(command.action)
        except ValueError:
            raise InvalidInput("ip_rule.invalid_action", "action must be 'allow' or 'deny'") from None
        now = self._clock.now()
        expires = now + dt.timedelta(seconds=command.ttl_seconds) if command.ttl_seconds is not None else None
        rule = IpRule.create(network=command.network, action=action, note=command.note, now=now, expires_at=expires)
        async with self._uow() as uow:
            existing = await uow.ip_rules.list_all()
            if len(existing) >= MAX_RULES:
                raise Conflict("ip_rule.too_many", f"at most {MAX_RULES} IP rules")
            if any(r.network == rule.network and r.action == rule.action and r.active(now) for r in existing):
                raise Conflict(
                    "ip_rule.duplicate", f"{rule.network} is already {rule.action}ed", {"network": rule.network}
                )
            await uow.ip_rules.add(rule)
            await uow.commit()
        return rule


class RemoveIpRule:
    """Removes by id, or every rule for a network."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, ref: str) -> list[IpRule]:
        async with self._uow() as uow:
            try:
                rule = await uow.ip_rules.get(uuid.UUID(ref))
                doomed = [rule] if rule else []
            except ValueError:
                network = str(parse_network(ref))
                doomed = [r for r in await uow.ip_rules.list_all() if r.network == network]
            if not doomed:
                raise NotFound("ip_rule.not_found", f"no IP rule {ref!r}", {"ref": ref})
            for rule in doomed:
                rule.mark_removed()
                await uow.ip_rules.delete(rule)
            await uow.commit()
        return doomed


class ListIpRules:
    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, *, include_expired: bool = False) -> list[IpRule]:
        now = self._clock.now()
        async with self._uow() as uow:
            rules = await uow.ip_rules.list_all()
        return sorted((r for r in rules if include_expired or r.active(now)), key=lambda r: (r.action, r.network))


class ActiveIpRuleSet:
    def __init__(self, rules: ListIpRules) -> None:
        self._rules = rules

    async def __call__(self) -> IpRuleSet:
        return IpRuleSet(await self._rules())
