"""Finding users and administering accounts: view, edit, suspend, ban, delete, roles, bulk, CSV."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from core.identity.application.auditing import Auditor
from core.identity.application.context import Principal, RequestContext
from core.identity.application.session_store import SessionStore
from core.identity.domain.passwords import check_password
from core.identity.domain.roles import Permission, Role, check_role_change
from core.identity.domain.user import AccountStatus, User, normalize_email
from core.shared.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from ports.identity.repositories import IdentityUnitOfWork, UserFilter, UserPage
from ports.identity.security import PasswordBlocklist, PasswordHasher
from ports.shared.clock import Clock

UowFactory = Callable[[], IdentityUnitOfWork]
MAX_PAGE = 100
MAX_BULK = 1000
CSV_FIELDS = ("id", "email", "name", "role", "status", "language", "timezone", "created_at", "email_verified_at")


class SearchUsers:
    """Admins see everyone; others find only instructors and students who show themselves."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, criteria: UserFilter, *, after: uuid.UUID | None, limit: int
    ) -> UserPage:
        limit = max(1, min(limit, MAX_PAGE))
        if principal.can(Permission.USERS_SEARCH_ALL):
            async with self._uow() as uow:
                return await uow.users.search(criteria, after=after, limit=limit)
        principal.require(Permission.USERS_SEARCH_PUBLIC)
        public = dataclasses.replace(
            criteria, statuses=(AccountStatus.ACTIVE.value,), include_deleted=False, email=None
        )
        items: list[User] = []
        cursor = after
        async with self._uow() as uow:
            # Visibility is a per-user preference, so filter and keep paging until the page fills.
            for _ in range(10):
                page = await uow.users.search(public, after=cursor, limit=limit)
                items += [u for u in page.items if _visible_to_members(u)]
                cursor = page.next_cursor
                if len(items) >= limit or cursor is None:
                    break
        return UserPage(items[:limit], items[limit - 1].id if len(items) > limit else cursor)


def _visible_to_members(user: User) -> bool:
    visibility = user.preferences.get("privacy", {}).get("profile_visibility", "students")
    return bool(visibility != "private")


async def _target(uow: IdentityUnitOfWork, user_id: uuid.UUID) -> User:
    user = await uow.users.get(user_id)
    if user is None:
        raise NotFound("user.not_found", "user not found", {"user_id": str(user_id)})
    return user


def _guard_peer(principal: Principal, target: User) -> None:
    """An admin may not act on someone of equal or higher rank (only a Super Admin above Admin)."""
    if target.id == principal.user_id:
        raise PermissionDenied("users.self_action", "use your own account settings for yourself")
    if target.role_enum.rank >= Role.ADMIN.rank and principal.role is not Role.SUPER_ADMIN:
        raise PermissionDenied("users.peer", "only a super admin can change an admin's account")


@dataclasses.dataclass(frozen=True)
class AdminEdit:
    name: str | None = None
    bio: str | None = None
    timezone: str | None = None
    language: str | None = None
    email: str | None = None
    verify_email: bool = False


