"""Moving courses in and out: JSON export/import and bulk content import from a zip."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest

from core.catalog.application.authoring import (
    AddLesson,
    AddSection,
    CreateCourse,
    CreateCourseCommand,
    EditCourse,
    SetObjectives,
    SetPrice,
)
from core.catalog.application.course_transfer import (
    EXPORT_FORMAT,
    ExportCourse,
    ExportCourseCommand,
    ImportCourse,
    ImportCourseCommand,
    ImportCourseZip,
    ImportZipCommand,
)
from core.catalog.domain import quizzes
from core.catalog.domain.course import Course
from core.identity.domain.roles import Role
from core.shared.errors import InvalidInput, NotFound, PermissionDenied
from core.shared.money import Money
from ports.shared.storage import Purpose, make_key
from tests.fakes.courses import CourseWorld, principal

INSTRUCTOR = principal(Role.INSTRUCTOR)
PDF = b"%PDF-1.7\n" + b"0" * 100
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"0" * 100


class FakeStorage:
    name = "storage"
    kind = "local"

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def new_key(self, purpose: Purpose, *, extension: str | None = None) -> str:
        return make_key(purpose, extension=extension)

    async def put(self, key: str, source: bytes, *, content_type: str, **_: object) -> None:
        self.objects[key] = (source, content_type)


@pytest.fixture
def world() -> CourseWorld:
    return CourseWorld()


async def _course(world: CourseWorld) -> Course:
    course = await CreateCourse(world.uow, world.clock, world.sanitizer)(
        INSTRUCTOR, CreateCourseCommand("Databases", description_html="<p>Tables</p>")
    )
    edit = EditCourse(world.uow, world.clock, world.sanitizer)
    await edit(INSTRUCTOR, SetPrice(course.id, Money(4900, "USD"), {"EUR": 4500}))
    course = await edit(INSTRUCTOR, AddSection(course.id, "Basics"))
    section = course.sections[0]
    quiz = quizzes.to_dict(
        quizzes.Quiz(
            title="Check",
            items=(quizzes.SingleChoiceQuestion.create(prompt="SQL?", options=["yes", "no"], correct=0),),
        )
    )
    course = await edit(INSTRUCTOR, AddLesson(course.id, section.id, "Intro", "article", article_html="<p>Hi</p>"))
    course = await edit(INSTRUCTOR, AddLesson(course.id, section.id, "Quiz", "quiz", quiz=quiz))
    lesson = course.sections[0].lessons[0]
    return await edit(INSTRUCTOR, SetObjectives(course.id, (("Know tables", (lesson.id,)),)))


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _without_ids(snapshot: dict[str, object]) -> dict[str, object]:
    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("id", "lesson_ids")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip({k: v for k, v in snapshot.items() if k != "slug"})  # type: ignore[return-value]


async def test_export_then_import_gives_the_same_course_with_fresh_ids(world: CourseWorld) -> None:
    original = await _course(world)
    document = await ExportCourse(world.uow, world.clock)(INSTRUCTOR, ExportCourseCommand(original.id))
    assert document["format"] == EXPORT_FORMAT

    other = principal(Role.INSTRUCTOR)
    copy = await ImportCourse(world.uow, world.clock, world.sanitizer)(other, ImportCourseCommand(document))

    assert copy.owner_id == other.user_id
    assert copy.status == "draft"
    assert copy.slug == "databases-2"
    assert _without_ids(copy.snapshot()) == _without_ids(original.snapshot())
    assert {lesson.id for lesson in copy.lessons()}.isdisjoint(lesson.id for lesson in original.lessons())
    assert copy.objectives[0].lesson_ids == [copy.sections[0].lessons[0].id]


async def test_import_sanitises_rich_text(world: CourseWorld) -> None:
    original = await _course(world)
    document = await ExportCourse(world.uow, world.clock)(INSTRUCTOR, ExportCourseCommand(original.id))
    document["course"]["description_html"] = '<p onclick="steal()">x</p><script>alert(1)</script>'
    copy = await ImportCourse(world.uow, world.clock, world.sanitizer)(INSTRUCTOR, ImportCourseCommand(document))
    assert "script" not in copy.description_html
    assert "onclick" not in copy.description_html


@pytest.mark.parametrize(
    "document",
    [{}, {"format": "other"}, {"format": EXPORT_FORMAT}, {"format": EXPORT_FORMAT, "course": {"sections": 3}}],
)
async def test_import_refuses_what_is_not_a_course_export(world: CourseWorld, document: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        await ImportCourse(world.uow, world.clock, world.sanitizer)(INSTRUCTOR, ImportCourseCommand(document))


async def test_a_student_cannot_import_and_a_stranger_cannot_export(world: CourseWorld) -> None:
    original = await _course(world)
    with pytest.raises(PermissionDenied):
        await ImportCourse(world.uow, world.clock, world.sanitizer)(
            principal(Role.STUDENT), ImportCourseCommand({"format": EXPORT_FORMAT, "course": {}})
        )
    with pytest.raises(NotFound):
        await ExportCourse(world.uow, world.clock)(principal(Role.INSTRUCTOR), ExportCourseCommand(original.id))


async def test_zip_folders_become_sections_and_files_lessons(world: CourseWorld) -> None:
    course = await _course(world)
    storage = FakeStorage()
    archive = _zip(
        {
            "02 - Advanced/10 Joins.md": b"Joins combine tables.\n\nSecond paragraph <b>.",
            "02 - Advanced/2 Indexes.html": b"<h2>Indexes</h2><script>x()</script>",
            "01 - Basics/Slides.pdf": PDF,
            "01 - Basics/Welcome.mp4": MP4,
            "Readme.txt": b"read me",
            "01 - Basics/tool.exe": b"MZ...",
            "__MACOSX/01 - Basics/._Slides.pdf": b"junk",
            "01 - Basics/fake.pdf": b"not a pdf",
        }
    )
    use_case = ImportCourseZip(world.uow, world.clock, world.sanitizer, storage)
    report = await use_case(INSTRUCTOR, ImportZipCommand(course.id, archive))

    by_path = {r.path: r for r in report.files}
    assert report.imported == 5
    assert by_path["01 - Basics/tool.exe"].outcome == "skipped"
    assert by_path["01 - Basics/fake.pdf"].reason == "the content is not a PDF file"
    assert "__MACOSX/01 - Basics/._Slides.pdf" not in by_path
    assert by_path["01 - Basics/Slides.pdf"].kind == "document"
    assert by_path["01 - Basics/Welcome.mp4"].kind == "video"

    saved = await _load(world, course.id)
    titles = {s.title: [lesson.title for lesson in s.lessons] for s in saved.sections}
    assert titles["Basics"] == ["Intro", "Quiz", "Slides", "Welcome"]  # an existing section is extended
    assert titles["Advanced"] == ["Indexes", "Joins"]  # natural order: 2 before 10
    assert titles["Databases"] == ["Readme"]  # root files go to a section named after the course
    joins = next(lesson for lesson in saved.lessons() if lesson.title == "Joins")
    assert joins.article_html.startswith("<p>Joins combine tables.</p>")
    assert "&lt;b&gt;" in joins.article_html
    indexes = next(lesson for lesson in saved.lessons() if lesson.title == "Indexes")
    assert "script" not in indexes.article_html
    slides = next(lesson for lesson in saved.lessons() if lesson.title == "Slides")
    assert storage.objects[slides.media_key or ""] == (PDF, "application/pdf")


async def test_zip_import_refuses_garbage_and_strangers(world: CourseWorld) -> None:
    course = await _course(world)
    use_case = ImportCourseZip(world.uow, world.clock, world.sanitizer, FakeStorage())
    with pytest.raises(InvalidInput) as error:
        await use_case(INSTRUCTOR, ImportZipCommand(course.id, b"not a zip"))
    assert error.value.code == "course.zip_invalid"
    with pytest.raises(NotFound):
        await use_case(principal(Role.INSTRUCTOR), ImportZipCommand(course.id, _zip({"a.txt": b"x"})))
    with pytest.raises(NotFound):
        await use_case(INSTRUCTOR, ImportZipCommand(uuid.uuid4(), _zip({"a.txt": b"x"})))


async def test_zip_with_too_many_files_is_refused(world: CourseWorld) -> None:
    course = await _course(world)
    archive = _zip({f"f{i}.txt": b"x" for i in range(501)})
    with pytest.raises(InvalidInput) as error:
        await ImportCourseZip(world.uow, world.clock, world.sanitizer, FakeStorage())(
            INSTRUCTOR, ImportZipCommand(course.id, archive)
        )
    assert error.value.code == "course.zip_too_many_files"


async def test_a_zip_bomb_entry_is_skipped_not_inflated(world: CourseWorld) -> None:
    course = await _course(world)
    archive = _zip({"bomb.txt": b"0" * 5_000_000, "ok.txt": b"fine"})
    report = await ImportCourseZip(world.uow, world.clock, world.sanitizer, FakeStorage())(
        INSTRUCTOR, ImportZipCommand(course.id, archive)
    )
    outcomes = {r.path: (r.outcome, r.reason) for r in report.files}
    assert outcomes["bomb.txt"] == ("skipped", "suspicious compression ratio")
    assert outcomes["ok.txt"][0] == "imported"


async def _load(world: CourseWorld, course_id: uuid.UUID) -> Course:
    async with world.uow() as uow:
        course = await uow.courses.get(course_id)
    assert course is not None
    return course


async def test_a_course_can_only_be_filed_under_an_existing_category(world: CourseWorld) -> None:
    from core.catalog.application.authoring import UpdateDetails

    with pytest.raises(InvalidInput) as error:
        await CreateCourse(world.uow, world.clock, world.sanitizer)(
            INSTRUCTOR, CreateCourseCommand("Lost", category_id=uuid.uuid4())
        )
    assert error.value.code == "course.category_unknown"
    course = await _course(world)
    with pytest.raises(InvalidInput):
        await EditCourse(world.uow, world.clock, world.sanitizer)(
            INSTRUCTOR, UpdateDetails(course.id, category_id=uuid.uuid4())
        )
