from __future__ import annotations

import datetime as dt

import pytest

from core.security.domain.ip_rules import IpAction, IpRule, IpRuleSet
from core.shared.errors import InvalidInput

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def rule(network: str, action: IpAction, expires_at: dt.datetime | None = None) -> IpRule:
    return IpRule.create(network=network, action=action, note="", now=NOW, expires_at=expires_at)


def test_networks_are_normalised() -> None:
    assert rule("203.0.113.77/24", IpAction.DENY).network == "203.0.113.0/24"
    assert rule("2001:db8::1", IpAction.DENY).network == "2001:db8::1/128"


@pytest.mark.parametrize(
    ("network", "code"),
    [
        ("not-an-ip", "ip_rule.invalid_network"),
        ("10.0.0.0/33", "ip_rule.invalid_network"),
        ("0.0.0.0/0", "ip_rule.too_broad"),
        ("10.0.0.0/7", "ip_rule.too_broad"),
        ("2001::/15", "ip_rule.too_broad"),
    ],
)
def test_bad_or_dangerously_broad_deny_rules_are_refused(network: str, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        rule(network, IpAction.DENY)
    assert err.value.code == code


def test_allow_wins_over_deny_and_versions_do_not_mix() -> None:
    rules = IpRuleSet(
        [
            rule("198.51.100.0/24", IpAction.DENY),
            rule("198.51.100.7", IpAction.ALLOW),
            rule("2001:db8::/32", IpAction.DENY),
        ]
    )
    assert rules.decide("198.51.100.9") is IpAction.DENY
    assert rules.decide("198.51.100.7") is IpAction.ALLOW
    assert rules.decide("192.0.2.1") is None
    assert rules.decide("2001:db8::5") is IpAction.DENY
    assert rules.decide("garbage") is None


def test_expiry_must_be_in_the_future_and_ends_the_rule() -> None:
    with pytest.raises(InvalidInput):
        rule("192.0.2.0/24", IpAction.DENY, expires_at=NOW)
    temporary = rule("192.0.2.0/24", IpAction.DENY, expires_at=NOW + dt.timedelta(hours=1))
    assert temporary.active(NOW) and not temporary.active(NOW + dt.timedelta(hours=2))
