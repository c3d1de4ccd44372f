"""Courses and catalog entries for the course persistence tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from core.catalog.domain import quizzes
from core.catalog.domain.course import Course
from core.shared.ids import new_id
from core.shared.money import Money
from entrypoints.bootstrap.containers import ApplicationContainer
from ports.catalog.courses import CatalogEntry, SyllabusLesson, SyllabusSection

NOW = dt.datetime(2026, 11, 27, 9, 15, 30, 123456, tzinfo=dt.UTC)


def full_course(*, title: str = "Распределённые системы", owner_id: uuid.UUID | None = None) -> Course:
    """A course with every field away from its default: tree, quiz, objectives, prices."""
    course = Course.create(title=title, owner_id=owner_id or new_id(), now=NOW, language="ru")
    course.update_details(
        NOW,
        subtitle="Consensus, replication and clocks",
        description_html="<p>Raft, Paxos &amp; CRDTs. שלום</p>",
        difficulty="advanced",
        duration_minutes=540,
        tags=["raft", "Paxos", "crdt"],
        cover_key="covers/distributed.webp",
        capacity=250,
        category_id=new_id(),
        prerequisite_ids=[new_id(), new_id()],
    )
    course.set_price(Money(4900, "USD"), {"EUR": 4500, "ILS": 18000}, NOW)
    intro = course.add_section("Введение", NOW)
    video = course.add_lesson(intro.id, "Welcome", "video", NOW, free_preview=True, media_key="media/welcome.mp4")
    course.add_lesson(intro.id, "Reading", "article", NOW, article_html="<p>Read this</p>", drip_days=3)
    check = course.add_section("Check yourself", NOW)
    quiz = course.add_lesson(check.id, "Quiz", "quiz", NOW, quiz=quiz_data())
    course.add_lesson(
        check.id, "Homework", "assignment", NOW, assignment={"instructions": "Build a log", "max_points": 10}
    )
    course.set_objectives([("Explain consensus", [video.id, quiz.id]), ("Build a replicated log", [])], NOW)
    course.set_co_instructors([new_id(), new_id()], NOW)
    return course


def quiz_data() -> dict[str, object]:
    quiz = quizzes.Quiz(
        title="Consensus basics",
        settings=quizzes.QuizSettings(passing_score=60, attempts_allowed=3),
        items=(
            quizzes.TrueFalseQuestion(prompt="Raft elects a leader", correct_answer=True, points=2),
            quizzes.TrueFalseQuestion(prompt="Paxos needs a majority", correct_answer=True),
        ),
    )
    return quizzes.to_dict(quiz)


def fields(course: Course) -> dict[str, object]:
    return {f.name: getattr(course, f.name) for f in dataclasses.fields(course)}


async def save(container: ApplicationContainer, *courses: Course) -> None:
    async with container.infrastructure.uow() as uow:
        for course in courses:
            await uow.courses.add(course)
        await uow.commit()


def entry_for(
    course: Course,
    *,
    title: str | None = None,
    revision: int = 1,
    published_at: dt.datetime = NOW,
    price: int = 0,
    currency: str = "USD",
    views: int = 0,
    category_id: uuid.UUID | None = None,
    difficulty: str = "beginner",
    language: str = "en",
    duration: int = 60,
    co_instructors: tuple[uuid.UUID, ...] = (),
) -> CatalogEntry:
    lesson = SyllabusLesson(new_id(), "Welcome", "video", True, None)
    return CatalogEntry(
        course_id=course.id,
        slug=course.slug,
        revision=revision,
        title=title or course.title,
        subtitle="A subtitle",
        description_html="<p>About</p>",
        language=language,
        difficulty=difficulty,
        duration_minutes=duration,
        price_amount=price,
        price_currency=currency,
        price_overrides={"EUR": price} if price and currency != "EUR" else {},
        category_id=category_id,
        tags=("alpha", "beta"),
        cover_key=None,
        owner_id=course.owner_id,
        instructor_ids=(course.owner_id, *co_instructors),
        prerequisite_ids=(new_id(),),
        objectives=("Learn things",),
        capacity=None,
        syllabus=(
            SyllabusSection(new_id(), "Start", (lesson, SyllabusLesson(new_id(), "Read", "article", False, 2))),
            SyllabusSection(new_id(), "Empty", ()),
        ),
        lesson_count=2,
        published_at=published_at,
        updated_at=published_at + dt.timedelta(days=revision - 1),
        views=views,
    )
