"""``lyceum.catalog.v1.CatalogService``: the category tree and the public course catalog for
mobile clients (course pages are cached as protobuf bytes, like HTTP caches its JSON)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import grpc

from core.catalog.application.catalog_queries import CourseRef, GetCatalogCourse, ListCatalog
from core.catalog.application.course_search import CourseSearchQuery, SearchCourses
from core.catalog.domain.tree import CategoryView
from core.shared.errors import InvalidInput
from core.shared.ids import parse_id
from entrypoints.grpc.generated.lyceum.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from ports.catalog.courses import CATALOG_SORTS, CatalogEntry, CatalogPage, CatalogQuery

ListTree = Callable[[], Awaitable[list[CategoryView]]]
GetOne = Callable[[uuid.UUID], Awaitable[CategoryView]]

SERVICE_NAME: str = catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name


def to_message(view: CategoryView) -> catalog_pb2.Category:
    message = catalog_pb2.Category(
        id=str(view.id),
        name=view.name,
        slug=view.slug,
        depth=view.depth,
        position=view.position,
        path=view.path,
    )
    # parent_id is `optional` in the proto: a root leaves it unset rather than "".
    if view.parent_id is not None:
        message.parent_id = str(view.parent_id)
    return message


def card_message(entry: CatalogEntry) -> catalog_pb2.CourseCard:
    message = catalog_pb2.CourseCard(
        id=str(entry.course_id),
        slug=entry.slug,
        title=entry.title,
        subtitle=entry.subtitle,
        language=entry.language,
        difficulty=entry.difficulty,
        duration_minutes=entry.duration_minutes,
        price=catalog_pb2.Price(amount_minor=entry.price_amount, currency=entry.price_currency),
        tags=list(entry.tags),
        instructor_ids=[str(i) for i in entry.instructor_ids],
        lesson_count=entry.lesson_count,
        published_at=entry.published_at.isoformat(),
        views=entry.views,
        revision=entry.revision,
    )
    if entry.category_id is not None:
        message.category_id = str(entry.category_id)
    if entry.cover_key is not None:
        message.cover_key = entry.cover_key
    return message


def course_message(entry: CatalogEntry) -> catalog_pb2.Course:
    message = catalog_pb2.Course(
        card=card_message(entry),
        description_html=entry.description_html,
        objectives=list(entry.objectives),
        prerequisite_ids=[str(i) for i in entry.prerequisite_ids],
        price_overrides=dict(entry.price_overrides),
        syllabus=[
            catalog_pb2.SyllabusSection(
                id=str(section.id),
                title=section.title,
                lessons=[
                    catalog_pb2.SyllabusLesson(
                        id=str(lesson.id),
                        title=lesson.title,
                        kind=lesson.kind,
                        free_preview=lesson.free_preview,
                        drip_days=lesson.drip_days,
                    )
                    for lesson in section.lessons
                ],
            )
            for section in entry.syllabus
        ],
    )
    if entry.capacity is not None:
        message.capacity = entry.capacity
    return message


def _render_page(page: CatalogPage) -> bytes:
    response = catalog_pb2.ListCoursesResponse(
        courses=[card_message(e) for e in page.items], next_cursor=page.next_cursor or ""
    )
    return response.SerializeToString()


def _render_course(entry: CatalogEntry) -> bytes:
    return course_message(entry).SerializeToString()


def catalog_query(request: catalog_pb2.ListCoursesRequest) -> CatalogQuery:
    def optional(field: str) -> object:
        return getattr(request, field) if request.HasField(field) else None

    sort = request.sort or "newest"
    if sort not in CATALOG_SORTS:
        raise InvalidInput("catalog.sort", f"sort is one of {', '.join(CATALOG_SORTS)}", {"sort": sort})
    category = optional("category_id")
    instructor = optional("instructor_id")
    currency = optional("currency")
    return CatalogQuery(
        category_ids=(parse_id(str(category), what="category_id"),) if category else (),
        difficulty=request.difficulty if request.HasField("difficulty") else None,
        language=request.language if request.HasField("language") else None,
        currency=str(currency).upper() if currency else None,
        price_min=request.price_min if request.HasField("price_min") else None,
        price_max=request.price_max if request.HasField("price_max") else None,
        free=request.free if request.HasField("free") else None,
        duration_min=request.duration_min if request.HasField("duration_min") else None,
        duration_max=request.duration_max if request.HasField("duration_max") else None,
        instructor_id=parse_id(str(instructor), what="instructor_id") if instructor else None,
        sort=sort,  # type: ignore[arg-type]
        cursor=request.cursor or None,
        limit=request.limit or 20,
    )


class CatalogServicer(catalog_pb2_grpc.CatalogServiceServicer):
    """Errors are not handled here: DomainErrorInterceptor maps them for every method."""

    def __init__(
        self,
        list_tree: ListTree,
        get_category: GetOne,
        list_catalog: ListCatalog | None = None,
        get_course: GetCatalogCourse | None = None,
        search: SearchCourses | None = None,
    ) -> None:
        self._list_tree = list_tree
        self._get_category = get_category
        self._list_catalog = list_catalog
        self._get_course = get_course
        self._search = search

    async def ListCategories(
        self, request: catalog_pb2.ListCategoriesRequest, context: grpc.aio.ServicerContext
    ) -> catalog_pb2.ListCategoriesResponse:
        tree = await self._list_tree()
        return catalog_pb2.ListCategoriesResponse(categories=[to_message(view) for view in tree])

    async def GetCategory(
        self, request: catalog_pb2.GetCategoryRequest, context: grpc.aio.ServicerContext
    ) -> catalog_pb2.Category:
        category_id = parse_id(request.id, what="id")
        return to_message(await self._get_category(category_id))

    async def ListCourses(
        self, request: catalog_pb2.ListCoursesRequest, context: grpc.aio.ServicerContext
    ) -> catalog_pb2.ListCoursesResponse:
        assert self._list_catalog is not None
        body, _ = await self._list_catalog.rendered(catalog_query(request), _render_page, fmt="pb")
        return catalog_pb2.ListCoursesResponse.FromString(body)

    async def GetCourse(
        self, request: catalog_pb2.GetCourseRequest, context: grpc.aio.ServicerContext
    ) -> catalog_pb2.Course:
        assert self._get_course is not None
        course_ref = CourseRef.parse(request.id_or_slug)
        body, _ = await self._get_course.rendered(course_ref, _render_course, fmt="pb")
        return catalog_pb2.Course.FromString(body)

    async def Search(
        self, request: catalog_pb2.SearchRequest, context: grpc.aio.ServicerContext
    ) -> catalog_pb2.SearchResponse:
        assert self._search is not None
        category = request.category_id if request.HasField("category_id") else None
        instructor = request.instructor_id if request.HasField("instructor_id") else None
        query = CourseSearchQuery(
            q=request.query,
            category_id=parse_id(category, what="category_id") if category else None,
            difficulty=request.difficulty if request.HasField("difficulty") else None,
            language=request.language if request.HasField("language") else None,
            price_band=request.price_band if request.HasField("price_band") else None,
            instructor_id=parse_id(instructor, what="instructor_id") if instructor else None,
            page=request.page or 1,
            limit=request.per_page or 20,
        )
        page = await self._search(query)
        return catalog_pb2.SearchResponse(
            hits=[
                catalog_pb2.SearchHit(course_id=str(h.course_id), slug=h.slug, title=h.title, subtitle=h.subtitle)
                for h in page.hits
            ],
            found=page.found,
            facets=[
                catalog_pb2.Facet(
                    field=name, counts=[catalog_pb2.FacetCount(value=b.value, count=b.count) for b in buckets]
                )
                for name, buckets in page.facets.items()
            ],
        )
