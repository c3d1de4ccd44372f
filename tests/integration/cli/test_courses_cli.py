"""``lyceum courses`` and ``lyceum search`` against a real database."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from typer.testing import CliRunner

from core.catalog.application import authoring
from core.catalog.application.course_search import CourseSearchQuery
from core.catalog.application.workflow import CourseCommand
from core.catalog.domain.course import Course
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from entrypoints.bootstrap.containers import ApplicationContainer, build_container
from entrypoints.bootstrap.lifecycle import shutdown, upgrade_database
from entrypoints.cli.main import app
from entrypoints.cli.users import CLI_CONTEXT, SYSTEM
from tests.conftest import test_settings
from tests.integration.courses.seed import published_course

runner = CliRunner()


T = TypeVar("T")


def seed(tmp_path: Path, database_url: str, action: Callable[[ApplicationContainer], Awaitable[T]]) -> T:
    """Runs ``action`` with a container on the CLI's database (the CLI runs its own loop)."""

    async def main() -> T:
        container = build_container(test_settings(tmp_path, database_url))
        try:
            await upgrade_database(container)
            return await action(container)
        finally:
            await shutdown(container)

    return asyncio.run(main())


def lyceum(tmp_path: Path, database_url: str, *args: str) -> tuple[int, str, str]:
    env = {"LYCEUM_DATA_DIR": str(tmp_path), "LYCEUM_DATABASE_URL": database_url}
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


async def _teacher(container: ApplicationContainer, email: str) -> Principal:
    user = await container.identity.create_user()(
        SYSTEM, email=email, name="Teacher", role="instructor", password="a long enough password 1", ctx=CLI_CONTEXT
    )
    return Principal(user.id, Role.INSTRUCTOR, "test")


def test_review_queue_approve_reject_archive(tmp_path: Path, database_url: str) -> None:
    teacher = Principal(uuid.uuid4(), Role.INSTRUCTOR, "test")

    async def submitted(seeded: ApplicationContainer) -> list[Course]:
        drafts = []
        for title in ("Queued One", "Queued Two"):
            course = await seeded.catalog.create_course()(teacher, authoring.CreateCourseCommand(title))
            course = await seeded.catalog.edit_course()(teacher, authoring.AddSection(course.id, "S"))
            await seeded.catalog.edit_course()(
                teacher, authoring.AddLesson(course.id, course.sections[0].id, "L", "article", article_html="<p>x</p>")
            )
            await seeded.catalog.submit_course()(teacher, CourseCommand(course.id))
            drafts.append(course)
        return drafts

    drafts = seed(tmp_path, database_url, submitted)

    code, out, _ = lyceum(tmp_path, database_url, "courses", "list", "--status", "in_review")
    assert code == 0 and "queued-one" in out and "queued-two" in out

    assert lyceum(tmp_path, database_url, "courses", "approve", "queued-one")[1].strip() == "queued-one is published"
    code, out, _ = lyceum(tmp_path, database_url, "courses", "reject", "queued-two", "--reason", "Too short")
    assert (code, out.strip()) == (0, "queued-two is draft")
    code, out, _ = lyceum(tmp_path, database_url, "courses", "show", "queued-two")
    assert "review note: Too short" in out
    assert (
        lyceum(tmp_path, database_url, "courses", "archive", str(drafts[0].id))[1].strip() == "queued-one is archived"
    )

    code, _, err = lyceum(tmp_path, database_url, "courses", "approve", "nope")
    assert (code, err.strip()) == (3, "error: no course 'nope' (course.not_found)")
    code, _, err = lyceum(tmp_path, database_url, "courses", "approve", "queued-two")
    assert code == 4 and "course.invalid_transition" in err


def test_export_import_and_clone(tmp_path: Path, database_url: str) -> None:
    async def courses(seeded: ApplicationContainer) -> Course:
        teacher = await _teacher(seeded, "owner@example.test")
        await _teacher(seeded, "new-owner@example.test")
        return await published_course(seeded, "Portable Course", owner=teacher, lessons=("One", "Two"))

    course = seed(tmp_path, database_url, courses)
    exported = tmp_path / "course.json"

    code, out, _ = lyceum(tmp_path, database_url, "courses", "export", course.slug, "-o", str(exported))
    assert code == 0 and json.loads(exported.read_text())["course"]["title"] == "Portable Course"

    code, out, _ = lyceum(
        tmp_path, database_url, "courses", "import", str(exported), "--owner", "new-owner@example.test"
    )
    assert code == 0 and "portable-course-2" in out and "2 lesson(s)" in out
    code, out, _ = lyceum(tmp_path, database_url, "courses", "clone", course.slug, "--owner", "new-owner@example.test")
    assert code == 0 and "a draft" in out

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = lyceum(tmp_path, database_url, "courses", "import", str(bad), "--owner", "new-owner@example.test")
    assert code == 2 and err.startswith("error: cannot read")


def test_search_reindex_rebuilds_from_the_catalog(tmp_path: Path, database_url: str) -> None:
    async def one(seeded: ApplicationContainer) -> Course:
        return await published_course(seeded, "Searchable Course")

    async def search(seeded: ApplicationContainer) -> list[str]:
        page = await seeded.catalog.search_courses()(CourseSearchQuery(q="searchable"))
        return [h.title for h in page.hits]

    seed(tmp_path, database_url, one)
    code, out, _ = lyceum(tmp_path, database_url, "search", "reindex")
    assert (code, out.strip()) == (0, "indexed 1 course(s) and 1 content document(s)")
    assert seed(tmp_path, database_url, search) == ["Searchable Course"]
