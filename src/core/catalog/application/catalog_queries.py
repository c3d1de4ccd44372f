"""The public catalog: browsing, one course's page, popular courses, view counting, caching.

Rendered responses are cached as bytes under a *generation*: publishing or archiving a course
increments one counter, which retires every cached page at once (no key scans, and every API
process sees the change on its next read). Rendering is the entrypoint's job (JSON for HTTP,
protobuf for gRPC), so the core never depends on a serialisation library.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable

from core.catalog.domain.tree import CategoryView
from core.shared.errors import NotFound, Unavailable
from ports.catalog.courses import CatalogEntry, CatalogPage, CatalogQuery, CatalogReader
from ports.catalog.repositories import CatalogUnitOfWork
from ports.shared.cache import Cache

UowFactory = Callable[[], CatalogUnitOfWork]
CategoryTree = Callable[[], Awaitable[list[CategoryView]]]
Render = Callable[[], Awaitable[bytes]]

GENERATION_KEY = "catalog:generation"
VIEWS_KEY = "catalog:views"  # all-time views per course id: the popularity ranking
PENDING_VIEWS_KEY = "catalog:views:pending"  # views not yet added to the database
DEFAULT_TTL = 300.0
MAX_LIMIT = 100
FLUSH_BATCH = 100
FLUSH_ROUNDS = 100  # at most FLUSH_BATCH * FLUSH_ROUNDS courses per run; the next run does the rest


class CatalogCache:
    """Owns the catalog's cache keys and their invalidation.

    Two tiers: the shared cache (Redis in production) and a small per-process memo of recent
    pages, so a warm page costs no I/O at all. The generation is re-read from the shared cache
    at most every ``generation_ttl`` seconds, so another process's publish is seen within that
    time (this process's own publishes at once); pages are keyed by generation, so a memo
    entry can never outlive the generation it was rendered for.
    """

    def __init__(
        self,
        cache: Cache,
        *,
        generation_ttl: float = 1.0,
        memo_entries: int = 256,
        memo_bytes: int = 8 * 1024 * 1024,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cache = cache
        self._generation_ttl = generation_ttl
        self._monotonic = monotonic
        self._generation: tuple[int, float] | None = None  # (value, read at)
        self._memo: collections.OrderedDict[str, tuple[bytes, str]] = collections.OrderedDict()
        self._memo_entries = memo_entries
        self._memo_bytes = memo_bytes
        self._memo_size = 0

    async def get_or_build(
        self, kind: str, params: str, build: Render, ttl: float = DEFAULT_TTL, *, request_key: str | None = None
    ) -> tuple[bytes, str]:
        """The cached body for (kind, params) or a freshly built one, with its ETag: a short
        hex hash of the body, unquoted (HTTP quotes it). ``kind`` should name the format too
        ("list.json", "course.pb"), since each entrypoint caches its own rendering.

        ``request_key``: the request exactly as the entrypoint received it (a raw query
        string, say); the page is also remembered under it, for ``recall``."""
        generation = await self.generation()
        memo_key = f"{kind}:{generation}:{params}"
        found = self._memo.get(memo_key)
        if found is not None:
            self._memo.move_to_end(memo_key)
        else:
            found = await self._shared(kind, generation, params, build, ttl)
            self._remember(memo_key, *found)
        if request_key is not None:
            alias = f"{kind}:{generation}:request:{request_key}"
            if alias not in self._memo:
                self._remember(alias, *found)
        return found

    async def recall(self, kind: str, request_key: str) -> tuple[bytes, str] | None:
        """The page this process served for exactly this request under the current
        generation, if it still remembers it: an entrypoint can answer a repeated request
        before parsing it (the parse already succeeded once, and its result was this page)."""
        generation = await self.generation()
        key = f"{kind}:{generation}:request:{request_key}"
        found = self._memo.get(key)
        if found is not None:
            self._memo.move_to_end(key)
        return found

    async def _shared(self, kind: str, generation: int, params: str, build: Render, ttl: float) -> tuple[bytes, str]:
        key = f"catalog:{kind}:{generation}:{hashlib.sha256(params.encode()).hexdigest()[:32]}"
        cached = await self._cache.get(key)
        if cached is not None:
            # Stored as "<etag>\n<body>": hashing a large page on every hit is wasted work.
            stored_etag, _, stored_body = cached.partition(b"\n")
            return stored_body, stored_etag.decode()
        body = await build()
        etag = etag_of(body)
        await self._cache.set(key, etag.encode() + b"\n" + body, ttl_seconds=ttl)
        return body, etag

    async def generation(self) -> int:
        now = self._monotonic()
        if self._generation is not None and now - self._generation[1] < self._generation_ttl:
            return self._generation[0]
        raw = await self._cache.get(GENERATION_KEY)
        value = int(raw) if raw else 0
        self._generation = (value, now)
        return value

    async def invalidate(self) -> None:
        value = await self._cache.incr(GENERATION_KEY)
        self._generation = (value, self._monotonic())
        self._memo.clear()
        self._memo_size = 0

    def _remember(self, key: str, body: bytes, etag: str) -> tuple[bytes, str]:
        # A page remembered under several keys is counted once per key: the bound errs low.
        if len(body) <= self._memo_bytes // 4:
            previous = self._memo.pop(key, None)  # two requests may build the same page at once
            if previous is not None:
                self._memo_size -= len(previous[0])
            self._memo[key] = (body, etag)
            self._memo_size += len(body)
            while len(self._memo) > self._memo_entries or self._memo_size > self._memo_bytes:
                _, (old, _) = self._memo.popitem(last=False)
                self._memo_size -= len(old)
        return body, etag


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:16]


async def forget_catalog(cache: CatalogCache) -> None:
    """Best effort after a commit: if the cache is down the TTL still converges it, and the
    change itself is already safe in the database."""
    with contextlib.suppress(Unavailable):
        await cache.invalidate()


class ListCatalog:
    """One page of published courses. ``category_ids`` match their subcategories too."""

    def __init__(self, reader: CatalogReader, category_tree: CategoryTree, cache: CatalogCache) -> None:
        self._reader, self._tree, self._cache = reader, category_tree, cache

    async def __call__(self, query: CatalogQuery) -> CatalogPage:
        return await self._reader.list_courses(await self.normalised(query))

    async def rendered(
        self,
        query: CatalogQuery,
        render: Callable[[CatalogPage], bytes],
        *,
        fmt: str,
        ttl: float = DEFAULT_TTL,
        request_key: str | None = None,
    ) -> tuple[bytes, str]:
        """The rendered page and its ETag, from the shared cache when it is warm.
        ``request_key``: the request as received, for ``recall`` (see ``CatalogCache``)."""
        query = await self.normalised(query)

        async def build() -> bytes:
            return render(await self._reader.list_courses(query))

        # The normalised query's repr is a complete, stable description of the page.
        return await self._cache.get_or_build(f"list.{fmt}", repr(query), build, ttl, request_key=request_key)

    async def recall(self, request_key: str, *, fmt: str) -> tuple[bytes, str] | None:
        """The page last rendered for exactly this request, while the catalog is unchanged."""
        return await self._cache.recall(f"list.{fmt}", request_key)

    async def normalised(self, query: CatalogQuery) -> CatalogQuery:
        limit = max(1, min(query.limit, MAX_LIMIT))
        if not query.category_ids and limit == query.limit:
            return query  # the common page needs no copy (this runs on every catalog request)
        categories = query.category_ids
        if categories:
            categories = descendants(await self._tree(), categories)
        return dataclasses.replace(query, category_ids=categories, limit=limit)


def descendants(tree: Iterable[CategoryView], roots: Iterable[uuid.UUID]) -> tuple[uuid.UUID, ...]:
    """The roots and every category below them, sorted (a stable cache key)."""
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for view in tree:
        children.setdefault(view.parent_id, []).append(view.id)
    found: set[uuid.UUID] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, ()))
    return tuple(sorted(found))


@dataclasses.dataclass(frozen=True)
class CourseRef:
    """A course by id or by slug (exactly one)."""

    course_id: uuid.UUID | None = None
    slug: str | None = None

    @classmethod
    def parse(cls, text: str) -> CourseRef:
        """What a client typed: a UUID is an id, anything else a slug."""
        ref = text.strip()
        try:
            return cls(course_id=uuid.UUID(ref))
        except ValueError:
            return cls(slug=ref[:200])


class GetCatalogCourse:
    """A published course's public page; drafts and archived courses do not exist here."""

    def __init__(self, reader: CatalogReader, cache: Cache, catalog_cache: CatalogCache) -> None:
        self._reader, self._cache, self._catalog_cache = reader, cache, catalog_cache

    async def __call__(self, ref: CourseRef) -> CatalogEntry:
        entry = await self._entry(ref)
        await record_view(self._cache, entry.course_id)
        return entry

    async def rendered(
        self, ref: CourseRef, render: Callable[[CatalogEntry], bytes], *, fmt: str, ttl: float = DEFAULT_TTL
    ) -> tuple[bytes, str]:
        async def build() -> bytes:
            # The id travels with the body so a cache hit by slug can still count the view.
            entry = await self._entry(ref)
            return entry.course_id.bytes + render(entry)

        params = f"id={ref.course_id}" if ref.course_id else f"slug={ref.slug}"
        framed, etag = await self._catalog_cache.get_or_build(f"course.{fmt}", params, build, ttl)
        await record_view(self._cache, uuid.UUID(bytes=framed[:16]))
        return framed[16:], etag

    async def _entry(self, ref: CourseRef) -> CatalogEntry:
        if ref.course_id is not None:
            entry = await self._reader.get_entry(ref.course_id)
        elif ref.slug:
            entry = await self._reader.get_entry_by_slug(ref.slug)
        else:
            entry = None
        if entry is None:
            details = {"course_id": str(ref.course_id)} if ref.course_id else {"slug": str(ref.slug)}
            raise NotFound("course.not_found", "course not found", details)
        return entry


async def record_view(cache: Cache, course_id: uuid.UUID) -> None:
    """Counting views must never break a page view: a cache outage loses a few counts."""
    with contextlib.suppress(Unavailable):
        await cache.zincr(VIEWS_KEY, str(course_id))
        await cache.zincr(PENDING_VIEWS_KEY, str(course_id))


class PopularCourses:
    """The most viewed published courses, best first."""

    def __init__(self, reader: CatalogReader, cache: Cache) -> None:
        self._reader, self._cache = reader, cache

    async def __call__(self, count: int = 10) -> list[CatalogEntry]:
        count = max(1, min(count, MAX_LIMIT))
        # Archived courses stay in the ranking until they age out; ask for a few more than needed.
        top = await self._cache.ztop(VIEWS_KEY, count * 2)
        entries = []
        for member, _ in top:
            entry = await self._reader.get_entry(uuid.UUID(member))
            if entry is not None:
                entries.append(entry)
            if len(entries) == count:
                return entries
        if len(entries) < count:
            # A cold cache (new deployment, restart): fall back to the database's counts.
            seen = {e.course_id for e in entries}
            page = await self._reader.list_courses(CatalogQuery(sort="popular", limit=count))
            entries += [e for e in page.items if e.course_id not in seen][: count - len(entries)]
        return entries


class FlushViews:
    """Moves counted views from the cache into the database; run by the scheduler.

    Each course's pending count is *taken* by an atomic decrement of exactly the amount read,
    so views arriving meanwhile stay pending, and a second run (even a concurrent one) finds
    nothing to take twice: a decrement that would go below zero means another run took those
    views first, and is undone.
    """

    def __init__(self, uow: UowFactory, cache: Cache) -> None:
        self._uow, self._cache = uow, cache

    async def __call__(self) -> int:
        """The number of views moved."""
        taken: dict[uuid.UUID, int] = {}
        for _ in range(FLUSH_ROUNDS):
            pending = await self._cache.zrange_by_score(PENDING_VIEWS_KEY, 1, float("inf"), limit=FLUSH_BATCH)
            if not pending:
                break
            for member, score in pending:
                count = int(score)
                left = await self._cache.zincr(PENDING_VIEWS_KEY, member, -count)
                if left < 0:
                    await self._cache.zincr(PENDING_VIEWS_KEY, member, count)
                    continue
                course_id = uuid.UUID(member)
                taken[course_id] = taken.get(course_id, 0) + count
        await self._cache.zremove_by_score(PENDING_VIEWS_KEY, 0, 0)
        if not taken:
            return 0
        try:
            async with self._uow() as uow:
                await uow.courses.add_views(taken)
                await uow.commit()
        except BaseException:
            # Not written: give the views back so the next run moves them.
            for course_id, count in taken.items():
                await self._cache.zincr(PENDING_VIEWS_KEY, str(course_id), count)
            raise
        return sum(taken.values())


class InvalidateCatalog:
    """For the event handler: a course was published, changed or archived elsewhere."""

    def __init__(self, catalog_cache: CatalogCache) -> None:
        self._catalog_cache = catalog_cache

    async def __call__(self) -> None:
        await self._catalog_cache.invalidate()
