"""In-memory fakes for the OAuth sign-in use cases: the identity unit of work (users and
external-identity links), the audit log and access tokens. Unit-test fakes only."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import uuid
from types import TracebackType
from typing import Self

from core.identity.domain.user import User
from core.shared.errors import Conflict, Unauthenticated
from core.shared.events import DomainEvent
from ports.identity.audit import AuditEntry, AuditQuery
from ports.identity.oauth_links import OAuthLink
from ports.identity.repositories import UserFilter, UserPage
from ports.identity.security import AccessClaims


class FakeClock:
    def __init__(self, now: dt.datetime | None = None) -> None:
        self.current = now or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current


@dataclasses.dataclass
class IdentityStore:
    """What the database would hold; survives across units of work."""

    users: dict[uuid.UUID, User] = dataclasses.field(default_factory=dict)
    links: dict[tuple[str, str], OAuthLink] = dataclasses.field(default_factory=dict)
    events: list[DomainEvent] = dataclasses.field(default_factory=list)

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        user.pull_events()
        return user


class FakeUserRepository:
    def __init__(self, store: IdentityStore, seen: list[User]) -> None:
        self._store, self._seen = store, seen
        self.added: list[User] = []

    def _saw(self, user: User | None) -> User | None:
        if user is not None and user not in self._seen:
            self._seen.append(user)
        return user

    async def add(self, user: User) -> None:
        self.added.append(user)
        self._saw(user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return self._saw(self._store.users.get(user_id))

    async def get_by_email(self, email: str) -> User | None:
        return self._saw(next((u for u in self._store.users.values() if u.email == email), None))

    async def search(self, criteria: UserFilter, *, after: uuid.UUID | None, limit: int) -> UserPage:
        items = sorted(self._store.users.values(), key=lambda u: u.id)
        return UserPage(items[:limit], None)

    async def count(self) -> int:
        return len(self._store.users)


class FakeOAuthLinkRepository:
    def __init__(self, store: IdentityStore) -> None:
        self._store = store
        self.added: list[OAuthLink] = []

    async def get(self, provider: str, subject: str) -> uuid.UUID | None:
        link = self._store.links.get((provider, subject))
        return link.user_id if link else None

    async def add(self, provider: str, subject: str, user_id: uuid.UUID, *, linked_at: dt.datetime) -> None:
        self.added.append(OAuthLink(provider, subject, user_id, linked_at))

    async def list_for_user(self, user_id: uuid.UUID) -> list[OAuthLink]:
        return sorted(
            (link for link in self._store.links.values() if link.user_id == user_id), key=lambda link: link.linked_at
        )


class FakeOAuthUnitOfWork:
    """Adds become visible on commit, with the constraints the tables have (unique email,
    unique (provider, subject)); without a commit they vanish. Events land in the store."""

    users: FakeUserRepository
    oauth_links: FakeOAuthLinkRepository

    def __init__(self, store: IdentityStore) -> None:
        self.store = store
        self.commits = 0

    def __call__(self) -> FakeOAuthUnitOfWork:
        return self

    async def __aenter__(self) -> Self:
        self._seen: list[User] = []
        self._loose: list[DomainEvent] = []
        self.users = FakeUserRepository(self.store, self._seen)
        self.oauth_links = FakeOAuthLinkRepository(self.store)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._loose = []

    def publish(self, event: DomainEvent) -> None:
        self._loose.append(event)

    async def commit(self) -> None:
        emails = {u.email for u in self.store.users.values()}
        for user in self.users.added:
            if user.email in emails:
                raise Conflict("user.email_taken", "email already registered")
        for link in self.oauth_links.added:
            if (link.provider, link.subject) in self.store.links:
                raise Conflict("auth.identity_linked", "this identity is linked already")
        for user in self.users.added:
            self.store.users[user.id] = user
        for link in self.oauth_links.added:
            self.store.links[(link.provider, link.subject)] = link
        for user in self._seen:
            self.store.events.extend(user.pull_events())
        self.store.events.extend(self._loose)
        self.users.added, self.oauth_links.added, self._loose = [], [], []
        self.commits += 1

    async def rollback(self) -> None:
        self.users.added, self.oauth_links.added, self._loose = [], [], []


class FakeAuditLog:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    async def append(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    async def search(self, query: AuditQuery, *, before: uuid.UUID | None, limit: int) -> list[AuditEntry]:
        found = [e for e in reversed(self.entries) if query.action in (None, e.action)]
        return found[:limit]

    def outcomes(self, action: str) -> list[tuple[str, str | None]]:
        return [
            (e.outcome, e.details.get("reason") or e.details.get("link")) for e in self.entries if e.action == action
        ]


class FakeAccessTokens:
    """Readable, unsigned stand-ins for access JWTs (the real ones are tested elsewhere)."""

    lifetime_seconds = 900

    def issue(self, *, user_id: uuid.UUID, role: str, session_id: str, now: dt.datetime) -> str:
        body = {"sub": str(user_id), "role": role, "sid": session_id, "exp": (now.timestamp() + 900)}
        return "fake." + base64.urlsafe_b64encode(json.dumps(body).encode()).decode()

    def verify(self, token: str, *, now: dt.datetime) -> AccessClaims:
        if not token.startswith("fake."):
            raise Unauthenticated("auth.invalid_token", "not a token")
        body = json.loads(base64.urlsafe_b64decode(token[5:]))
        return AccessClaims(
            uuid.UUID(body["sub"]), body["role"], body["sid"], dt.datetime.fromtimestamp(body["exp"], dt.UTC)
        )
