"""``lyceum courses``: the review queue and course administration from the command line.

Reviews act as the platform (the system principal, audited as such). Commands that create a
course (clone, import) need ``--owner``: the new draft belongs to a real instructor.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from core.catalog.application.cloning import CloneCourseCommand
from core.catalog.application.course_transfer import ExportCourseCommand, ImportCourseCommand
from core.catalog.application.instructors import MyCoursesQuery
from core.catalog.application.workflow import CourseCommand, RejectCourseCommand
from core.catalog.domain.course import Course
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.errors import InvalidInput, NotFound
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.cli.runner import fail, run_with_container
from entrypoints.cli.users import CLI_CONTEXT, SYSTEM
from ports.catalog.courses import CourseSummary

app = typer.Typer(help="Courses: review queue, publishing, cloning, export and import.", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 200)

CourseRefArg = Annotated[str, typer.Argument(help="Course id or slug.")]


async def _course(container: ApplicationContainer, ref: str) -> Course:
    try:
        course_id: uuid.UUID | None = uuid.UUID(ref)
    except ValueError:
        course_id = None
    async with container.infrastructure.uow() as uow:
        course = await uow.courses.get(course_id) if course_id else await uow.courses.get_by_slug(ref.strip())
    if course is None:
        raise NotFound("course.not_found", f"no course {ref!r}", {"ref": ref})
    return course


async def _owner(container: ApplicationContainer, email: str) -> Principal:
    async with container.infrastructure.uow() as uow:
        user = await uow.users.get_by_email(email.strip().lower())
    if user is None or user.deleted_at is not None:
        raise NotFound("user.not_found", f"no user {email!r}", {"email": email})
    return Principal(user.id, Role(user.role), "cli")


@app.command("list")
def list_courses(
    status: Annotated[
        list[str] | None, typer.Option(help="draft, in_review, published or archived (repeatable).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """List courses, oldest first; `--status in_review` is the review queue."""

    async def act(container: ApplicationContainer) -> list[CourseSummary]:
        found: list[CourseSummary] = []
        cursor = None
        while len(found) < limit:
            query = MyCoursesQuery(statuses=tuple(status or ()), after=cursor, limit=min(100, limit - len(found)))
            page = await container.catalog.my_courses()(SYSTEM, query)
            found += page.items
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return found

    rows = run_with_container(act)
    if not rows:
        typer.echo("no courses match")
        return
    table = Table("slug", "title", "status", "live", "lessons", "updated", "id")
    for c in rows:
        live = str(c.live_revision) if c.live_revision else "-"
        table.add_row(c.slug, c.title, c.status, live, str(c.lesson_count), f"{c.updated_at:%Y-%m-%d}", str(c.id))
    console.print(table)


@app.command()
def show(ref: CourseRefArg) -> None:
    """A course's status, revisions and content tree."""

    async def act(container: ApplicationContainer) -> tuple[Course, list[Any]]:
        course = await _course(container, ref)
        return course, await container.catalog.list_revisions()(SYSTEM, course.id)

    course, revisions = run_with_container(act)
    price = f"{course.price.amount_minor} {course.price.currency} (minor units)" if course.price else "free"
    typer.echo(f"{course.title}  [{course.status}]  {course.slug}  {course.id}")
    typer.echo(f"owner {course.owner_id}  language {course.language}  {course.difficulty}  {price}")
    if course.review_note:
        typer.echo(f"review note: {course.review_note}")
    live = f"live revision {course.live_revision}" if course.live_revision else "not published"
    typer.echo(f"{live}; {len(revisions)} revision(s)")
    for section in course.sections:
        typer.echo(f"  {section.title}")
        for lesson in section.lessons:
            typer.echo(f"    - {lesson.title} ({lesson.kind})")


def _transition(ref: str, verb: str, reason: str | None = None) -> None:
    async def act(container: ApplicationContainer) -> Course:
        course = await _course(container, ref)
        catalog = container.catalog
        if verb == "approve":
            await catalog.approve_course()(SYSTEM, CourseCommand(course.id), CLI_CONTEXT)
        elif verb == "reject":
            await catalog.reject_course()(SYSTEM, RejectCourseCommand(course.id, reason or ""), CLI_CONTEXT)
        elif verb == "archive":
            await catalog.archive_course()(SYSTEM, CourseCommand(course.id), CLI_CONTEXT)
        else:
            await catalog.unarchive_course()(SYSTEM, CourseCommand(course.id), CLI_CONTEXT)
        return await _course(container, str(course.id))

    course = run_with_container(act)
    typer.echo(f"{course.slug} is {course.status}")


@app.command()
def approve(ref: CourseRefArg) -> None:
    """Approve a course in review: its draft becomes the new live revision."""
    _transition(ref, "approve")


@app.command()
def reject(ref: CourseRefArg, reason: Annotated[str, typer.Option(help="Why (the instructor sees it).")]) -> None:
    """Send a course in review back to draft, with a reason."""
    _transition(ref, "reject", reason)


@app.command()
def archive(ref: CourseRefArg) -> None:
    """Archive a course: it leaves the catalog and search."""
    _transition(ref, "archive")


@app.command()
def unarchive(ref: CourseRefArg) -> None:
    """Bring an archived course back as a draft."""
    _transition(ref, "unarchive")


@app.command("clone")
def clone_course(
    ref: CourseRefArg,
    owner: Annotated[str, typer.Option(help="Email of the instructor who will own the copy.")],
    title: Annotated[str | None, typer.Option(help="Title of the copy.")] = None,
) -> None:
    """Duplicate a course (content, quizzes, settings; no learners) as a new draft."""

    async def act(container: ApplicationContainer) -> Course:
        course = await _course(container, ref)
        principal = await _owner(container, owner)
        # The owner's own rights decide: another instructor's course is cloned from its live
        # revision (never an unpublished draft), exactly as over HTTP.
        return await container.catalog.clone_course()(principal, CloneCourseCommand(course.id, title))

    copy = run_with_container(act)
    typer.echo(f"cloned into {copy.slug} ({copy.id}), a draft")


@app.command()
def export(
    ref: CourseRefArg,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Write a course's draft as a JSON document (import it here or elsewhere)."""

    async def act(container: ApplicationContainer) -> dict[str, Any]:
        course = await _course(container, ref)
        return await container.catalog.export_course()(SYSTEM, ExportCourseCommand(course.id))

    document = json.dumps(run_with_container(act), ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(document)
    else:
        output.write_text(document + "\n", encoding="utf-8")
        typer.echo(f"wrote {output}")


@app.command("import")
def import_course(
    source: Annotated[Path, typer.Argument(help="A JSON file written by `lyceum courses export`.")],
    owner: Annotated[str, typer.Option(help="Email of the instructor who will own the new draft.")],
    slug: Annotated[str | None, typer.Option(help="Slug of the new course.")] = None,
) -> None:
    """Create a new draft from an exported course (fresh ids; rich text sanitised again)."""
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"cannot read {source}: {exc}", 2)

    async def act(container: ApplicationContainer) -> Course:
        principal = await _owner(container, owner)
        if not isinstance(document, dict):
            raise InvalidInput("course.import_format", "not a course export")
        return await container.catalog.import_course()(principal, ImportCourseCommand(document, slug))

    course = run_with_container(act)
    typer.echo(f"imported {course.slug} ({course.id}), a draft with {len(course.lessons())} lesson(s)")