class AdministerUser:
    """One class, one verb each: the admin console's actions on a single account."""

    def __init__(self, uow: UowFactory, sessions: SessionStore, clock: Clock, auditor: Auditor) -> None:
        self._uow, self._sessions, self._clock, self._auditor = uow, sessions, clock, auditor

    async def view(self, principal: Principal, user_id: uuid.UUID) -> User:
        principal.require(Permission.USERS_ADMINISTER)
        async with self._uow() as uow:
            return await _target(uow, user_id)

    async def edit(self, principal: Principal, user_id: uuid.UUID, edit: AdminEdit, ctx: RequestContext) -> User:
        principal.require(Permission.USERS_ADMINISTER)
        now = self._clock.now()
        async with self._uow() as uow:
            user = await _target(uow, user_id)
            _guard_peer(principal, user)
            fields = {
                k: v
                for k, v in dataclasses.asdict(edit).items()
                if v is not None and k in ("name", "bio", "timezone", "language")
            }
            changed = user.update_profile(now, **fields)
            if edit.email is not None and normalize_email(edit.email) != user.email:
                address = normalize_email(edit.email)
                if await uow.users.get_by_email(address) is not None:
                    raise Conflict("user.email_taken", "another account uses that email")
                user.email, user.updated_at = address, now
                changed.append("email")
            if edit.verify_email:
                user.verify_email(now)
                changed.append("email_verified")
            await uow.commit()
        await self._auditor.record(
            "admin.user_edited", ctx, actor_id=principal.user_id, subject_id=user_id, fields=changed
        )
        return user

    async def set_status(
        self,
        principal: Principal,
        user_id: uuid.UUID,
        status: str,
        ctx: RequestContext,
        *,
        reason: str = "",
        until: dt.datetime | None = None,
    ) -> User:
        principal.require(Permission.USERS_ADMINISTER)
        now = self._clock.now()
        async with self._uow() as uow:
            user = await _target(uow, user_id)
            _guard_peer(principal, user)
            if status == AccountStatus.SUSPENDED:
                user.suspend(until=until, reason=reason, now=now, actor_id=principal.user_id)
            elif status == AccountStatus.BANNED:
                user.ban(reason=reason, now=now, actor_id=principal.user_id)
            elif status == AccountStatus.ACTIVE:
                user.reactivate(now=now, actor_id=principal.user_id)
            else:
                raise InvalidInput("user.invalid_status", "status is one of active, suspended, banned")
            await uow.commit()
        if status != AccountStatus.ACTIVE:
            await self._sessions.revoke_all(user_id, now=now)  # refresh stops at once
        await self._auditor.record(
            f"admin.user_{status}",
            ctx,
            actor_id=principal.user_id,
            subject_id=user_id,
            reason=reason,
            until=until.isoformat() if until else None,
        )
        return user

    async def set_role(self, principal: Principal, user_id: uuid.UUID, role: str, ctx: RequestContext) -> User:
        try:
            new = Role(role)
        except ValueError:
            raise InvalidInput("user.invalid_role", "role is one of student, instructor, admin") from None
        async with self._uow() as uow:
            user = await _target(uow, user_id)
            old = user.role_enum
            check_role_change(
                actor_id=principal.user_id, actor_role=principal.role, target_id=user.id, old=old, new=new
            )
            user.set_role(new, now=self._clock.now(), actor_id=principal.user_id)
            await uow.commit()
        await self._auditor.record(
            "admin.role_changed", ctx, actor_id=principal.user_id, subject_id=user_id, old=old.value, new=new.value
        )
        return user

    async def delete(self, principal: Principal, user_id: uuid.UUID, ctx: RequestContext) -> None:
        principal.require(Permission.USERS_ADMINISTER)
        now = self._clock.now()
        async with self._uow() as uow:
            user = await _target(uow, user_id)
            _guard_peer(principal, user)
            user.soft_delete(now=now, actor_id=principal.user_id)
            await uow.commit()
        await self._sessions.revoke_all(user_id, now=now)
        await self._auditor.record("admin.user_deleted", ctx, actor_id=principal.user_id, subject_id=user_id)


@dataclasses.dataclass(frozen=True)
class BulkOutcome:
    done: list[uuid.UUID]
    failed: dict[uuid.UUID, str]


