"""Moving courses in and out: JSON export/import of a whole course, and bulk content import
from a zip archive (folders become sections, files become lessons).

Imports go through the aggregate's own operations (``add_section``, ``add_lesson``...), never
by writing its fields, so an imported course passes exactly the checks an edited one does, and
rich text is sanitised on the way in like any other edit."""

from __future__ import annotations

import dataclasses
import html
import io
import posixpath
import re
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

from core.catalog.application.authoring import ensure_can_see, is_admin, load_course, unique_slug
from core.catalog.domain.course import Course, LessonKind
from core.identity.application.context import Principal
from core.identity.domain.roles import Permission
from core.shared.errors import InvalidInput
from core.shared.money import Money
from core.shared.text import slugify
from ports.catalog.repositories import CatalogUnitOfWork
from ports.shared.clock import Clock
from ports.shared.html import HtmlSanitizer
from ports.shared.storage import ObjectStorage, Purpose

UowFactory = Callable[[], CatalogUnitOfWork]

EXPORT_FORMAT = "lyceum.course/1"

# Zip limits: an archive is untrusted input (zip bombs, millions of tiny entries).
ZIP_MAX_ENTRIES = 500
ZIP_MAX_FILE_BYTES = 512 * 1024 * 1024
ZIP_MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
ZIP_MAX_ARTICLE_BYTES = 2 * 1024 * 1024
ZIP_MAX_RATIO = 200  # uncompressed / compressed, per entry

_VIDEO = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm", "mkv": "video/x-matroska"}
_DOCUMENT = {"pdf": "application/pdf"}
_ARTICLE = {"html", "htm", "md", "txt"}
_ORDER_PREFIX = re.compile(r"^\s*\d+\s*[-_.)\s]\s*")


# -- JSON export / import ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ExportCourseCommand:
    course_id: uuid.UUID


class ExportCourse:
    """The current draft of a course as JSON-safe data, for a backup or another platform."""

    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, actor: Principal, command: ExportCourseCommand) -> dict[str, Any]:
        async with self._uow() as uow:
            course = await _editable(uow, actor, command.course_id, for_reading=True)
            return {
                "format": EXPORT_FORMAT,
                "exported_at": self._clock.now().isoformat(),
                "course": course.snapshot(),
            }


@dataclasses.dataclass(frozen=True)
class ImportCourseCommand:
    document: dict[str, Any]
    slug: str | None = None


class ImportCourse:
    """A new draft owned by the caller, built from an export (ids are fresh)."""

    def __init__(self, uow: UowFactory, clock: Clock, sanitizer: HtmlSanitizer) -> None:
        self._uow = uow
        self._clock = clock
        self._sanitizer = sanitizer

    async def __call__(self, actor: Principal, command: ImportCourseCommand) -> Course:
        actor.require(Permission.COURSES_AUTHOR)
        data = _export_body(command.document)
        async with self._uow() as uow:
            wanted = slugify(command.slug or str(data.get("slug") or data.get("title") or ""))[:80].strip("-")
            slug = await unique_slug(uow.courses, wanted or "course")
            course = build_course(data, owner_id=actor.user_id, slug=slug, now=self._clock.now(), html=self._sanitizer)
            await uow.courses.add(course)
            await uow.commit()
        return course


def _export_body(document: object) -> dict[str, Any]:
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise InvalidInput("course.import_format", f"not a course export (expected format {EXPORT_FORMAT!r})")
    body = document.get("course")
    if not isinstance(body, dict):
        raise InvalidInput("course.import_format", "the export has no course")
    return body


