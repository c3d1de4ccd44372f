from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Price(_message.Message):
    __slots__ = ("amount_minor", "currency")
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    amount_minor: int
    currency: str
    def __init__(self, amount_minor: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class CourseCard(_message.Message):
    __slots__ = ("id", "slug", "title", "subtitle", "language", "difficulty", "duration_minutes", "price", "category_id", "tags", "cover_key", "instructor_ids", "lesson_count", "published_at", "views", "revision")
    ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUBTITLE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    COVER_KEY_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    LESSON_COUNT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    id: str
    slug: str
    title: str
    subtitle: str
    language: str
    difficulty: str
    duration_minutes: int
    price: Price
    category_id: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    cover_key: str
    instructor_ids: _containers.RepeatedScalarFieldContainer[str]
    lesson_count: int
    published_at: str
    views: int
    revision: int
    def __init__(self, id: _Optional[str] = ..., slug: _Optional[str] = ..., title: _Optional[str] = ..., subtitle: _Optional[str] = ..., language: _Optional[str] = ..., difficulty: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., price: _Optional[_Union[Price, _Mapping]] = ..., category_id: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., cover_key: _Optional[str] = ..., instructor_ids: _Optional[_Iterable[str]] = ..., lesson_count: _Optional[int] = ..., published_at: _Optional[str] = ..., views: _Optional[int] = ..., revision: _Optional[int] = ...) -> None: ...

class SyllabusLesson(_message.Message):
    __slots__ = ("id", "title", "kind", "free_preview", "drip_days")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FREE_PREVIEW_FIELD_NUMBER: _ClassVar[int]
    DRIP_DAYS_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    kind: str
    free_preview: bool
    drip_days: int
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[str] = ..., free_preview: _Optional[bool] = ..., drip_days: _Optional[int] = ...) -> None: ...

class SyllabusSection(_message.Message):
    __slots__ = ("id", "title", "lessons")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    LESSONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    lessons: _containers.RepeatedCompositeFieldContainer[SyllabusLesson]
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., lessons: _Optional[_Iterable[_Union[SyllabusLesson, _Mapping]]] = ...) -> None: ...

class Course(_message.Message):
    __slots__ = ("card", "description_html", "objectives", "prerequisite_ids", "price_overrides", "capacity", "syllabus")
    class PriceOverridesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CARD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_HTML_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    PREREQUISITE_IDS_FIELD_NUMBER: _ClassVar[int]
    PRICE_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    SYLLABUS_FIELD_NUMBER: _ClassVar[int]
    card: CourseCard
    description_html: str
    objectives: _containers.RepeatedScalarFieldContainer[str]
    prerequisite_ids: _containers.RepeatedScalarFieldContainer[str]
    price_overrides: _containers.ScalarMap[str, int]
    capacity: int
    syllabus: _containers.RepeatedCompositeFieldContainer[SyllabusSection]
    def __init__(self, card: _Optional[_Union[CourseCard, _Mapping]] = ..., description_html: _Optional[str] = ..., objectives: _Optional[_Iterable[str]] = ..., prerequisite_ids: _Optional[_Iterable[str]] = ..., price_overrides: _Optional[_Mapping[str, int]] = ..., capacity: _Optional[int] = ..., syllabus: _Optional[_Iterable[_Union[SyllabusSection, _Mapping]]] = ...) -> None: ...

class ListCoursesRequest(_message.Message):
    __slots__ = ("category_id", "difficulty", "language", "currency", "price_min", "price_max", "free", "duration_min", "duration_max", "instructor_id", "sort", "cursor", "limit")
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PRICE_MIN_FIELD_NUMBER: _ClassVar[int]
    PRICE_MAX_FIELD_NUMBER: _ClassVar[int]
    FREE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MIN_FIELD_NUMBER: _ClassVar[int]
    DURATION_MAX_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    category_id: str
    difficulty: str
    language: str
    currency: str
    price_min: int
    price_max: int
    free: bool
    duration_min: int
    duration_max: int
    instructor_id: str
    sort: str
    cursor: str
    limit: int
    def __init__(self, category_id: _Optional[str] = ..., difficulty: _Optional[str] = ..., language: _Optional[str] = ..., currency: _Optional[str] = ..., price_min: _Optional[int] = ..., price_max: _Optional[int] = ..., free: _Optional[bool] = ..., duration_min: _Optional[int] = ..., duration_max: _Optional[int] = ..., instructor_id: _Optional[str] = ..., sort: _Optional[str] = ..., cursor: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListCoursesResponse(_message.Message):
    __slots__ = ("courses", "next_cursor")
    COURSES_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    courses: _containers.RepeatedCompositeFieldContainer[CourseCard]
    next_cursor: str
    def __init__(self, courses: _Optional[_Iterable[_Union[CourseCard, _Mapping]]] = ..., next_cursor: _Optional[str] = ...) -> None: ...

class GetCourseRequest(_message.Message):
    __slots__ = ("id_or_slug",)
    ID_OR_SLUG_FIELD_NUMBER: _ClassVar[int]
    id_or_slug: str
    def __init__(self, id_or_slug: _Optional[str] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ("query", "category_id", "difficulty", "language", "price_band", "instructor_id", "page", "per_page")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_ID_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PRICE_BAND_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PER_PAGE_FIELD_NUMBER: _ClassVar[int]
    query: str
    category_id: str
    difficulty: str
    language: str
    price_band: str
    instructor_id: str
    page: int
    per_page: int
    def __init__(self, query: _Optional[str] = ..., category_id: _Optional[str] = ..., difficulty: _Optional[str] = ..., language: _Optional[str] = ..., price_band: _Optional[str] = ..., instructor_id: _Optional[str] = ..., page: _Optional[int] = ..., per_page: _Optional[int] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("course_id", "slug", "title", "subtitle")
    COURSE_ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUBTITLE_FIELD_NUMBER: _ClassVar[int]
    course_id: str
    slug: str
    title: str
    subtitle: str
    def __init__(self, course_id: _Optional[str] = ..., slug: _Optional[str] = ..., title: _Optional[str] = ..., subtitle: _Optional[str] = ...) -> None: ...

class FacetCount(_message.Message):
    __slots__ = ("value", "count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    value: str
    count: int
    def __init__(self, value: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class Facet(_message.Message):
    __slots__ = ("field", "counts")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    field: str
    counts: _containers.RepeatedCompositeFieldContainer[FacetCount]
    def __init__(self, field: _Optional[str] = ..., counts: _Optional[_Iterable[_Union[FacetCount, _Mapping]]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("hits", "found", "facets")
    HITS_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    FACETS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    found: int
    facets: _containers.RepeatedCompositeFieldContainer[Facet]
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., found: _Optional[int] = ..., facets: _Optional[_Iterable[_Union[Facet, _Mapping]]] = ...) -> None: ...

class Category(_message.Message):
    __slots__ = ("id", "name", "slug", "parent_id", "depth", "position", "path")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    slug: str
    parent_id: str
    depth: int
    position: int
    path: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., slug: _Optional[str] = ..., parent_id: _Optional[str] = ..., depth: _Optional[int] = ..., position: _Optional[int] = ..., path: _Optional[_Iterable[str]] = ...) -> None: ...

class ListCategoriesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCategoriesResponse(_message.Message):
    __slots__ = ("categories",)
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    categories: _containers.RepeatedCompositeFieldContainer[Category]
    def __init__(self, categories: _Optional[_Iterable[_Union[Category, _Mapping]]] = ...) -> None: ...

class GetCategoryRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...
