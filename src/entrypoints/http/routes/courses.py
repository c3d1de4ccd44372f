"""Course authoring over HTTP: drafts, the content tree, review workflow, revisions, cloning,
co-instructors, import and export. Every route names its permission; object-level rules
(whose draft is whose) are the use cases' own."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from core.catalog.application import authoring as edits
from core.catalog.application.cloning import CloneCourseCommand
from core.catalog.application.course_revisions import DiffRevisionsCommand, RollBackCourseCommand
from core.catalog.application.course_transfer import (
    ExportCourseCommand,
    ImportCourseCommand,
    ImportReport,
    ImportZipCommand,
)
from core.catalog.application.instructors import (
    AcceptInvitationCommand,
    InviteCoInstructorCommand,
    MyCoursesQuery,
    RemoveCoInstructorCommand,
)
from core.catalog.application.workflow import CourseCommand, RejectCourseCommand
from core.catalog.domain.course import Course
from core.identity.domain.roles import Permission
from core.shared.errors import InvalidInput
from core.shared.money import Money
from entrypoints.http.auth import current_principal, request_context, requires
from entrypoints.http.dependencies import container_of

AUTHOR = requires(Permission.COURSES_AUTHOR)
REVIEW = requires(Permission.COURSES_REVIEW)
ZIP_MAX_BYTES = 512 * 1024 * 1024

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Html = Annotated[str, msgspec.Meta(max_length=200_000)]


# -- representations ----------------------------------------------------------------------------


class PriceDto(msgspec.Struct):
    amount_minor: Annotated[int, msgspec.Meta(ge=0)]
    currency: Annotated[str, msgspec.Meta(min_length=3, max_length=3)]


class LessonDto(msgspec.Struct):
    id: uuid.UUID
    title: str
    kind: str
    free_preview: bool
    drip_days: int | None
    media_key: str | None
    article_html: str
    quiz: dict[str, Any] | None
    assignment: dict[str, Any] | None


class SectionDto(msgspec.Struct):
    id: uuid.UUID
    title: str
    lessons: list[LessonDto]


class ObjectiveDto(msgspec.Struct):
    id: uuid.UUID
    text: str
    lesson_ids: list[uuid.UUID]


class CourseDto(msgspec.Struct):
    """The working copy, as its instructors and admins see it."""

    id: uuid.UUID
    slug: str
    title: str
    subtitle: str
    description_html: str
    language: str
    difficulty: str
    duration_minutes: int
    price: PriceDto | None
    price_overrides: dict[str, int]
    category_id: uuid.UUID | None
    tags: list[str]
    objectives: list[ObjectiveDto]
    prerequisite_ids: list[uuid.UUID]
    cover_key: str | None
    owner_id: uuid.UUID
    co_instructor_ids: list[uuid.UUID]
    capacity: int | None
    sections: list[SectionDto]
    status: str
    review_note: str
    live_revision: int | None
    revision_count: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def course_dto(course: Course) -> CourseDto:
    return CourseDto(
        id=course.id,
        slug=course.slug,
        title=course.title,
        subtitle=course.subtitle,
        description_html=course.description_html,
        language=course.language,
        difficulty=course.difficulty,
        duration_minutes=course.duration_minutes,
        price=PriceDto(course.price.amount_minor, course.price.currency) if course.price else None,
        price_overrides=dict(course.price_overrides),
        category_id=course.category_id,
        tags=list(course.tags),
        objectives=[ObjectiveDto(o.id, o.text, list(o.lesson_ids)) for o in course.objectives],
        prerequisite_ids=list(course.prerequisite_ids),
        cover_key=course.cover_key,
        owner_id=course.owner_id,
        co_instructor_ids=list(course.co_instructor_ids),
        capacity=course.capacity,
        sections=[
            SectionDto(
                s.id,
                s.title,
                [
                    LessonDto(
                        lesson.id,
                        lesson.title,
                        lesson.kind,
                        lesson.free_preview,
                        lesson.drip_days,
                        lesson.media_key,
                        lesson.article_html,
                        lesson.quiz,
                        lesson.assignment,
                    )
                    for lesson in s.lessons
                ],
            )
            for s in course.sections
        ],
        status=course.status,
        review_note=course.review_note,
        live_revision=course.live_revision,
        revision_count=course.revision_count,
        version=course.version,
        created_at=course.created_at,
        updated_at=course.updated_at,
    )


class CourseSummaryDto(msgspec.Struct):
    id: uuid.UUID
    slug: str
    title: str
    status: str
    owner_id: uuid.UUID
    live_revision: int | None
    revision_count: int
    section_count: int
    lesson_count: int
    updated_at: dt.datetime


class CourseSummaryPage(msgspec.Struct):
    items: list[CourseSummaryDto]
    next_cursor: uuid.UUID | None


class RevisionDto(msgspec.Struct):
    number: int
    title: str
    approved_by: uuid.UUID
    approved_at: dt.datetime
    lesson_count: int


class RevisionList(msgspec.Struct):
    items: list[RevisionDto]


class ChangeDto(msgspec.Struct):
    kind: str  # added | removed | changed | moved
    path: str
    before: Any = None
    after: Any = None


class DiffDto(msgspec.Struct):
    old: int
    new: int | None
    changes: list[ChangeDto]


class InvitationDto(msgspec.Struct):
    id: uuid.UUID
    course_id: uuid.UUID
    email: str
    expires_at: dt.datetime


class FileResultDto(msgspec.Struct):
    path: str
    outcome: str
    section: str | None
    lesson_id: uuid.UUID | None
    kind: str | None
    reason: str | None


class ImportReportDto(msgspec.Struct):
    course_id: uuid.UUID
    imported: int
    files: list[FileResultDto]


def report_dto(report: ImportReport) -> ImportReportDto:
    return ImportReportDto(
        report.course_id,
        report.imported,
        [FileResultDto(f.path, f.outcome, f.section, f.lesson_id, f.kind, f.reason) for f in report.files],
    )


# -- request bodies -----------------------------------------------------------------------------


class CourseCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=96)] | None = None
    language: str = "en"
    subtitle: Annotated[str, msgspec.Meta(max_length=200)] = ""
    description_html: Html = ""
    category_id: uuid.UUID | None = None


class CourseUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields sent change; ``null`` clears the nullable ones."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    subtitle: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    description_html: Html | msgspec.UnsetType = msgspec.UNSET
    language: str | msgspec.UnsetType = msgspec.UNSET
    difficulty: str | msgspec.UnsetType = msgspec.UNSET
    duration_minutes: int | msgspec.UnsetType = msgspec.UNSET
    category_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    tags: list[str] | msgspec.UnsetType = msgspec.UNSET
    cover_key: str | msgspec.UnsetType | None = msgspec.UNSET
    capacity: int | msgspec.UnsetType | None = msgspec.UNSET
    prerequisite_ids: list[uuid.UUID] | msgspec.UnsetType = msgspec.UNSET


class PriceUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """``price: null`` makes the course free; ``overrides`` are per-currency prices."""

    price: PriceDto | None
    overrides: dict[str, Annotated[int, msgspec.Meta(ge=0)]] = {}


class ObjectiveIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    lesson_ids: list[uuid.UUID] = []


class ObjectivesUpdate(msgspec.Struct, forbid_unknown_fields=True):
    objectives: list[ObjectiveIn]


class SectionIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title


class SectionOrder(msgspec.Struct, forbid_unknown_fields=True):
    section_ids: list[uuid.UUID]


class LessonCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    kind: str
    free_preview: bool = False
    drip_days: int | None = None
    media_key: str | None = None
    article_html: Html = ""
    quiz: dict[str, Any] | None = None
    assignment: dict[str, Any] | None = None


class LessonUpdate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | msgspec.UnsetType = msgspec.UNSET
    free_preview: bool | msgspec.UnsetType = msgspec.UNSET
    drip_days: int | msgspec.UnsetType | None = msgspec.UNSET
    media_key: str | msgspec.UnsetType | None = msgspec.UNSET
    article_html: Html | msgspec.UnsetType = msgspec.UNSET
    quiz: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    assignment: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET


class LessonMove(msgspec.Struct, forbid_unknown_fields=True):
    section_id: uuid.UUID
    position: Annotated[int, msgspec.Meta(ge=0)]


class RejectIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class CloneIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title | None = None
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=96)] | None = None


class InvitationIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    locale: str | None = None


class AcceptIn(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=10, max_length=200)]


class CourseImport(msgspec.Struct, forbid_unknown_fields=True):
    document: dict[str, Any]
    slug: str | None = None


def _unset_to_core(struct: msgspec.Struct) -> dict[str, Any]:
    """Fields the client sent, mapped to the use case's own "leave as is" marker."""
    return {
        name: tuple(value) if isinstance(value, list) else value
        for name in struct.__struct_fields__
        if (value := getattr(struct, name)) is not msgspec.UNSET
    }