def build_course(data: dict[str, Any], *, owner_id: uuid.UUID, slug: str, now: Any, html: HtmlSanitizer) -> Course:
    """A draft from snapshot-shaped data, through the aggregate's checked operations."""
    try:
        course = Course.create(
            title=str(data["title"]), owner_id=owner_id, now=now, slug=slug, language=str(data.get("language", "en"))
        )
        details: dict[str, Any] = {
            field: data[field]
            for field in ("subtitle", "difficulty", "duration_minutes", "tags", "cover_key", "capacity")
            if field in data
        }
        details["description_html"] = html.clean(str(data.get("description_html") or ""))
        course.update_details(now, **details)
        price = data.get("price")
        course.set_price(Money.from_dict(price) if price else None, data.get("price_overrides") or {}, now)
        lesson_ids: dict[str, uuid.UUID] = {}
        for section_data in data.get("sections") or []:
            section = course.add_section(str(section_data["title"]), now)
            for lesson_data in section_data.get("lessons") or []:
                content = {
                    key: lesson_data[key]
                    for key in ("free_preview", "drip_days", "media_key", "quiz", "assignment")
                    if lesson_data.get(key) is not None
                }
                if lesson_data.get("article_html"):
                    content["article_html"] = html.clean(str(lesson_data["article_html"]))
                lesson = course.add_lesson(
                    section.id, str(lesson_data["title"]), str(lesson_data["kind"]), now, **content
                )
                lesson_ids[str(lesson_data.get("id"))] = lesson.id
        course.set_objectives(
            [
                (str(o["text"]), [lesson_ids[str(i)] for i in o.get("lesson_ids") or [] if str(i) in lesson_ids])
                for o in data.get("objectives") or []
            ],
            now,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput("course.import_invalid", f"the course data is malformed ({type(exc).__name__})") from None
    return course


# -- zip bulk import ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ImportZipCommand:
    course_id: uuid.UUID
    archive: bytes


@dataclasses.dataclass(frozen=True)
class FileResult:
    path: str
    outcome: str  # "imported" | "skipped" | "failed"
    section: str | None = None
    lesson_id: uuid.UUID | None = None
    kind: str | None = None
    reason: str | None = None


@dataclasses.dataclass(frozen=True)
class ImportReport:
    course_id: uuid.UUID
    files: list[FileResult]

    @property
    def imported(self) -> int:
        return sum(1 for f in self.files if f.outcome == "imported")


class ImportCourseZip:
    """Adds the archive's content to a draft: each top-level folder becomes a section (files at
    the root go to a section named after the course), each file a lesson — PDF → document,
    video → video (uploaded to storage; the media pipeline processes it), HTML/Markdown/text →
    article. Names sort naturally and a leading ``01 -`` style number orders without showing.
    Unsupported files are skipped and named in the report; nothing is half-imported: media are
    uploaded first and the course changes in one transaction."""

    def __init__(self, uow: UowFactory, clock: Clock, sanitizer: HtmlSanitizer, storage: ObjectStorage) -> None:
        self._uow = uow
        self._clock = clock
        self._sanitizer = sanitizer
        self._storage = storage

    async def __call__(self, actor: Principal, command: ImportZipCommand) -> ImportReport:
        async with self._uow() as uow:
            course = await _editable(uow, actor, command.course_id)
            course_title = course.title
        results: list[FileResult] = []
        planned: list[tuple[str, str, str, dict[str, Any], str]] = []  # section, title, kind, content, path
        archive, entries = _open(command.archive)
        for entry in entries:
            planned_or_result = await self._plan(archive, entry, course_title)
            if isinstance(planned_or_result, FileResult):
                results.append(planned_or_result)
            else:
                planned.append(planned_or_result)
        async with self._uow() as uow:
            course = await _editable(uow, actor, command.course_id)
            now = self._clock.now()
            sections = {s.title: s for s in course.sections}
            for section_title, title, kind, content, path in planned:
                section = sections.get(section_title) or course.add_section(section_title, now)
                sections[section.title] = section
                try:
                    lesson = course.add_lesson(section.id, title, kind, now, **content)
                except InvalidInput as exc:
                    results.append(FileResult(path, "failed", section_title, reason=exc.message))
                    continue
                results.append(FileResult(path, "imported", section_title, lesson.id, kind))
            await uow.commit()
        order = {entry.filename: i for i, entry in enumerate(entries)}
        results.sort(key=lambda r: order.get(r.path, len(order)))
        return ImportReport(command.course_id, results)

    async def _plan(
        self, archive: zipfile.ZipFile, entry: zipfile.ZipInfo, course_title: str
    ) -> FileResult | tuple[str, str, str, dict[str, Any], str]:
        path = entry.filename
        folders, name = posixpath.split(path.rstrip("/"))
        section = _display(folders.split("/")[0]) if folders else course_title
        stem, dot, extension = name.rpartition(".")
        extension = extension.lower() if dot else ""
        title = _display(stem or name)
        if entry.file_size > ZIP_MAX_FILE_BYTES:
            return FileResult(path, "skipped", section, reason="the file is too large")
        if entry.compress_size and entry.file_size / entry.compress_size > ZIP_MAX_RATIO:
            return FileResult(path, "skipped", section, reason="suspicious compression ratio")
        data = _read(archive, entry)
        if extension in _ARTICLE:
            if entry.file_size > ZIP_MAX_ARTICLE_BYTES:
                return FileResult(path, "skipped", section, reason="articles are at most 2 MiB")
            text = data.decode("utf-8", errors="replace")
            article = text if extension in ("html", "htm") else _paragraphs(text)
            return section, title, LessonKind.ARTICLE.value, {"article_html": self._sanitizer.clean(article)}, path
        if extension in _DOCUMENT or extension in _VIDEO:
            is_video = extension in _VIDEO
            content_type = (_VIDEO if is_video else _DOCUMENT)[extension]
            if not _looks_like(data, extension):
                return FileResult(path, "skipped", section, reason=f"the content is not a {extension.upper()} file")
            key = self._storage.new_key(Purpose.VIDEOS if is_video else Purpose.DOCUMENTS, extension=extension)
            await self._storage.put(key, data, content_type=content_type)
            kind = LessonKind.VIDEO.value if is_video else LessonKind.DOCUMENT.value
            return section, title, kind, {"media_key": key}, path
        return FileResult(path, "skipped", section, reason="unsupported file type")


def _open(archive: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(archive))
    except (zipfile.BadZipFile, ValueError):
        raise InvalidInput("course.zip_invalid", "the upload is not a zip archive") from None
    infos = [
        info
        for info in zf.infolist()
        if not info.is_dir() and not any(part.startswith((".", "__MACOSX")) for part in info.filename.split("/"))
    ]
    if len(infos) > ZIP_MAX_ENTRIES:
        raise InvalidInput("course.zip_too_many_files", f"an archive holds at most {ZIP_MAX_ENTRIES} files")
    if sum(info.file_size for info in infos) > ZIP_MAX_TOTAL_BYTES:
        raise InvalidInput("course.zip_too_large", "the archive unpacks to more than 2 GiB")
    return zf, sorted(infos, key=lambda info: _natural(info.filename))


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    # Read at most the declared size + 1: a lying header cannot make us inflate more.
    with archive.open(entry) as handle:
        data = handle.read(entry.file_size + 1)
    if len(data) > entry.file_size:
        raise InvalidInput("course.zip_invalid", f"{entry.filename}: size does not match its header")
    return data


def _natural(path: str) -> list[Any]:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in re.split(r"(\d+)", path)]


def _display(name: str) -> str:
    cleaned = _ORDER_PREFIX.sub("", name).replace("_", " ").strip()
    return cleaned or name.strip() or "Untitled"


def _paragraphs(text: str) -> str:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks)


def _looks_like(data: bytes, extension: str) -> bool:
    """Magic numbers: an ``.mp4`` that is really an executable is not imported."""
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if extension in ("mp4", "mov"):
        return data[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
    if extension in ("webm", "mkv"):
        return data.startswith(b"\x1a\x45\xdf\xa3")
    return False


# -- shared -------------------------------------------------------------------------------------


async def _editable(
    uow: CatalogUnitOfWork, actor: Principal, course_id: uuid.UUID, *, for_reading: bool = False
) -> Course:
    actor.require(Permission.COURSES_AUTHOR)
    course = await load_course(uow.courses, course_id)
    ensure_can_see(course, actor)
    if not for_reading:
        course.ensure_editable_by(actor.user_id, is_admin=is_admin(actor))
    return course
