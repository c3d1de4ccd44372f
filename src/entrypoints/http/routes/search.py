"""/api/v1/search: typo-tolerant course search with facets, and search inside course materials.

Course search is public. Content search is public for lesson titles and articles of published
courses; quiz text is searchable only by the instructors of that course and by admins. People
search (instructors and students by name) is ``/api/v1/search/people``, the same search as
``GET /api/v1/users``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter

from core.catalog.application.course_search import (
    ContentSearchPage,
    ContentSearchQuery,
    CourseSearchPage,
    CourseSearchQuery,
)
from core.catalog.application.instructors import MyCoursesQuery
from core.catalog.domain.search_documents import Highlight
from core.identity.application.context import Principal
from core.identity.domain.roles import Permission
from core.shared.errors import InvalidInput
from entrypoints.http.auth import requires
from entrypoints.http.dependencies import container_of
from entrypoints.http.routes.users import PublicUserPage, people_page
from ports.identity.repositories import UserFilter

SORTS = ("relevance", "newest", "popular")
# The content search names at most this many taught courses (a filter's value limit).
MAX_TAUGHT = 99


class HighlightDto(msgspec.Struct):
    field: str
    snippet: str
    # [start, end) character offsets of the matched words in ``snippet``.
    marks: list[tuple[int, int]]


class CourseHitDto(msgspec.Struct):
    course_id: uuid.UUID
    slug: str
    title: str
    subtitle: str
    language: str
    difficulty: str
    price_amount: int
    currency: str
    price_band: str
    highlights: list[HighlightDto]


class FacetBucketDto(msgspec.Struct):
    value: str
    count: int


class CourseResults(msgspec.Struct):
    hits: list[CourseHitDto]
    found: int
    page: int
    limit: int
    facets: dict[str, list[FacetBucketDto]]


class ContentHitDto(msgspec.Struct):
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    course_title: str
    course_slug: str
    lesson_title: str
    kind: str
    audience: str
    highlights: list[HighlightDto]


class ContentResults(msgspec.Struct):
    hits: list[ContentHitDto]
    found: int
    page: int
    limit: int


def _highlights(items: tuple[Highlight, ...]) -> list[HighlightDto]:
    return [HighlightDto(h.field, h.snippet, [tuple(m) for m in h.marks]) for h in items]  # type: ignore[misc]


def course_results(page: CourseSearchPage) -> CourseResults:
    return CourseResults(
        hits=[
            CourseHitDto(
                h.course_id,
                h.slug,
                h.title,
                h.subtitle,
                h.language,
                h.difficulty,
                h.price_amount,
                h.currency,
                h.price_band,
                _highlights(h.highlights),
            )
            for h in page.hits
        ],
        found=page.found,
        page=page.page,
        limit=page.limit,
        facets={name: [FacetBucketDto(b.value, b.count) for b in buckets] for name, buckets in page.facets.items()},
    )


def content_results(page: ContentSearchPage) -> ContentResults:
    return ContentResults(
        hits=[
            ContentHitDto(
                h.lesson_id,
                h.course_id,
                h.course_title,
                h.course_slug,
                h.lesson_title,
                h.kind,
                h.audience,
                _highlights(h.highlights),
            )
            for h in page.hits
        ],
        found=page.found,
        page=page.page,
        limit=page.limit,
    )


def _optional_principal(request: Request[Any, Any, Any]) -> Principal | None:
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


class SearchController(Controller):
    path = "/api/v1/search"
    tags = ["search"]

    @get(
        "/courses",
        summary="Search published courses (typo tolerant) with facets",
        description=(
            "Facets: category (ids; a course counts under every ancestor), difficulty, language, "
            "price_band (free, under_20, 20_50, 50_100, over_100 in major units of the course's "
            "currency). `category_id` matches subcategories too."
        ),
    )
    async def search_courses(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str, QueryParameter(max_length=512)] = "",
        category_id: FromQuery[uuid.UUID | None] = None,
        difficulty: Annotated[str | None, QueryParameter(max_length=20)] = None,
        language: Annotated[str | None, QueryParameter(max_length=8)] = None,
        price_band: Annotated[str | None, QueryParameter(max_length=20)] = None,
        free: FromQuery[bool | None] = None,
        instructor_id: FromQuery[uuid.UUID | None] = None,
        sort: Annotated[str, QueryParameter(max_length=20)] = "relevance",
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> CourseResults:
        if sort not in SORTS:
            raise InvalidInput("search.sort", f"sort is one of {', '.join(SORTS)}", {"sort": sort})
        query = CourseSearchQuery(
            q=q,
            category_id=category_id,
            difficulty=difficulty,
            language=language,
            price_band=price_band,
            free=free,
            instructor_id=instructor_id,
            sort=sort,  # type: ignore[arg-type]
            page=page,
            limit=limit,
        )
        return course_results(await container_of(request).catalog.search_courses()(query))

    @get(
        "/content",
        summary="Search lesson titles and articles (and quiz text, for a course's instructors)",
    )
    async def search_content(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str, QueryParameter(min_length=1, max_length=512)],
        course_id: FromQuery[uuid.UUID | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> ContentResults:
        catalog = container_of(request).catalog
        principal = _optional_principal(request)
        taught: tuple[uuid.UUID, ...] = ()
        everything = False
        if principal is not None and principal.can(Permission.COURSES_REVIEW):
            everything = True
        elif principal is not None and principal.can(Permission.COURSES_AUTHOR):
            mine = await catalog.my_courses()(principal, MyCoursesQuery(limit=MAX_TAUGHT))
            taught = tuple(c.id for c in mine.items)
        query = ContentSearchQuery(
            q=q,
            course_id=course_id,
            instructor_content_for=taught,
            all_instructor_content=everything,
            page=page,
            limit=limit,
        )
        return content_results(await catalog.search_content()(query))

    @get(
        "/people",
        guards=[requires(Permission.USERS_SEARCH_PUBLIC)],
        summary="Find instructors and students by name (those who show themselves; admins: everyone)",
    )
    async def search_people(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str, QueryParameter(min_length=1, max_length=100)],
        role: Annotated[str | None, QueryParameter(max_length=20)] = None,
        cursor: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> PublicUserPage:
        return await people_page(request, UserFilter(text=q, roles=(role,) if role else ()), cursor, limit)
