"""Demo data for ``lyceum serve --demo``: idempotent, through the same use cases as real data."""

from __future__ import annotations

import uuid

from core.catalog.application import authoring
from core.catalog.application.categories import CreateCategoryCommand
from core.catalog.application.workflow import CourseCommand
from core.catalog.domain import quizzes
from core.identity.application.context import Principal, RequestContext
from core.identity.domain.roles import Role
from core.shared.errors import Conflict
from core.shared.money import Money
from core.shared.text import slugify
from entrypoints.bootstrap.containers import ApplicationContainer

DEMO_CATEGORIES: dict[str, list[str]] = {
    "Web Development": ["Frontend", "Backend", "Full-Stack"],
    "AI/ML": ["Machine Learning", "Deep Learning", "Natural Language Processing"],
    "Cloud Computing": ["AWS", "Kubernetes", "DevOps"],
    "Data Science": ["Data Analysis", "Data Engineering"],
    "Mobile Development": ["iOS", "Android"],
    "Cybersecurity": [],
    "Программирование": ["Python для начинающих"],
    "פיתוח תוכנה": [],
}


DEMO_PASSWORD = "lyceum demo password"  # noqa: S105 - documented, demo data only
DEMO_USERS = (
    ("admin@demo.lyceum.test", "Ada Admin", "super_admin"),
    ("teacher@demo.lyceum.test", "Ilya Instructor", "instructor"),
    ("student@demo.lyceum.test", "Noa Student", "student"),
)
_SYSTEM = Principal(uuid.UUID(int=0), Role.SUPER_ADMIN, "demo")


async def seed_demo_users(container: ApplicationContainer) -> int:
    created = 0
    for email, name, role in DEMO_USERS:
        try:
            await container.identity.create_user()(
                _SYSTEM, email=email, name=name, role=role, password=DEMO_PASSWORD, ctx=RequestContext(ip="demo")
            )
            created += 1
        except Conflict:
            pass  # seeded by an earlier start
    return created


# slug, title, language, category slug, difficulty, price (minor units, currency) or None, publish
DEMO_COURSES: tuple[tuple[str, str, str, str, str, tuple[int, str] | None, bool], ...] = (
    ("python-from-zero", "Python from Zero", "en", "backend", "beginner", None, True),
    ("modern-frontend", "Modern Frontend with TypeScript", "en", "frontend", "intermediate", (4900, "USD"), True),
    ("kubernetes-in-production", "Kubernetes in Production", "en", "kubernetes", "advanced", (8900, "EUR"), True),
    ("deep-learning-basics", "Deep Learning Basics", "en", "deep-learning", "intermediate", (5900, "USD"), True),
    (
        "python-dlya-nachinayushchikh",
        "Python для начинающих",
        "ru",
        "python-dlya-nachinayushchikh",
        "beginner",
        (99000, "RUB"),
        True,
    ),
    ("pituach-tochna-lematchilim", "פיתוח תוכנה למתחילים", "he", "פיתוח-תוכנה", "beginner", (14900, "ILS"), True),
    ("data-engineering-draft", "Data Engineering Pipelines (draft)", "en", "data-engineering", "advanced", None, False),
)


async def seed_demo_courses(container: ApplicationContainer) -> int:
    """Published courses by the demo instructor (approved by the demo admin), one draft."""
    async with container.infrastructure.uow() as uow:
        teacher = await uow.users.get_by_email(DEMO_USERS[1][0])
        admin = await uow.users.get_by_email(DEMO_USERS[0][0])
    if teacher is None or admin is None:
        return 0
    author = Principal(teacher.id, Role.INSTRUCTOR, "demo")
    reviewer = Principal(admin.id, Role.SUPER_ADMIN, "demo")
    categories = {v.slug: v.id for v in await container.catalog.get_category_tree()()}
    catalog = container.catalog
    created = 0
    for slug, title, language, category, difficulty, price, publish in DEMO_COURSES:
        async with container.infrastructure.uow() as uow:
            if await uow.courses.slug_taken(slug):
                continue
        course = await catalog.create_course()(
            author,
            authoring.CreateCourseCommand(
                title,
                slug=slug,
                language=language,
                subtitle=f"A demo course: {title}",
                description_html=f"<p>{title}: a hands-on course with articles and a quiz.</p>",
                category_id=categories.get(category),
            ),
        )
        edit = catalog.edit_course()
        await edit(author, authoring.UpdateDetails(course.id, difficulty=difficulty, duration_minutes=90))
        await edit(author, authoring.SetPrice(course.id, Money(*price) if price else None))
        for section_title in ("Getting started", "Going further"):
            course = await edit(author, authoring.AddSection(course.id, section_title))
            section = course.sections[-1]
            await edit(
                author,
                authoring.AddLesson(
                    course.id,
                    section.id,
                    f"{section_title}: the ideas",
                    "article",
                    free_preview=section_title == "Getting started",
                    article_html=f"<p>{title} — {section_title.lower()}.</p>",
                ),
            )
        quiz = quizzes.to_dict(
            quizzes.Quiz(
                title="Check yourself",
                items=(quizzes.TrueFalseQuestion(prompt=f"{title} has two sections.", correct_answer=True),),
            )
        )
        await edit(author, authoring.AddLesson(course.id, course.sections[-1].id, "Quiz", "quiz", quiz=quiz))
        if publish:
            await catalog.submit_course()(author, CourseCommand(course.id))
            await catalog.approve_course()(reviewer, CourseCommand(course.id))
        created += 1
    return created


async def seed_demo(container: ApplicationContainer) -> int:
    """Create whatever demo categories are missing; returns how many were created."""
    existing = {v.slug: v for v in await container.catalog.refresh_category_tree()()}
    create = container.catalog.create_category()
    created = 0
    for parent_name, children in DEMO_CATEGORIES.items():
        parent = existing.get(slugify(parent_name))
        if parent is None:
            parent = await create(CreateCategoryCommand(parent_name))
            created += 1
        for child_name in children:
            if slugify(child_name) not in existing:
                await create(CreateCategoryCommand(child_name, parent_id=parent.id))
                created += 1
    created += await seed_demo_users(container)
    return created + await seed_demo_courses(container)
