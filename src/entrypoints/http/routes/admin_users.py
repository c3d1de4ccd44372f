"""/api/v1/admin: user administration, bulk operations, CSV import/export, the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from core.identity.application.administration import AdminEdit
from core.identity.domain.roles import Permission
from core.identity.domain.user import User
from entrypoints.http.auth import current_principal, request_context, requires
from entrypoints.http.dependencies import container_of
from ports.identity.audit import AuditQuery
from ports.identity.repositories import UserFilter

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class AdminUser(msgspec.Struct):
    id: uuid.UUID
    email: str
    name: str
    role: str
    status: str
    status_reason: str
    suspended_until: dt.datetime | None
    email_verified: bool
    two_factor_enabled: bool
    language: str
    timezone: str
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None


class AdminUserPage(msgspec.Struct):
    items: list[AdminUser]
    next_cursor: uuid.UUID | None


class AdminEditIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    bio: Annotated[str, msgspec.Meta(max_length=4000)] | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    language: Annotated[str, msgspec.Meta(max_length=8)] | None = None
    email: Annotated[str, msgspec.Meta(max_length=320)] | None = None
    verify_email: bool = False


class StatusIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    until: FromQuery[dt.datetime | None] = None


class RoleIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Annotated[str, msgspec.Meta(max_length=20)]


class BulkFilter(msgspec.Struct, forbid_unknown_fields=True):
    q: str | None = None
    roles: list[str] = []
    statuses: list[str] = []


class BulkIn(msgspec.Struct, forbid_unknown_fields=True):
    action: Annotated[str, msgspec.Meta(pattern="^(suspend|ban|activate|delete|set_role)$")]
    ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=1000)] = []
    filter: BulkFilter | None = None
    role: str | None = None
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""
    until: FromQuery[dt.datetime | None] = None


class BulkOut(msgspec.Struct):
    done: list[uuid.UUID]
    failed: dict[str, str]


class ImportOut(msgspec.Struct):
    created: int
    existing: int
    errors: list[dict[str, Any]]


class AuditOut(msgspec.Struct):
    id: uuid.UUID
    at: dt.datetime
    action: str
    actor_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    ip: str | None
    user_agent: str | None
    outcome: str
    details: dict[str, Any]


class AuditPage(msgspec.Struct):
    items: list[AuditOut]
    next_cursor: uuid.UUID | None


def admin_out(u: User) -> AdminUser:
    return AdminUser(
        u.id,
        u.email,
        u.name,
        u.role,
        u.status,
        u.status_reason,
        u.suspended_until,
        u.email_verified_at is not None,
        u.two_factor_enabled,
        u.language,
        u.timezone,
        u.created_at,
        u.updated_at,
        u.deleted_at,
    )


class AdminUserController(Controller):
    path = "/api/v1/admin/users"
    tags = ["administration"]

    @get("/", guards=[requires(Permission.USERS_SEARCH_ALL)], summary="Search users by name, email, role, status")
    async def list_users(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        email: Annotated[str | None, QueryParameter(max_length=320)] = None,
        role: FromQuery[list[str] | None] = None,
        status: FromQuery[list[str] | None] = None,
        include_deleted: FromQuery[bool] = False,
        cursor: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> AdminUserPage:
        criteria = UserFilter(
            text=q, email=email, roles=tuple(role or ()), statuses=tuple(status or ()), include_deleted=include_deleted
        )
        page = await container_of(request).identity.search_users()(
            current_principal(request), criteria, after=cursor, limit=limit
        )
        return AdminUserPage([admin_out(u) for u in page.items], page.next_cursor)

    @get("/{user_id:uuid}", guards=[requires(Permission.USERS_ADMINISTER)], summary="One account")
    async def view(self, request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> AdminUser:
        return admin_out(await container_of(request).identity.administer().view(current_principal(request), user_id))

    @patch("/{user_id:uuid}", guards=[requires(Permission.USERS_ADMINISTER)], summary="Edit an account")
    async def edit(
        self, request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], data: JSONBody[AdminEditIn]
    ) -> AdminUser:
        edit = AdminEdit(data.name, data.bio, data.timezone, data.language, data.email, data.verify_email)
        user = (
            await container_of(request)
            .identity.administer()
            .edit(current_principal(request), user_id, edit, request_context(request))
        )
        return admin_out(user)

    @post(
        "/{user_id:uuid}/suspend",
        guards=[requires(Permission.USERS_ADMINISTER)],
        status_code=200,
        summary="Suspend (optionally until a time)",
    )
    async def suspend(
        self, request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], data: JSONBody[StatusIn]
    ) -> AdminUser:
        return await self._status(request, user_id, "suspended", data)

    @post("/{user_id:uuid}/ban", guards=[requires(Permission.USERS_ADMINISTER)], status_code=200, summary="Ban")
    async def ban(
        self, request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], data: JSONBody[StatusIn]
    ) -> AdminUser:
        return await self._status(request, user_id, "banned", data)

    @post(
        "/{user_id:uuid}/activate",
        guards=[requires(Permission.USERS_ADMINISTER)],
        status_code=200,
        summary="Lift a suspension or ban",
    )
    async def activate(self, request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> AdminUser:
        return await self._status(request, user_id, "active", StatusIn())

    async def _status(
        self, request: Request[Any, Any, Any], user_id: uuid.UUID, status: str, data: StatusIn
    ) -> AdminUser:
        user = (
            await container_of(request)
            .identity.administer()
            .set_status(
                current_principal(request),
                user_id,
                status,
                request_context(request),
                reason=data.reason,
                until=data.until,
            )
        )
        return admin_out(user)

    @put("/{user_id:uuid}/role", guards=[requires(Permission.ROLES_GRANT_BASIC)], summary="Set the role")
    async def set_role(
        self, request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID], data: JSONBody[RoleIn]
    ) -> AdminUser:
        user = (
            await container_of(request)
            .identity.administer()
            .set_role(current_principal(request), user_id, data.role, request_context(request))
        )
        return admin_out(user)

    @delete("/{user_id:uuid}", guards=[requires(Permission.USERS_ADMINISTER)], summary="Delete (soft)")
    async def remove(self, request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> None:
        await (
            container_of(request)
            .identity.administer()
            .delete(current_principal(request), user_id, request_context(request))
        )

    @post(
        "/bulk",
        guards=[requires(Permission.USERS_BULK)],
        status_code=200,
        summary="Suspend, ban, activate, delete or set the role of many users (by ids or a filter)",
    )
    async def bulk(self, request: Request[Any, Any, Any], data: JSONBody[BulkIn]) -> BulkOut:
        identity = container_of(request).identity
        principal = current_principal(request)
        ids = list(data.ids)
        if data.filter is not None:
            criteria = UserFilter(
                text=data.filter.q, roles=tuple(data.filter.roles), statuses=tuple(data.filter.statuses)
            )
            ids += await identity.bulk().ids_matching(principal, criteria)
        outcome = await identity.bulk()(
            principal, data.action, ids, request_context(request), role=data.role, reason=data.reason, until=data.until
        )
        return BulkOut(outcome.done, {str(k): v for k, v in outcome.failed.items()})

    @get("/export", guards=[requires(Permission.USERS_BULK)], summary="Users as CSV (streamed)")
    async def export(
        self,
        request: Request[Any, Any, Any],
        role: FromQuery[list[str] | None] = None,
        status: FromQuery[list[str] | None] = None,
    ) -> Stream:
        criteria = UserFilter(roles=tuple(role or ()), statuses=tuple(status or ()))
        rows = container_of(request).identity.export_users()(current_principal(request), criteria)
        return Stream(
            rows,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="users.csv"'},
        )

    @post(
        "/import",
        guards=[requires(Permission.USERS_BULK)],
        status_code=200,
        summary="Create users from CSV (email,name,role[,password,language]); existing emails are skipped",
        request_max_body_size=MAX_IMPORT_BYTES,
    )
    async def import_csv(self, request: Request[Any, Any, Any]) -> ImportOut:
        identity = container_of(request).identity
        principal, ctx = current_principal(request), request_context(request)
        text = (await request.body()).decode("utf-8-sig", errors="replace")
        created = existing = 0
        errors: list[dict[str, Any]] = []
        async for line, row in _rows(text):
            result = await identity.import_users().row(principal, line, row, ctx)
            if result.status == "created":
                created += 1
            elif result.status == "exists":
                existing += 1
            else:
                errors.append({"line": line, "email": result.email, "error": result.error})
        return ImportOut(created, existing, errors)


async def _rows(text: str) -> AsyncIterator[tuple[int, dict[str, str]]]:
    for index, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        yield index, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}


class AuditController(Controller):
    path = "/api/v1/admin/audit"
    tags = ["administration"]

    @get("/", guards=[requires(Permission.AUDIT_READ)], summary="Search the audit log (newest first)")
    async def search(
        self,
        request: Request[Any, Any, Any],
        action: Annotated[str | None, QueryParameter(max_length=100)] = None,
        actor_id: FromQuery[uuid.UUID | None] = None,
        subject_id: FromQuery[uuid.UUID | None] = None,
        since: FromQuery[dt.datetime | None] = None,
        until: FromQuery[dt.datetime | None] = None,
        cursor: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> AuditPage:
        entries = await container_of(request).identity.search_audit()(
            AuditQuery(action, actor_id, subject_id, since, until), before=cursor, limit=limit
        )
        items = [
            AuditOut(e.id, e.at, e.action, e.actor_id, e.subject_id, e.ip, e.user_agent, e.outcome, e.details)
            for e in entries
        ]
        return AuditPage(items, items[-1].id if len(items) == limit else None)
