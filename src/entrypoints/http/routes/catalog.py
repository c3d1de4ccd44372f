"""The public catalog over HTTP: published courses only, cached as rendered bytes with ETags.

Pages are rendered here (msgspec JSON) and cached by the core's catalog cache under a
generation that every publish/archive retires, so a warm page costs two cache reads and no
database work; ``If-None-Match`` gets a 304 without a body.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import gzip
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from litestar.types import ASGIApp, Receive, Scope, Send

from core.catalog.application.catalog_queries import CourseRef
from core.shared.errors import InvalidInput, Unavailable
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.http.dependencies import container_of
from ports.catalog.courses import CATALOG_SORTS, CatalogEntry, CatalogPage, CatalogQuery

CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=120"
_encoder = msgspec.json.Encoder()


class Price(msgspec.Struct):
    amount_minor: int
    currency: str


class CourseCard(msgspec.Struct):
    id: uuid.UUID
    slug: str
    title: str
    subtitle: str
    language: str
    difficulty: str
    duration_minutes: int
    price: Price
    free: bool
    category_id: uuid.UUID | None
    tags: list[str]
    cover_key: str | None
    instructor_ids: list[uuid.UUID]
    lesson_count: int
    published_at: dt.datetime
    views: int


class CatalogList(msgspec.Struct):
    items: list[CourseCard]
    next_cursor: str | None


class SyllabusLesson(msgspec.Struct):
    id: uuid.UUID
    title: str
    kind: str
    free_preview: bool
    drip_days: int | None


class SyllabusSection(msgspec.Struct):
    id: uuid.UUID
    title: str
    lessons: list[SyllabusLesson]


class CatalogCourse(msgspec.Struct):
    """A published course's page: the live revision, syllabus as titles only."""

    id: uuid.UUID
    slug: str
    revision: int
    title: str
    subtitle: str
    description_html: str
    language: str
    difficulty: str
    duration_minutes: int
    price: Price
    free: bool
    price_overrides: dict[str, int]
    category_id: uuid.UUID | None
    tags: list[str]
    cover_key: str | None
    owner_id: uuid.UUID
    instructor_ids: list[uuid.UUID]
    prerequisite_ids: list[uuid.UUID]
    objectives: list[str]
    capacity: int | None
    lesson_count: int
    syllabus: list[SyllabusSection]
    published_at: dt.datetime
    updated_at: dt.datetime


class PopularList(msgspec.Struct):
    items: list[CourseCard]


def card(entry: CatalogEntry) -> CourseCard:
    return CourseCard(
        id=entry.course_id,
        slug=entry.slug,
        title=entry.title,
        subtitle=entry.subtitle,
        language=entry.language,
        difficulty=entry.difficulty,
        duration_minutes=entry.duration_minutes,
        price=Price(entry.price_amount, entry.price_currency),
        free=entry.price_amount == 0,
        category_id=entry.category_id,
        tags=list(entry.tags),
        cover_key=entry.cover_key,
        instructor_ids=list(entry.instructor_ids),
        lesson_count=entry.lesson_count,
        published_at=entry.published_at,
        views=entry.views,
    )


def course_page(entry: CatalogEntry) -> CatalogCourse:
    return CatalogCourse(
        id=entry.course_id,
        slug=entry.slug,
        revision=entry.revision,
        title=entry.title,
        subtitle=entry.subtitle,
        description_html=entry.description_html,
        language=entry.language,
        difficulty=entry.difficulty,
        duration_minutes=entry.duration_minutes,
        price=Price(entry.price_amount, entry.price_currency),
        free=entry.price_amount == 0,
        price_overrides=dict(entry.price_overrides),
        category_id=entry.category_id,
        tags=list(entry.tags),
        cover_key=entry.cover_key,
        owner_id=entry.owner_id,
        instructor_ids=list(entry.instructor_ids),
        prerequisite_ids=list(entry.prerequisite_ids),
        objectives=list(entry.objectives),
        capacity=entry.capacity,
        lesson_count=entry.lesson_count,
        syllabus=[
            SyllabusSection(
                s.id,
                s.title,
                [SyllabusLesson(x.id, x.title, x.kind, x.free_preview, x.drip_days) for x in s.lessons],
            )
            for s in entry.syllabus
        ],
        published_at=entry.published_at,
        updated_at=entry.updated_at,
    )


def render_page(page: CatalogPage) -> bytes:
    return _encoder.encode(CatalogList([card(e) for e in page.items], page.next_cursor))


def render_course(entry: CatalogEntry) -> bytes:
    return _encoder.encode(course_page(entry))


_CACHE_CONTROL = (b"cache-control", CACHE_CONTROL.encode())
_JSON = (b"content-type", b"application/json")


