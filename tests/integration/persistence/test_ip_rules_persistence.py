from __future__ import annotations

import pytest

from core.security.application.ip_rules import AddIpRuleCommand
from core.security.domain.ip_rules import IpAction
from core.shared.errors import Conflict, NotFound
from entrypoints.bootstrap.containers import ApplicationContainer


async def test_rules_are_added_listed_applied_and_removed(container: ApplicationContainer) -> None:
    security = container.security
    deny = await security.add_ip_rule()(AddIpRuleCommand("203.0.113.0/24", "deny", "scanner"))
    await security.add_ip_rule()(AddIpRuleCommand("203.0.113.10", "allow", "office"))
    assert [(r.action, r.network) for r in await security.list_ip_rules()()] == [
        ("allow", "203.0.113.10/32"),
        ("deny", "203.0.113.0/24"),
    ]
    rules = await security.active_ip_rules()()
    assert rules.decide("203.0.113.99") is IpAction.DENY
    assert rules.decide("203.0.113.10") is IpAction.ALLOW

    with pytest.raises(Conflict):
        await security.add_ip_rule()(AddIpRuleCommand("203.0.113.0/24", "deny"))
    assert [r.id for r in await security.remove_ip_rule()(str(deny.id))] == [deny.id]
    assert len(await security.remove_ip_rule()("203.0.113.10")) == 1
    assert await security.list_ip_rules()() == []
    with pytest.raises(NotFound):
        await security.remove_ip_rule()("203.0.113.10")


async def test_expired_rules_stop_applying(container: ApplicationContainer) -> None:
    import datetime as dt

    await container.security.add_ip_rule()(AddIpRuleCommand("192.0.2.0/24", "deny", ttl_seconds=60))
    clock = container.infrastructure.clock()
    later = clock.now() + dt.timedelta(minutes=2)
    container.infrastructure.clock.override(type("Later", (), {"now": lambda self: later})())
    try:
        assert await container.security.list_ip_rules()() == []
        assert len(await container.security.list_ip_rules()(include_expired=True)) == 1
    finally:
        container.infrastructure.clock.reset_override()
