"""IP allow/deny rules over HTTP for operators (the CLI offers the same)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, JSONBody

from core.identity.domain.roles import Permission
from core.security.application.ip_rules import AddIpRuleCommand
from core.security.domain.ip_rules import IpRule
from entrypoints.http.auth import requires
from entrypoints.http.dependencies import container_of


class IpRuleOut(msgspec.Struct):
    id: uuid.UUID
    network: str
    action: str
    note: str
    created_at: dt.datetime
    expires_at: dt.datetime | None


class IpRuleList(msgspec.Struct):
    items: list[IpRuleOut]


class IpRuleIn(msgspec.Struct, forbid_unknown_fields=True):
    network: Annotated[str, msgspec.Meta(min_length=2, max_length=64)]
    action: Annotated[str, msgspec.Meta(pattern="^(allow|deny)$")]
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""
    ttl_seconds: Annotated[int, msgspec.Meta(ge=1, le=10 * 365 * 86400)] | None = None


def _out(rule: IpRule) -> IpRuleOut:
    return IpRuleOut(rule.id, rule.network, rule.action, rule.note, rule.created_at, rule.expires_at)


class IpRuleController(Controller):
    path = "/api/v1/admin/ip-rules"
    tags = ["administration"]
    guards = [requires(Permission.PLATFORM_CONFIGURE, operator_token=True)]

    @get("/", summary="Active IP rules")
    async def list_rules(self, request: Request[Any, Any, Any]) -> IpRuleList:
        rules = await container_of(request).security.list_ip_rules()()
        return IpRuleList([_out(r) for r in rules])

    @post("/", summary="Allow or deny an address or network")
    async def add_rule(self, request: Request[Any, Any, Any], data: JSONBody[IpRuleIn]) -> IpRuleOut:
        command = AddIpRuleCommand(data.network, data.action, data.note, data.ttl_seconds)
        rule = await container_of(request).security.add_ip_rule()(command)
        request.app.state.ip_rules.invalidate()
        return _out(rule)

    @delete("/{ref:str}", summary="Remove a rule by id, or every rule for a network (URL-encode the slash)")
    async def remove_rule(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> None:
        await container_of(request).security.remove_ip_rule()(ref)
        request.app.state.ip_rules.invalidate()
