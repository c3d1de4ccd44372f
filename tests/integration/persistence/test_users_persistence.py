"""Users and the audit log on SQLite and PostgreSQL (the ``container`` fixture runs both)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from adapters.persistence import tables
from adapters.persistence.audit_log import SqlAuditLog
from core.identity.domain.roles import Role
from core.identity.domain.user import User
from core.shared.errors import Conflict
from core.shared.ids import new_id
from entrypoints.bootstrap.containers import ApplicationContainer
from ports.identity.audit import AuditEntry, AuditQuery
from ports.identity.repositories import UserFilter
from tests.conftest import count_rows

NOW = dt.datetime(2026, 11, 26, 12, 30, 15, 123456, tzinfo=dt.UTC)
ACTOR = uuid.UUID("0190c8a0-0000-7000-8000-000000000001")


def _user(name: str, email: str, *, role: Role = Role.STUDENT, verified: bool = True) -> User:
    return User.register(email=email, name=name, password_hash="$argon2id$stub", now=NOW, role=role, verified=verified)


async def _save(container: ApplicationContainer, *users: User) -> None:
    async with container.infrastructure.uow() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


async def _load(container: ApplicationContainer, user_id: uuid.UUID) -> User:
    async with container.infrastructure.uow() as uow:
        user: User | None = await uow.users.get(user_id)
    assert user is not None
    return user


def _fields(user: User) -> dict[str, object]:
    return {f.name: getattr(user, f.name) for f in dataclasses.fields(user)}


async def test_every_field_round_trips(container: ApplicationContainer) -> None:
    user = _user("Ада Лавлейс", "Ada@Example.org")
    bio = "Первая программистка.\nשלום"  # noqa: RUF001 - Hebrew on purpose
    user.update_profile(NOW, bio=bio, timezone="Asia/Jerusalem", language="he", avatar_key="avatars/ada.webp")
    user.update_preferences(
        {
            "privacy": {"profile_visibility": "private"},
            "notifications": {"sms": {"reminders": True}},
            "display": {"theme": "dark"},
        },
        NOW,
    )
    user.start_totp_enrolment("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    user.confirm_totp(step=59_012_345_678, recovery_code_hashes=["a" * 64, "b" * 64], now=NOW)
    user.suspend(until=NOW + dt.timedelta(days=3, microseconds=7), reason="  spam  ", now=NOW, actor_id=ACTOR)
    await _save(container, user)

    loaded = await _load(container, user.id)

    assert loaded is not user
    assert _fields(loaded) == _fields(user)
    assert loaded.email == "ada@example.org"
    assert loaded.suspended_until is not None and loaded.suspended_until.tzinfo is not None
    assert loaded.preferences["notifications"]["sms"]["reminders"] is True
    assert loaded.recovery_codes == ["a" * 64, "b" * 64]
    assert loaded.version == 1


async def test_changes_are_saved_and_bump_the_version(container: ApplicationContainer) -> None:
    user = _user("Grace Hopper", "grace@example.org")
    await _save(container, user)
    later = NOW + dt.timedelta(hours=1)
    async with container.infrastructure.uow() as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        stored.update_profile(later, name="Грейс Хоппер")
        stored.soft_delete(now=later, actor_id=ACTOR)
        await uow.commit()

    loaded = await _load(container, user.id)
    assert (loaded.name, loaded.deleted_at, loaded.updated_at, loaded.version) == ("Грейс Хоппер", later, later, 2)
    async with container.infrastructure.uow() as uow:
        assert (await uow.users.get_by_email("GRACE@example.org ")) is not None  # deleted, still taken
        assert await uow.users.count() == 1


async def test_an_email_belongs_to_one_account(container: ApplicationContainer) -> None:
    await _save(container, _user("First", "same@example.org"))
    with pytest.raises(Conflict):
        await _save(container, _user("Second", "SAME@example.org"))
    assert await count_rows(container, tables.users) == 1


async def test_concurrent_writers_of_one_account_cannot_both_win(container: ApplicationContainer) -> None:
    user = _user("Linus", "linus@example.org")
    await _save(container, user)
    first, second = container.infrastructure.uow(), container.infrastructure.uow()
    async with first, second:
        one, two = await first.users.get(user.id), await second.users.get(user.id)
        assert one is not None and two is not None
        one.set_role(Role.INSTRUCTOR, now=NOW, actor_id=ACTOR)
        two.ban(reason="abuse", now=NOW, actor_id=ACTOR)
        await first.commit()
        with pytest.raises(Conflict) as err:
            await second.commit()
    assert err.value.code == "concurrency.conflict"
    loaded = await _load(container, user.id)
    assert (loaded.role, loaded.status, loaded.version) == ("instructor", "active", 2)


async def _search(container: ApplicationContainer, criteria: UserFilter, *, limit: int = 100) -> list[str]:
    async with container.infrastructure.uow() as uow:
        page = await uow.users.search(criteria, after=None, limit=limit)
    return [u.name for u in page.items]


async def test_text_search_folds_case_in_any_script(container: ApplicationContainer) -> None:
    await _save(
        container,
        _user("Иван Петров", "ivan@example.org"),
        _user("ИВАН Сидоров", "sidorov@example.org"),
        _user("Мария Иванова", "maria@example.org"),
        _user("דוד כהן", "david@example.co.il"),
        _user("שרה כהן", "sarah@example.co.il"),
        _user("Jürgen Groß", "juergen@example.de"),
        _user("Alice 100%_sure", "alice@example.com"),
    )

    assert await _search(container, UserFilter(text="иВаН")) == ["Иван Петров", "ИВАН Сидоров", "Мария Иванова"]
    assert await _search(container, UserFilter(text="ПЕТРОВ")) == ["Иван Петров"]
    assert await _search(container, UserFilter(text="כהן")) == ["דוד כהן", "שרה כהן"]
    assert await _search(container, UserFilter(text="  GROSS ")) == ["Jürgen Groß"]  # ß folds to ss
    assert await _search(container, UserFilter(text="EXAMPLE.CO.IL")) == ["דוד כהן", "שרה כהן"]  # email too
    assert await _search(container, UserFilter(text="100%_")) == ["Alice 100%_sure"]
    assert await _search(container, UserFilter(text="%")) == ["Alice 100%_sure"]  # literal, not a wildcard
    assert await _search(container, UserFilter(text="_")) == ["Alice 100%_sure"]
    assert await _search(container, UserFilter(text="петрова")) == []


async def test_search_key_follows_renames_and_email_changes(container: ApplicationContainer) -> None:
    user = _user("Old Name", "old@example.org")
    await _save(container, user)
    async with container.infrastructure.uow() as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        stored.update_profile(NOW, name="Новое Имя")
        await uow.commit()
    assert await _search(container, UserFilter(text="old name")) == []
    assert await _search(container, UserFilter(text="новое")) == ["Новое Имя"]
    async with container.infrastructure.uow() as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        stored.email = "renamed@example.net"  # as AdministerUser.edit does
        await uow.commit()
    assert await _search(container, UserFilter(text="old@")) == []
    assert await _search(container, UserFilter(text="RENAMED@")) == ["Новое Имя"]


async def test_filters_and_cursor_pages(container: ApplicationContainer) -> None:
    students = [_user(f"Студент {i}", f"student{i}@example.org") for i in range(7)]
    instructor = _user("Преподаватель", "teacher@example.org", role=Role.INSTRUCTOR)
    pending = _user("Студент ожидающий", "pending@example.org", verified=False)
    deleted = _user("Студент удалённый", "gone@example.org")
    deleted.soft_delete(now=NOW, actor_id=ACTOR)
    banned = _user("Студент забаненный", "banned@example.org")
    banned.ban(reason="x", now=NOW, actor_id=ACTOR)
    await _save(container, *students, instructor, pending, deleted, banned)

    # Seven active students over four pages of two: every one exactly once, in id order.
    criteria = UserFilter(text="студент", roles=("student",), statuses=("active",))
    seen: list[uuid.UUID] = []
    cursor = None
    pages = 0
    async with container.infrastructure.uow() as uow:
        while True:
            page = await uow.users.search(criteria, after=cursor, limit=2)
            pages += 1
            seen += [u.id for u in page.items]
            if page.next_cursor is None:
                break
            assert page.next_cursor == page.items[-1].id
            cursor = page.next_cursor
    assert pages == 4
    assert seen == [s.id for s in students]

    everyone = await _search(container, UserFilter())
    assert "Студент удалённый" not in everyone and len(everyone) == 10
    assert "Студент удалённый" in await _search(container, UserFilter(include_deleted=True))
    assert await _search(container, UserFilter(roles=("instructor", "admin"))) == ["Преподаватель"]
    assert await _search(container, UserFilter(statuses=("pending_verification", "banned"))) == [
        "Студент ожидающий",
        "Студент забаненный",
    ]
    assert await _search(container, UserFilter(ids=(students[3].id, deleted.id, instructor.id))) == [
        "Студент 3",
        "Преподаватель",
    ]
    assert await _search(container, UserFilter(email=" Student5@Example.org")) == ["Студент 5"]
    # A page that ends exactly at the last match has no next cursor.
    async with container.infrastructure.uow() as uow:
        page = await uow.users.search(UserFilter(roles=("student",), statuses=("active",)), after=None, limit=7)
    assert len(page.items) == 7 and page.next_cursor is None


# -- audit log -------------------------------------------------------------------------------------


def _entry(
    action: str,
    *,
    at: dt.datetime = NOW,
    actor: uuid.UUID | None = None,
    subject: uuid.UUID | None = None,
    outcome: str = "success",
    **details: object,
) -> AuditEntry:
    return AuditEntry(
        id=new_id(),
        at=at,
        action=action,
        actor_id=actor,
        subject_id=subject,
        ip="203.0.113.7",
        user_agent="Firefox",
        outcome=outcome,
        details=dict(details),
    )


async def test_an_audit_entry_survives_the_rollback_of_the_callers_transaction(
    container: ApplicationContainer, database_url: str
) -> None:
    audit = SqlAuditLog(container.infrastructure.session_factory())
    user = _user("Mallory", "mallory@example.org")

    async def failing_use_case() -> None:
        async with container.infrastructure.uow() as uow:
            await uow.users.add(user)
            if database_url.startswith("postgresql"):
                # The caller's transaction holds row locks and uncommitted rows; the entry is
                # written beside it, not inside it. (SQLite has one writer at a time: there an
                # append must not happen while the caller holds the write lock.)
                await uow.session.flush()
            await audit.append(_entry("auth.login", subject=user.id, outcome="failure", reason="bad_credentials"))
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        await failing_use_case()

    assert await count_rows(container, tables.users) == 0
    [stored] = await audit.search(AuditQuery(), before=None, limit=10)
    assert (stored.action, stored.subject_id, stored.outcome) == ("auth.login", user.id, "failure")
    assert stored.details == {"reason": "bad_credentials"}
    assert (stored.ip, stored.user_agent, stored.at) == ("203.0.113.7", "Firefox", NOW)


async def test_audit_search_filters_and_pages_newest_first(container: ApplicationContainer) -> None:
    audit = SqlAuditLog(container.infrastructure.session_factory())
    admin, alice, bob = new_id(), new_id(), new_id()
    entries = [
        _entry("auth.login", at=NOW, subject=alice),
        _entry("auth.login", at=NOW + dt.timedelta(minutes=1), subject=bob, outcome="failure"),
        _entry("admin.user_suspended", at=NOW + dt.timedelta(minutes=2), actor=admin, subject=alice, reason="spam"),
        _entry(
            "admin.role_changed",
            at=NOW + dt.timedelta(minutes=3),
            actor=admin,
            subject=bob,
            old="student",
            new="instructor",
            when=NOW,
            who=admin,
        ),  # non-JSON values are stored as strings
        _entry("auth.login", at=NOW + dt.timedelta(minutes=4), subject=alice),
        _entry("auth.logout", at=NOW + dt.timedelta(minutes=5), actor=alice, subject=alice),
        _entry("auth.login", at=NOW + dt.timedelta(minutes=6), subject=bob),
    ]
    for entry in entries:
        await audit.append(entry)

    async def ids(query: AuditQuery, limit: int = 100) -> list[uuid.UUID]:
        return [e.id for e in await audit.search(query, before=None, limit=limit)]

    newest_first = [e.id for e in reversed(entries)]
    assert await ids(AuditQuery()) == newest_first
    assert await ids(AuditQuery(action="auth.login")) == [entries[i].id for i in (6, 4, 1, 0)]
    assert await ids(AuditQuery(actor_id=admin)) == [entries[3].id, entries[2].id]
    assert await ids(AuditQuery(subject_id=alice)) == [entries[i].id for i in (5, 4, 2, 0)]
    assert await ids(AuditQuery(action="auth.login", subject_id=bob)) == [entries[6].id, entries[1].id]
    window = AuditQuery(since=NOW + dt.timedelta(minutes=2), until=NOW + dt.timedelta(minutes=5))
    assert await ids(window) == [entries[4].id, entries[3].id, entries[2].id]  # since inclusive, until not

    pages: list[list[uuid.UUID]] = []
    before = None
    while True:
        page = await audit.search(AuditQuery(), before=before, limit=3)
        if not page:
            break
        pages.append([e.id for e in page])
        before = page[-1].id
    assert pages == [newest_first[:3], newest_first[3:6], newest_first[6:]]

    [role_change] = await audit.search(AuditQuery(action="admin.role_changed"), before=None, limit=1)
    assert role_change.details == {"old": "student", "new": "instructor", "when": str(NOW), "who": str(admin)}


def test_the_audit_log_offers_no_way_to_change_history() -> None:
    assert {name for name in dir(SqlAuditLog) if not name.startswith("_")} == {"append", "search"}
