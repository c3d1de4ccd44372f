"""Sessions and refresh tokens on the cache port (Redis in production)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from core.identity.application.context import RequestContext
from core.identity.domain.sessions import (
    MAX_SESSIONS_PER_USER,
    REFRESH_TTL_SECONDS,
    REUSE_GRACE_SECONDS,
    Session,
    describe_device,
    new_token,
    token_hash,
)
from core.shared.errors import Unauthenticated
from ports.shared.cache import Cache


@dataclasses.dataclass(frozen=True)
class Rotation:
    session: Session
    refresh_token: str


class RefreshReuse(Unauthenticated):
    """A spent refresh token came back after the grace window: the session was revoked."""


class SessionStore:
    def __init__(
        self, cache: Cache, *, ttl_seconds: int = REFRESH_TTL_SECONDS, grace_seconds: float = REUSE_GRACE_SECONDS
    ) -> None:
        self._cache = cache
        self._ttl = ttl_seconds
        self._grace = grace_seconds

    # keys
    @staticmethod
    def _session_key(session_id: str) -> str:
        return f"auth:session:{session_id}"

    @staticmethod
    def _refresh_key(digest: str) -> str:
        return f"auth:refresh:{digest}"

    @staticmethod
    def _spent_key(digest: str) -> str:
        return f"auth:refresh-spent:{digest}"

    @staticmethod
    def _user_key(user_id: uuid.UUID) -> str:
        return f"auth:user-sessions:{user_id}"

    async def start(
        self, user_id: uuid.UUID, ctx: RequestContext, *, now: dt.datetime, second_factor: bool
    ) -> Rotation:
        session = Session(
            id=new_token()[:22],
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(seconds=self._ttl),
            ip=ctx.ip,
            user_agent=ctx.user_agent[:300],
            device=describe_device(ctx.user_agent),
            second_factor=second_factor,
        )
        await self._cache.set(self._session_key(session.id), session.to_json(), ttl_seconds=self._ttl)
        await self._cache.zset(
            self._user_key(user_id), session.id, session.expires_at.timestamp(), ttl_seconds=self._ttl
        )
        await self._trim(user_id, now)
        return Rotation(session, await self._issue(session.id))

    async def rotate(self, refresh_token: str, ctx: RequestContext, *, now: dt.datetime) -> Rotation:
        digest = token_hash(refresh_token)
        session_id = await self._cache.get(self._refresh_key(digest))
        if session_id is None:
            raise Unauthenticated("auth.invalid_refresh_token", "the refresh token is not valid")
        sid = session_id.decode()
        if not await self._cache.add(self._spent_key(digest), str(now.timestamp()).encode(), ttl_seconds=self._ttl):
            spent_at = float((await self._cache.get(self._spent_key(digest))) or b"0")
            if now.timestamp() - spent_at <= self._grace:
                raise Unauthenticated("auth.refresh_token_rotated", "this refresh token was just used; retry")
            await self.revoke(sid)
            raise RefreshReuse(
                "auth.refresh_token_reused", "the refresh token was used twice; sign in again", {"session_id": sid}
            )
        session = await self.get(sid)
        if session is None:
            raise Unauthenticated("auth.session_revoked", "the session has ended; sign in again")
        session.last_seen_at, session.ip = now, ctx.ip or session.ip
        await self._cache.set(self._session_key(sid), session.to_json(), ttl_seconds=self._remaining(session, now))
        return Rotation(session, await self._issue(sid, ttl=self._remaining(session, now)))

    async def get(self, session_id: str) -> Session | None:
        raw = await self._cache.get(self._session_key(session_id))
        return Session.from_json(raw) if raw else None

    async def list(self, user_id: uuid.UUID, *, now: dt.datetime) -> list[Session]:
        await self._cache.zremove_by_score(self._user_key(user_id), float("-inf"), now.timestamp())
        ids = await self._cache.zrange_by_score(
            self._user_key(user_id), now.timestamp(), float("inf"), limit=MAX_SESSIONS_PER_USER * 2
        )
        sessions = [s for sid, _ in ids if (s := await self.get(sid)) is not None]
        return sorted(sessions, key=lambda s: s.last_seen_at, reverse=True)

    async def revoke(self, session_id: str) -> Session | None:
        """End a session: its refresh tokens stop working at once (they need the session)."""
        session = await self.get(session_id)
        await self._cache.delete(self._session_key(session_id))
        if session is not None:
            await self._cache.zremove(self._user_key(session.user_id), session_id)
        return session

    async def revoke_all(self, user_id: uuid.UUID, *, now: dt.datetime, keep: str | None = None) -> int:
        ended = 0
        for session in await self.list(user_id, now=now):
            if session.id != keep:
                await self.revoke(session.id)
                ended += 1
        return ended

    async def _issue(self, session_id: str, *, ttl: float | None = None) -> str:
        token = new_token()
        await self._cache.set(self._refresh_key(token_hash(token)), session_id.encode(), ttl_seconds=ttl or self._ttl)
        return token

    async def _trim(self, user_id: uuid.UUID, now: dt.datetime) -> None:
        # Every sign-in runs this: two cheap index operations, and the sessions themselves are
        # read only when there are too many (reading them all each time made a sign-in cost
        # grow with the number of devices).
        key = self._user_key(user_id)
        await self._cache.zremove_by_score(key, float("-inf"), now.timestamp())
        if await self._cache.zcount(key, now.timestamp(), float("inf")) <= MAX_SESSIONS_PER_USER:
            return
        sessions = await self.list(user_id, now=now)
        for stale in sessions[MAX_SESSIONS_PER_USER:]:
            await self.revoke(stale.id)

    @staticmethod
    def _remaining(session: Session, now: dt.datetime) -> float:
        return max((session.expires_at - now).total_seconds(), 1.0)
