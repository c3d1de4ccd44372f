"""IP allow and deny rules: who may reach the platform at all, editable at runtime."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import ipaddress
import uuid
from collections.abc import Iterable

from core.shared.errors import InvalidInput
from core.shared.events import AggregateRoot, DomainEvent
from core.shared.ids import new_id

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
NOTE_MAX_LENGTH = 200
# A deny rule wider than this would lock out a large part of the internet (or everyone):
# almost certainly a typo, so it is refused rather than applied.
MIN_DENY_PREFIX = {4: 8, 6: 16}


class IpAction(enum.StrEnum):
    ALLOW = "allow"
    DENY = "deny"


@dataclasses.dataclass(frozen=True)
class IpRuleAdded(DomainEvent):
    event_type = "security.ip_rule_added"
    rule_id: uuid.UUID
    network: str
    action: str


@dataclasses.dataclass(frozen=True)
class IpRuleRemoved(DomainEvent):
    event_type = "security.ip_rule_removed"
    rule_id: uuid.UUID
    network: str


def parse_network(raw: str) -> Network:
    try:
        return ipaddress.ip_network(raw.strip(), strict=False)
    except ValueError:
        raise InvalidInput(
            "ip_rule.invalid_network", f"{raw!r} is not an IP address or CIDR network", {"network": raw}
        ) from None


@dataclasses.dataclass(eq=False)
class IpRule(AggregateRoot):
    id: uuid.UUID
    network: str
    action: str
    note: str
    created_at: dt.datetime
    expires_at: dt.datetime | None

    @classmethod
    def create(
        cls, *, network: str, action: IpAction, note: str, now: dt.datetime, expires_at: dt.datetime | None
    ) -> IpRule:
        parsed = parse_network(network)
        if action is IpAction.DENY and parsed.prefixlen < MIN_DENY_PREFIX[parsed.version]:
            raise InvalidInput(
                "ip_rule.too_broad",
                f"a deny rule must be at least /{MIN_DENY_PREFIX[parsed.version]} for IPv{parsed.version}",
                {"network": str(parsed)},
            )
        if expires_at is not None and expires_at <= now:
            raise InvalidInput(
                "ip_rule.expired", "expiry must be in the future", {"expires_at": expires_at.isoformat()}
            )
        if len(note) > NOTE_MAX_LENGTH:
            raise InvalidInput("ip_rule.note_too_long", f"note must be at most {NOTE_MAX_LENGTH} characters")
        rule = cls(new_id(), str(parsed), action.value, note.strip(), now, expires_at)
        rule.record(IpRuleAdded(rule.id, rule.network, rule.action))
        return rule

    def mark_removed(self) -> None:
        self.record(IpRuleRemoved(self.id, self.network))

    def active(self, now: dt.datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


class IpRuleSet:
    """Evaluates an address against the active rules. Allow rules win over deny rules, so
    an operator can carve a trusted office range out of a blocked network."""

    # Decisions per address are remembered (a rule set never changes; reloading builds a
    # new one), so parsing and matching happen once per client rather than per request.
    MEMO_SIZE = 4096

    def __init__(self, rules: Iterable[IpRule]) -> None:
        self._allow: list[Network] = []
        self._deny: list[Network] = []
        self._memo: dict[str, IpAction | None] = {}
        for rule in rules:
            (self._allow if rule.action == IpAction.ALLOW else self._deny).append(parse_network(rule.network))

    def __len__(self) -> int:
        return len(self._allow) + len(self._deny)

    def decide(self, address: str) -> IpAction | None:
        if not self._allow and not self._deny:
            return None
        try:
            return self._memo[address]
        except KeyError:
            pass
        decision = self._match(address)
        if len(self._memo) >= self.MEMO_SIZE:
            self._memo.clear()  # cheap and bounded; hot addresses come straight back
        self._memo[address] = decision
        return decision

    def _match(self, address: str) -> IpAction | None:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        if any(ip in net for net in self._allow if net.version == ip.version):
            return IpAction.ALLOW
        if any(ip in net for net in self._deny if net.version == ip.version):
            return IpAction.DENY
        return None