class CachedBody:
    """A ready ASGI response for a cached page. On the hottest public read, building a
    Litestar ``Response`` and its header objects cost as much as the rest of the warm path."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        self.status, self.body, self.headers = status, body, headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


class _Gzipped:
    """Compressed bodies by ETag, made once per page and process rather than per request
    (the route skips the compression middleware). Bounded: the newest few hundred pages."""

    def __init__(self, entries: int = 256) -> None:
        self._entries = entries
        self._bodies: collections.OrderedDict[bytes, bytes] = collections.OrderedDict()

    def get(self, etag: bytes, body: bytes) -> bytes:
        found = self._bodies.get(etag)
        if found is None:
            found = self._bodies[etag] = gzip.compress(body, compresslevel=6, mtime=0)
            while len(self._bodies) > self._entries:
                self._bodies.popitem(last=False)
        return found


_gzipped = _Gzipped()
SKIP_COMPRESSION = {"skip_compression": True}
_VARY = (b"vary", b"accept-encoding")


def _cached(scope: Scope, body: bytes, etag: str) -> CachedBody:
    quoted = f'"{etag}"'.encode()
    headers = [(b"etag", quoted), _CACHE_CONTROL, _VARY]
    sent = dict(scope["headers"])
    if quoted in sent.get(b"if-none-match", b""):
        return CachedBody(HTTP_304_NOT_MODIFIED, b"", headers)
    if len(body) >= 1024 and b"gzip" in sent.get(b"accept-encoding", b""):
        body = _gzipped.get(quoted, body)
        headers.append((b"content-encoding", b"gzip"))
    headers += [_JSON, (b"content-length", str(len(body)).encode())]
    return CachedBody(HTTP_200_OK, body, headers)


# Longer query strings are parsed every time: they are not the browsing pages worth keeping.
_RECALL_MAX_QUERY = 512


class RecallPage:
    """Route middleware for the catalog list: a query string this process has already
    answered, under the unchanged catalog, gets the same page again before Litestar parses
    and validates its thirteen parameters (which cost more than the rest of a warm request).
    Only pages the handler produced are recalled, so an invalid query never skips validation;
    authentication, the IP filter and rate limits run before this, as for any route."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: bytes = scope.get("query_string", b"")
        if len(raw) <= _RECALL_MAX_QUERY:
            container: ApplicationContainer = scope["litestar_app"].state.container
            with contextlib.suppress(Unavailable):  # cache down: the handler reports it properly
                page = await container.catalog.list_catalog().recall(raw.decode("latin-1"), fmt="json")
                if page is not None:
                    await _cached(scope, *page)(scope, receive, send)
                    return
        await self._app(scope, receive, send)


class CatalogController(Controller):
    path = "/api/v1/catalog"
    tags = ["catalog"]

    @get(
        "/courses",
        summary="Published courses: filters, sorting and cursor pagination",
        description=(
            "`category_id` includes its subcategories. Price bounds are integer minor units in "
            "`currency`. Sorts: newest (default), popular, price_asc, price_desc, title. "
            "Pass `next_cursor` back as `cursor` for the next page."
        ),
        cache=False,
        opt=SKIP_COMPRESSION,
        middleware=[RecallPage],
        responses={200: ResponseSpec(data_container=CatalogList, description="One page")},
    )
    async def list_courses(
        self,
        request: Request[Any, Any, Any],
        category_id: FromQuery[uuid.UUID | None] = None,
        difficulty: Annotated[str | None, QueryParameter(max_length=20)] = None,
        language: Annotated[str | None, QueryParameter(max_length=8)] = None,
        currency: Annotated[str | None, QueryParameter(min_length=3, max_length=3)] = None,
        price_min: Annotated[int | None, QueryParameter(ge=0)] = None,
        price_max: Annotated[int | None, QueryParameter(ge=0)] = None,
        free: FromQuery[bool | None] = None,
        duration_min: Annotated[int | None, QueryParameter(ge=0)] = None,
        duration_max: Annotated[int | None, QueryParameter(ge=0)] = None,
        instructor_id: FromQuery[uuid.UUID | None] = None,
        sort: Annotated[str, QueryParameter(max_length=20)] = "newest",
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> CachedBody:
        if sort not in CATALOG_SORTS:
            raise InvalidInput("catalog.sort", f"sort is one of {', '.join(CATALOG_SORTS)}", {"sort": sort})
        query = CatalogQuery(
            category_ids=(category_id,) if category_id else (),
            difficulty=difficulty,
            language=language,
            currency=currency.upper() if currency else None,
            price_min=price_min,
            price_max=price_max,
            free=free,
            duration_min=duration_min,
            duration_max=duration_max,
            instructor_id=instructor_id,
            sort=sort,  # type: ignore[arg-type]
            cursor=cursor,
            limit=limit,
        )
        raw: bytes = request.scope.get("query_string", b"")
        body, etag = (
            await container_of(request)
            .catalog.list_catalog()
            .rendered(
                query,
                render_page,
                fmt="json",
                request_key=raw.decode("latin-1") if len(raw) <= _RECALL_MAX_QUERY else None,
            )
        )
        return _cached(request.scope, body, etag)

    @get(
        "/courses/{ref:str}",
        summary="A published course by id or slug, with its syllabus (titles only)",
        cache=False,
        opt=SKIP_COMPRESSION,
        responses={200: ResponseSpec(data_container=CatalogCourse, description="The course")},
    )
    async def get_course(self, request: Request[Any, Any, Any], ref: FromPath[str]) -> CachedBody:
        course_ref = CourseRef.parse(ref)
        use_case = container_of(request).catalog.get_catalog_course()
        body, etag = await use_case.rendered(course_ref, render_course, fmt="json")
        return _cached(request.scope, body, etag)

    @get("/popular", summary="The most viewed published courses", cache=False)
    async def popular(
        self, request: Request[Any, Any, Any], limit: Annotated[int, QueryParameter(ge=1, le=50)] = 10
    ) -> PopularList:
        entries = await container_of(request).catalog.popular_courses()(limit)
        return PopularList([card(e) for e in entries])