class BulkAdminister:
    """Applies one action to many accounts; each account succeeds or fails on its own."""

    ACTIONS = ("suspend", "ban", "activate", "delete", "set_role")

    def __init__(self, single: AdministerUser, uow: UowFactory) -> None:
        self._single, self._uow = single, uow

    async def ids_matching(self, principal: Principal, criteria: UserFilter) -> list[uuid.UUID]:
        principal.require(Permission.USERS_BULK)
        ids: list[uuid.UUID] = []
        cursor = None
        async with self._uow() as uow:
            while len(ids) <= MAX_BULK:
                page = await uow.users.search(criteria, after=cursor, limit=MAX_PAGE)
                ids += [u.id for u in page.items]
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        if len(ids) > MAX_BULK:
            raise InvalidInput("users.bulk_too_many", f"a bulk action covers at most {MAX_BULK} users")
        return ids

    async def __call__(
        self, principal: Principal, action: str, user_ids: Iterable[uuid.UUID], ctx: RequestContext, **options: Any
    ) -> BulkOutcome:
        principal.require(Permission.USERS_BULK)
        targets = list(dict.fromkeys(user_ids))
        if not targets or len(targets) > MAX_BULK:
            raise InvalidInput("users.bulk_size", f"give between 1 and {MAX_BULK} users")
        if action not in self.ACTIONS:
            raise InvalidInput("users.bulk_action", f"action is one of {', '.join(self.ACTIONS)}")
        outcome = BulkOutcome([], {})
        for user_id in targets:
            try:
                if action == "delete":
                    await self._single.delete(principal, user_id, ctx)
                elif action == "set_role":
                    await self._single.set_role(principal, user_id, str(options.get("role", "")), ctx)
                else:
                    status = {"suspend": "suspended", "ban": "banned", "activate": "active"}[action]
                    await self._single.set_status(
                        principal,
                        user_id,
                        status,
                        ctx,
                        reason=str(options.get("reason", "")),
                        until=options.get("until"),
                    )
                outcome.done.append(user_id)
            except DomainError as exc:
                outcome.failed[user_id] = exc.code
        return outcome


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; exported names must not."""
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def user_row(user: User) -> dict[str, str]:
    return {k: _cell(v) for k, v in _raw_row(user).items()}


def _raw_row(user: User) -> dict[str, str]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "status": user.status,
        "language": user.language,
        "timezone": user.timezone,
        "created_at": user.created_at.isoformat(),
        "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else "",
    }


class ExportUsers:
    """Streams matching users as CSV rows (admins only), page by page: memory stays flat."""

    def __init__(self, uow: UowFactory) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, criteria: UserFilter) -> AsyncIterator[str]:
        principal.require(Permission.USERS_BULK)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
        writer.writeheader()
        yield _drain(buffer)
        cursor = None
        while True:
            async with self._uow() as uow:
                page = await uow.users.search(criteria, after=cursor, limit=MAX_PAGE)
            for user in page.items:
                writer.writerow(user_row(user))
            yield _drain(buffer)
            if page.next_cursor is None:
                return
            cursor = page.next_cursor


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


@dataclasses.dataclass(frozen=True)
class ImportRow:
    line: int
    email: str
    status: str  # "created" | "exists" | "error"
    error: str = ""


class ImportUsers:
    """Creates accounts from CSV rows (email, name, role[, password]). Existing emails are
    left alone; rows without a password get an invitation to set one (reset email)."""

    def __init__(
        self, uow: UowFactory, hasher: PasswordHasher, blocklist: PasswordBlocklist, clock: Clock, auditor: Auditor
    ) -> None:
        self._uow, self._hasher, self._blocklist, self._clock, self._auditor = uow, hasher, blocklist, clock, auditor

    async def row(self, principal: Principal, line: int, data: dict[str, str], ctx: RequestContext) -> ImportRow:
        from core.identity.domain.events import AccountEmailRequested

        principal.require(Permission.USERS_BULK)
        email = (data.get("email") or "").strip()
        try:
            role = Role((data.get("role") or "student").strip().lower())
            if role.rank >= Role.ADMIN.rank:
                raise PermissionDenied("users.import_role", "imports create students and instructors only")
            password = data.get("password") or ""
            password_hash = None
            if password:
                clean = check_password(password, blocklist=self._blocklist, email=email, name=data.get("name", ""))
                password_hash = await self._hasher.hash(clean)
            async with self._uow() as uow:
                if await uow.users.get_by_email(normalize_email(email)) is not None:
                    return ImportRow(line, email, "exists")
                user = User.register(
                    email=email,
                    name=data.get("name") or email.split("@")[0],
                    password_hash=password_hash,
                    now=self._clock.now(),
                    role=role,
                    language=(data.get("language") or "en").strip() or "en",
                    verified=True,
                )
                await uow.users.add(user)
                if password_hash is None:
                    uow.publish(AccountEmailRequested(user.id, "reset_password"))
                await uow.commit()
        except (DomainError, ValueError) as exc:
            return ImportRow(line, email, "error", getattr(exc, "code", "users.import_invalid_role"))
        await self._auditor.record("admin.user_imported", ctx, actor_id=principal.user_id, subject_id=user.id)
        return ImportRow(line, email, "created")


class CreateUser:
    """An operator creates an active, verified account with a chosen role. Admin roles need a
    Super Admin actor (in practice the CLI's system principal)."""

    def __init__(
        self, uow: UowFactory, hasher: PasswordHasher, blocklist: PasswordBlocklist, clock: Clock, auditor: Auditor
    ) -> None:
        self._uow, self._hasher, self._blocklist, self._clock, self._auditor = uow, hasher, blocklist, clock, auditor

    async def __call__(
        self, principal: Principal, *, email: str, name: str, role: str, password: str, ctx: RequestContext
    ) -> User:
        principal.require(Permission.USERS_ADMINISTER)
        try:
            wanted = Role(role)
        except ValueError:
            raise InvalidInput("user.invalid_role", "role is one of student, instructor, admin, super_admin") from None
        if wanted.rank >= Role.ADMIN.rank and principal.role is not Role.SUPER_ADMIN:
            raise PermissionDenied("users.create_admin", "only a super admin creates admin accounts")
        address = normalize_email(email)
        clean = check_password(password, blocklist=self._blocklist, email=address, name=name)
        password_hash = await self._hasher.hash(clean)
        async with self._uow() as uow:
            if await uow.users.get_by_email(address) is not None:
                raise Conflict("user.email_taken", "an account with that email exists")
            user = User.register(
                email=address, name=name, password_hash=password_hash, now=self._clock.now(), role=wanted, verified=True
            )
            await uow.users.add(user)
            await uow.commit()
        await self._auditor.record(
            "admin.user_created", ctx, actor_id=principal.user_id, subject_id=user.id, role=wanted.value
        )
        return user
