"""Published courses made through the use cases, for tests of the read side's doors."""

from __future__ import annotations

import uuid

from core.catalog.application import authoring
from core.catalog.application.workflow import CourseCommand
from core.catalog.domain.course import Course
from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.money import Money
from entrypoints.bootstrap.containers import ApplicationContainer

ADMIN = Principal(uuid.UUID(int=1), Role.ADMIN, "seed")


async def published_course(
    container: ApplicationContainer,
    title: str,
    *,
    owner: Principal | None = None,
    price: Money | None = None,
    difficulty: str = "beginner",
    lessons: tuple[str, ...] = ("Welcome",),
) -> Course:
    """A course with one section of article lessons, submitted and approved."""
    author = owner or Principal(uuid.uuid4(), Role.INSTRUCTOR, "seed")
    catalog = container.catalog
    course = await catalog.create_course()(author, authoring.CreateCourseCommand(title))
    edit = catalog.edit_course()
    await edit(author, authoring.UpdateDetails(course.id, difficulty=difficulty))
    await edit(author, authoring.SetPrice(course.id, price))
    course = await edit(author, authoring.AddSection(course.id, "Start"))
    for lesson in lessons:
        await edit(
            author,
            authoring.AddLesson(course.id, course.sections[0].id, lesson, "article", article_html=f"<p>{lesson}</p>"),
        )
    await catalog.submit_course()(author, CourseCommand(course.id))
    await catalog.approve_course()(ADMIN, CourseCommand(course.id))
    return await catalog.get_course_for_editing()(ADMIN, course.id)