def _money(price: PriceDto | None) -> Money | None:
    return Money(price.amount_minor, price.currency.upper()) if price else None


# -- routes -------------------------------------------------------------------------------------


class CourseController(Controller):
    path = "/api/v1/courses"
    tags = ["courses"]

    @get("/", summary="My courses (instructors), or any instructor's / the review queue (admins)", guards=[AUTHOR])
    async def list_courses(
        self,
        request: Request[Any, Any, Any],
        instructor_id: FromQuery[uuid.UUID | None] = None,
        status: Annotated[str | None, QueryParameter(max_length=20)] = None,
        cursor: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> CourseSummaryPage:
        query = MyCoursesQuery(instructor_id, (status,) if status else (), cursor, limit)
        page = await container_of(request).catalog.my_courses()(current_principal(request), query)
        return CourseSummaryPage(
            [
                CourseSummaryDto(
                    s.id,
                    s.slug,
                    s.title,
                    s.status,
                    s.owner_id,
                    s.live_revision,
                    s.revision_count,
                    s.section_count,
                    s.lesson_count,
                    s.updated_at,
                )
                for s in page.items
            ],
            page.next_cursor,
        )

    @post("/", summary="Start a course (a draft owned by the caller)", guards=[AUTHOR], status_code=HTTP_201_CREATED)
    async def create_course(self, request: Request[Any, Any, Any], data: JSONBody[CourseCreate]) -> CourseDto:
        command = edits.CreateCourseCommand(
            data.title, data.slug, data.language, data.subtitle, data.description_html, data.category_id
        )
        return course_dto(await container_of(request).catalog.create_course()(current_principal(request), command))

    @get("/{course_id:uuid}", summary="A course's working copy (its instructors and admins)", guards=[AUTHOR])
    async def get_course(self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID]) -> CourseDto:
        use_case = container_of(request).catalog.get_course_for_editing()
        return course_dto(await use_case(current_principal(request), course_id))

    @patch("/{course_id:uuid}", summary="Change a draft's details", guards=[AUTHOR])
    async def update_course(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[CourseUpdate]
    ) -> CourseDto:
        return await _edit(request, edits.UpdateDetails(course_id, **_unset_to_core(data)))

    @post("/{course_id:uuid}/price", summary="Set the price (integer minor units)", guards=[AUTHOR], status_code=200)
    async def set_price(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[PriceUpdate]
    ) -> CourseDto:
        overrides = {currency.upper(): amount for currency, amount in data.overrides.items()}
        return await _edit(request, edits.SetPrice(course_id, _money(data.price), overrides))

    @post("/{course_id:uuid}/objectives", summary="Replace the learning objectives", guards=[AUTHOR], status_code=200)
    async def set_objectives(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[ObjectivesUpdate]
    ) -> CourseDto:
        objectives = tuple((o.text, tuple(o.lesson_ids)) for o in data.objectives)
        return await _edit(request, edits.SetObjectives(course_id, objectives))

    @post("/{course_id:uuid}/sections", summary="Add a section", guards=[AUTHOR], status_code=HTTP_201_CREATED)
    async def add_section(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[SectionIn]
    ) -> CourseDto:
        return await _edit(request, edits.AddSection(course_id, data.title))

    @post("/{course_id:uuid}/sections/order", summary="Reorder sections", guards=[AUTHOR], status_code=HTTP_200_OK)
    async def reorder_sections(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[SectionOrder]
    ) -> CourseDto:
        return await _edit(request, edits.ReorderSections(course_id, tuple(data.section_ids)))

    @patch("/{course_id:uuid}/sections/{section_id:uuid}", summary="Rename a section", guards=[AUTHOR])
    async def rename_section(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[uuid.UUID],
        section_id: FromPath[uuid.UUID],
        data: JSONBody[SectionIn],
    ) -> CourseDto:
        return await _edit(request, edits.RenameSection(course_id, section_id, data.title))

    @delete(
        "/{course_id:uuid}/sections/{section_id:uuid}",
        summary="Remove a section and its lessons",
        guards=[AUTHOR],
        status_code=HTTP_200_OK,
    )
    async def remove_section(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], section_id: FromPath[uuid.UUID]
    ) -> CourseDto:
        return await _edit(request, edits.RemoveSection(course_id, section_id))

    @post(
        "/{course_id:uuid}/sections/{section_id:uuid}/lessons",
        summary="Add a lesson (video, document, article, quiz or assignment)",
        guards=[AUTHOR],
        status_code=HTTP_201_CREATED,
    )
    async def add_lesson(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[uuid.UUID],
        section_id: FromPath[uuid.UUID],
        data: JSONBody[LessonCreate],
    ) -> CourseDto:
        command = edits.AddLesson(
            course_id,
            section_id,
            data.title,
            data.kind,
            data.free_preview,
            data.drip_days,
            data.media_key,
            data.article_html,
            data.quiz,
            data.assignment,
        )
        return await _edit(request, command)

    @patch("/{course_id:uuid}/lessons/{lesson_id:uuid}", summary="Change a lesson", guards=[AUTHOR])
    async def update_lesson(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[uuid.UUID],
        lesson_id: FromPath[uuid.UUID],
        data: JSONBody[LessonUpdate],
    ) -> CourseDto:
        return await _edit(request, edits.UpdateLesson(course_id, lesson_id, **_unset_to_core(data)))

    @post(
        "/{course_id:uuid}/lessons/{lesson_id:uuid}/move",
        summary="Move a lesson to a position in a section",
        guards=[AUTHOR],
        status_code=HTTP_200_OK,
    )
    async def move_lesson(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[uuid.UUID],
        lesson_id: FromPath[uuid.UUID],
        data: JSONBody[LessonMove],
    ) -> CourseDto:
        return await _edit(request, edits.MoveLesson(course_id, lesson_id, data.section_id, data.position))

    @delete(
        "/{course_id:uuid}/lessons/{lesson_id:uuid}",
        summary="Remove a lesson",
        guards=[AUTHOR],
        status_code=HTTP_200_OK,
    )
    async def remove_lesson(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], lesson_id: FromPath[uuid.UUID]
    ) -> CourseDto:
        return await _edit(request, edits.RemoveLesson(course_id, lesson_id))

    # -- workflow -------------------------------------------------------------------------------

    @post("/{course_id:uuid}/submit", summary="Submit for review", guards=[AUTHOR], status_code=HTTP_200_OK)
    async def submit(self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID]) -> CourseDto:
        catalog = container_of(request).catalog
        return course_dto(
            await catalog.submit_course()(
                current_principal(request), CourseCommand(course_id), request_context(request)
            )
        )

    @post(
        "/{course_id:uuid}/approve",
        summary="Approve and publish a new revision (admins)",
        guards=[REVIEW],
        status_code=HTTP_200_OK,
    )
    async def approve(self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID]) -> CourseDto:
        catalog = container_of(request).catalog
        await catalog.approve_course()(current_principal(request), CourseCommand(course_id), request_context(request))
        return await _reload(request, course_id)

    @post(
        "/{course_id:uuid}/reject",
        summary="Send back to draft with a reason (admins)",
        guards=[REVIEW],
        status_code=HTTP_200_OK,
    )
    async def reject(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[RejectIn]
    ) -> CourseDto:
        catalog = container_of(request).catalog
        command = RejectCourseCommand(course_id, data.reason)
        return course_dto(await catalog.reject_course()(current_principal(request), command, request_context(request)))

    @post(
        "/{course_id:uuid}/archive",
        summary="Archive: leaves the catalog and search",
        guards=[AUTHOR],
        status_code=HTTP_200_OK,
    )
    async def archive(self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID]) -> CourseDto:
        catalog = container_of(request).catalog
        return course_dto(
            await catalog.archive_course()(
                current_principal(request), CourseCommand(course_id), request_context(request)
            )
        )

    @post("/{course_id:uuid}/unarchive", summary="Back to draft", guards=[AUTHOR], status_code=HTTP_200_OK)
    async def unarchive(self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID]) -> CourseDto:
        catalog = container_of(request).catalog
        command = CourseCommand(course_id)
        return course_dto(
            await catalog.unarchive_course()(current_principal(request), command, request_context(request))
        )

    # -- revisions ------------------------------------------------------------------------------

    @get("/{course_id:uuid}/revisions", summary="Published revisions, newest first", guards=[AUTHOR])
    async def list_revisions(self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID]) -> RevisionList:
        revisions = await container_of(request).catalog.list_revisions()(current_principal(request), course_id)
        return RevisionList(
            [RevisionDto(r.number, r.title, r.approved_by, r.approved_at, r.lesson_count) for r in revisions]
        )

    @get(
        "/{course_id:uuid}/revisions/{old:int}/diff",
        summary="What changed from revision `old` to revision `new` (or to the current draft)",
        guards=[AUTHOR],
    )
    async def diff(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[uuid.UUID],
        old: FromPath[int],
        new: FromQuery[int | None] = None,
    ) -> DiffDto:
        changes = await container_of(request).catalog.diff_revisions()(
            current_principal(request), DiffRevisionsCommand(course_id, old, new)
        )
        return DiffDto(old, new, [ChangeDto(c.kind, c.path, c.before, c.after) for c in changes])

    @post(
        "/{course_id:uuid}/revisions/{number:int}/rollback",
        summary="Make the draft exactly this revision's content",
        guards=[AUTHOR],
        status_code=HTTP_200_OK,
    )
    async def roll_back(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], number: FromPath[int]
    ) -> CourseDto:
        command = RollBackCourseCommand(course_id, number)
        catalog = container_of(request).catalog
        return course_dto(
            await catalog.roll_back_course()(current_principal(request), command, request_context(request))
        )

    # -- cloning, co-instructors, transfer ------------------------------------------------------

    @post(
        "/{course_id:uuid}/clone",
        summary="Duplicate as a new draft owned by the caller (no learners)",
        guards=[AUTHOR],
        status_code=HTTP_201_CREATED,
    )
    async def clone(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[CloneIn | None] = None
    ) -> CourseDto:
        body = data or CloneIn()
        command = CloneCourseCommand(course_id, body.title, body.slug)
        return course_dto(await container_of(request).catalog.clone_course()(current_principal(request), command))

    @post(
        "/{course_id:uuid}/invitations",
        summary="Invite a co-instructor by email",
        guards=[AUTHOR],
        status_code=HTTP_201_CREATED,
    )
    async def invite(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], data: JSONBody[InvitationIn]
    ) -> InvitationDto:
        command = InviteCoInstructorCommand(course_id, data.email, data.locale)
        invitation = await container_of(request).catalog.invite_co_instructor()(
            current_principal(request), command, request_context(request)
        )
        return InvitationDto(invitation.id, invitation.course_id, invitation.email, invitation.expires_at)

    @delete(
        "/{course_id:uuid}/instructors/{user_id:uuid}",
        summary="Remove a co-instructor",
        guards=[AUTHOR],
        status_code=HTTP_200_OK,
    )
    async def remove_instructor(
        self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID], user_id: FromPath[uuid.UUID]
    ) -> CourseDto:
        command = RemoveCoInstructorCommand(course_id, user_id)
        catalog = container_of(request).catalog
        return course_dto(
            await catalog.remove_co_instructor()(current_principal(request), command, request_context(request))
        )

    @post(
        "/invitations/accept",
        summary="Accept a co-instructor invitation (the token from the email)",
        guards=[AUTHOR],
        status_code=HTTP_200_OK,
    )
    async def accept(self, request: Request[Any, Any, Any], data: JSONBody[AcceptIn]) -> CourseDto:
        course = await container_of(request).catalog.accept_invitation()(
            current_principal(request), AcceptInvitationCommand(data.token), request_context(request)
        )
        return course_dto(course)

    @get("/{course_id:uuid}/export", summary="The draft as a portable JSON document", guards=[AUTHOR])
    async def export(self, request: Request[Any, Any, Any], course_id: FromPath[uuid.UUID]) -> dict[str, Any]:
        use_case = container_of(request).catalog.export_course()
        return await use_case(current_principal(request), ExportCourseCommand(course_id))

    @post(
        "/import",
        summary="A new draft from an exported JSON document",
        guards=[AUTHOR],
        status_code=HTTP_201_CREATED,
    )
    async def import_course(self, request: Request[Any, Any, Any], data: JSONBody[CourseImport]) -> CourseDto:
        command = ImportCourseCommand(data.document, data.slug)
        return course_dto(await container_of(request).catalog.import_course()(current_principal(request), command))

    @post(
        "/{course_id:uuid}/content/zip",
        summary="Bulk import: zip folders become sections, files become lessons (per-file results)",
        guards=[AUTHOR],
        status_code=HTTP_200_OK,
        request_max_body_size=ZIP_MAX_BYTES,
    )
    async def import_zip(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[uuid.UUID],
        data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> ImportReportDto:
        archive = await data.read()
        if not archive:
            raise InvalidInput("course.zip_invalid", "send the archive as the multipart field 'data'")
        use_case = container_of(request).catalog.import_course_zip()
        return report_dto(await use_case(current_principal(request), ImportZipCommand(course_id, archive)))


async def _edit(request: Request[Any, Any, Any], command: edits.CourseEdit) -> CourseDto:
    return course_dto(await container_of(request).catalog.edit_course()(current_principal(request), command))


async def _reload(request: Request[Any, Any, Any], course_id: uuid.UUID) -> CourseDto:
    use_case = container_of(request).catalog.get_course_for_editing()
    return course_dto(await use_case(current_principal(request), course_id))
