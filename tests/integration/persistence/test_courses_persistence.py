"""Courses, revisions and invitations on SQLite and PostgreSQL (the ``container`` fixture runs both)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from adapters.persistence import tables
from core.catalog.domain.course import Course, Lesson, Section
from core.shared.errors import Conflict
from core.shared.ids import new_id
from core.shared.money import Money
from entrypoints.bootstrap.containers import ApplicationContainer
from ports.catalog.courses import CourseRevision, CourseSummary, Invitation
from tests.conftest import count_rows
from tests.integration.persistence.course_data import NOW, fields, full_course, save

LATER = NOW + dt.timedelta(hours=2)


async def _load(container: ApplicationContainer, course_id: uuid.UUID) -> Course:
    async with container.infrastructure.uow() as uow:
        course: Course | None = await uow.courses.get(course_id)
    assert course is not None
    return course


async def _instructors(container: ApplicationContainer, course_id: uuid.UUID) -> set[tuple[uuid.UUID, str]]:
    t = tables.course_instructors
    async with container.infrastructure.engine().connect() as conn:
        rows = (await conn.execute(sa.select(t.c.user_id, t.c.role).where(t.c.course_id == course_id))).all()
    return {(r.user_id, r.role) for r in rows}


def test_the_mapper_covers_every_course_field() -> None:
    # A field added to Course must be added to the mapper (and the table) too: fail loudly here.
    mapped = {c.name for c in tables.courses.c} - {"price_amount", "price_currency", "section_count", "lesson_count"}
    assert {f.name for f in dataclasses.fields(Course)} == mapped | {"price"}


async def test_a_full_course_round_trips(container: ApplicationContainer) -> None:
    course = full_course()
    await save(container, course)

    loaded = await _load(container, course.id)

    assert loaded is not course
    assert loaded.snapshot() == course.snapshot()
    assert fields(loaded) == fields(course)
    assert loaded.price == Money(4900, "USD") and loaded.price_overrides == {"EUR": 4500, "ILS": 18000}
    section = loaded.sections[1]
    assert isinstance(section, Section) and isinstance(section.lessons[0], Lesson)
    assert isinstance(section.lessons[0].id, uuid.UUID)
    assert section.lessons[0].quiz == course.sections[1].lessons[0].quiz
    assert loaded.objectives[0].lesson_ids == course.objectives[0].lesson_ids
    assert loaded.created_at.tzinfo is not None and loaded.version == 1
    assert loaded.pull_events() == []
    assert await _instructors(container, course.id) == {(course.owner_id, "owner")} | {
        (u, "co_instructor") for u in course.co_instructor_ids
    }


async def test_a_free_bare_course_round_trips(container: ApplicationContainer) -> None:
    course = Course.create(title="Blank", owner_id=new_id(), now=NOW)
    await save(container, course)
    loaded = await _load(container, course.id)
    assert fields(loaded) == fields(course)
    assert loaded.price is None and loaded.sections == [] and loaded.capacity is None


async def test_changes_are_saved_and_bump_the_version_once(container: ApplicationContainer) -> None:
    course = full_course()
    await save(container, course)
    async with container.infrastructure.uow() as uow:
        same = await uow.courses.get(course.id)
        assert same is not None
        assert await uow.courses.get_by_slug(course.slug) is same  # one object per course per unit of work
        same.update_details(LATER, title="Consensus in practice", capacity=None)
        same.add_lesson(same.sections[0].id, "Extra", "article", LATER)
        await uow.commit()
        assert same.version == 2

    loaded = await _load(container, course.id)
    assert loaded.title == "Consensus in practice" and loaded.capacity is None
    assert [lesson.title for lesson in loaded.sections[0].lessons][-1] == "Extra"
    assert loaded.version == 2 and loaded.updated_at == LATER

    async with container.infrastructure.uow() as uow:
        untouched = await uow.courses.get(course.id)
        await uow.commit()
    assert untouched is not None and untouched.version == 2
    assert (await _load(container, course.id)).version == 2


async def test_concurrent_editors_of_one_course_cannot_both_win(container: ApplicationContainer) -> None:
    course = full_course()
    await save(container, course)
    first, second = container.infrastructure.uow(), container.infrastructure.uow()
    async with first, second:
        one = await first.courses.get(course.id)
        two = await second.courses.get(course.id)
        assert one is not None and two is not None
        one.update_details(LATER, title="Edited by one")
        two.update_details(LATER, subtitle="Edited by two")
        await first.commit()
        with pytest.raises(Conflict) as err:
            await second.commit()
    assert err.value.code == "concurrency.conflict"
    loaded = await _load(container, course.id)
    assert (loaded.title, loaded.subtitle, loaded.version) == ("Edited by one", course.subtitle, 2)
    # The loser's events went nowhere: only the two saves' events are in the outbox.
    async with container.infrastructure.engine().connect() as conn:
        parts = (
            await conn.execute(
                sa.select(tables.outbox.c.payload).where(tables.outbox.c.event_type == "catalog.course_edited")
            )
        ).scalars()
        assert ["subtitle"] not in [p["parts"] for p in parts]


async def test_a_slug_taken_by_a_concurrent_create_is_a_conflict(container: ApplicationContainer) -> None:
    owner = new_id()
    await save(container, Course.create(title="Go", owner_id=owner, now=NOW, slug="go"))
    async with container.infrastructure.uow() as uow:
        assert await uow.courses.slug_taken("go")
        assert not await uow.courses.slug_taken("rust")
        assert (await uow.courses.get_by_slug("go")) is not None
        assert await uow.courses.get_by_slug("rust") is None
        assert await uow.courses.get(new_id()) is None
    with pytest.raises(Conflict) as err:
        await save(container, Course.create(title="Go again", owner_id=owner, now=NOW, slug="go"))
    assert err.value.code == "persistence.constraint"
    assert await count_rows(container, tables.courses) == 1


async def test_co_instructor_changes_are_kept_in_sync(container: ApplicationContainer) -> None:
    course = full_course()
    await save(container, course)
    gone, kept = course.co_instructor_ids
    newcomer = new_id()
    async with container.infrastructure.uow() as uow:
        loaded = await uow.courses.get(course.id)
        assert loaded is not None
        loaded.set_co_instructors([kept, newcomer], LATER)
        await uow.commit()
    assert await _instructors(container, course.id) == {
        (course.owner_id, "owner"),
        (kept, "co_instructor"),
        (newcomer, "co_instructor"),
    }
    async with container.infrastructure.uow() as uow:
        assert (await uow.courses.list_summaries(instructor_id=gone)).items == []
        assert [s.id for s in (await uow.courses.list_summaries(instructor_id=newcomer)).items] == [course.id]


async def test_summaries_by_instructor_and_status_page_by_id(container: ApplicationContainer) -> None:
    alice, bob = new_id(), new_id()
    alices = [Course.create(title=f"Alice {i}", owner_id=alice, now=NOW, slug=f"alice-{i}") for i in range(5)]
    bobs = Course.create(title="Bob's", owner_id=bob, now=NOW, slug="bob")
    alices[1].set_co_instructors([bob], NOW)
    alices[3].set_co_instructors([bob], NOW)
    alices[2].archive(NOW)
    alices[3].archive(NOW)
    full = full_course(owner_id=alice)
    await save(container, *alices, bobs, full)

    async def walk(limit: int, **criteria: object) -> list[uuid.UUID]:
        seen: list[uuid.UUID] = []
        after = None
        async with container.infrastructure.uow() as uow:
            while True:
                page = await uow.courses.list_summaries(after=after, limit=limit, **criteria)
                assert len(page.items) <= limit
                seen += [s.id for s in page.items]
                if page.next_cursor is None:
                    return seen
                after = page.next_cursor

    everything = sorted(c.id for c in [*alices, bobs, full])
    for limit in (1, 2, 3, 100):
        assert await walk(limit) == everything
        assert await walk(limit, instructor_id=alice) == sorted(c.id for c in [*alices, full])
        assert await walk(limit, instructor_id=bob) == sorted([alices[1].id, alices[3].id, bobs.id])
        assert await walk(limit, instructor_id=bob, statuses=("draft",)) == sorted([alices[1].id, bobs.id])
        assert await walk(limit, statuses=("archived",)) == sorted([alices[2].id, alices[3].id])
    assert await walk(1, instructor_id=new_id()) == []

    async with container.infrastructure.uow() as uow:
        page = await uow.courses.list_summaries(instructor_id=bob, statuses=("draft", "archived"), limit=500)
    assert page.next_cursor is None
    summary = next(s for s in page.items if s.id == alices[3].id)
    assert summary == CourseSummary(
        id=alices[3].id,
        slug="alice-3",
        title="Alice 3",
        status="archived",
        owner_id=alice,
        live_revision=None,
        revision_count=0,
        section_count=0,
        lesson_count=0,
        updated_at=NOW,
    )
    async with container.infrastructure.uow() as uow:
        (counted,) = (
            await uow.courses.list_summaries(instructor_id=alice, statuses=("draft",), after=alices[4].id)
        ).items
    assert (counted.id, counted.section_count, counted.lesson_count) == (full.id, 2, 4)


async def test_revisions_are_kept_and_listed_newest_first(container: ApplicationContainer) -> None:
    course = full_course()
    reviewer = new_id()
    await save(container, course)
    first = CourseRevision(course.id, 1, course.snapshot(), reviewer, NOW)
    async with container.infrastructure.uow() as uow:
        loaded = await uow.courses.get(course.id)
        assert loaded is not None
        loaded.update_details(LATER, title="Second edition")
        loaded.remove_lesson(loaded.sections[0].lessons[0].id, LATER)
        second = CourseRevision(course.id, 2, loaded.snapshot(), reviewer, LATER)
        await uow.courses.add_revision(first)
        await uow.courses.add_revision(second)
        await uow.commit()

    async with container.infrastructure.uow() as uow:
        assert await uow.courses.get_revision(course.id, 1) == first
        assert await uow.courses.get_revision(course.id, 2) == second
        assert await uow.courses.get_revision(course.id, 3) is None
        history = await uow.courses.list_revisions(course.id)
        assert await uow.courses.list_revisions(new_id()) == []
    assert [(r.number, r.title, r.lesson_count, r.approved_at) for r in history] == [
        (2, "Second edition", 3, LATER),
        (1, course.title, 4, NOW),
    ]
    assert history[0].approved_by == reviewer

    async def write_again() -> None:
        async with container.infrastructure.uow() as uow:
            await uow.courses.add_revision(first)
            await uow.commit()

    with pytest.raises(Conflict):  # a revision number is written once
        await write_again()


async def test_invitations_are_accepted_once(container: ApplicationContainer) -> None:
    course = full_course()
    await save(container, course)
    invitation = Invitation(
        id=new_id(),
        course_id=course.id,
        email="co@example.org",
        token_hash="a" * 64,
        invited_by=course.owner_id,
        created_at=NOW,
        expires_at=NOW + dt.timedelta(days=7),
    )
    async with container.infrastructure.uow() as uow:
        await uow.courses.add_invitation(invitation)
        await uow.commit()
    async with container.infrastructure.uow() as uow:
        assert await uow.courses.invitation_by_token_hash("a" * 64) == invitation
        assert await uow.courses.invitation_by_token_hash("b" * 64) is None

    async def accept(user_id: uuid.UUID) -> bool:
        async with container.infrastructure.uow() as uow:
            accepted: bool = await uow.courses.mark_invitation_accepted(invitation.id, user_id, LATER)
            await uow.commit()
            return accepted

    results = await asyncio.gather(*(accept(new_id()) for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    async with container.infrastructure.uow() as uow:
        stored = await uow.courses.invitation_by_token_hash("a" * 64)
    assert stored is not None and stored.accepted_at == LATER and stored.accepted_by is not None
    assert not await accept(new_id())


async def test_a_new_course_can_be_referenced_in_the_same_unit_of_work(container: ApplicationContainer) -> None:
    course = full_course()
    invitation = Invitation(new_id(), course.id, "x@example.org", "c" * 64, course.owner_id, NOW, NOW)
    async with container.infrastructure.uow() as uow:
        await uow.courses.add(course)
        await uow.courses.add_invitation(invitation)
        course.update_details(LATER, subtitle="Changed after the insert")
        await uow.commit()
    loaded = await _load(container, course.id)
    assert loaded.subtitle == "Changed after the insert"
    assert await count_rows(container, tables.course_invitations) == 1


async def test_events_of_saved_courses_reach_the_outbox(container: ApplicationContainer) -> None:
    course = Course.create(title="Events", owner_id=new_id(), now=NOW)
    await save(container, course)
    async with container.infrastructure.uow() as uow:
        loaded = await uow.courses.get(course.id)
        assert loaded is not None
        loaded.archive(LATER)
        await uow.commit()

    async with container.infrastructure.engine().connect() as conn:
        rows = (
            await conn.execute(
                sa.select(tables.outbox.c.event_type, tables.outbox.c.payload).order_by(tables.outbox.c.id)
            )
        ).all()
    assert [r.event_type for r in rows] == [
        "catalog.course_created",
        "catalog.course_status_changed",
        "catalog.course_archived",
    ]
    assert rows[0].payload == {"course_id": str(course.id), "owner_id": str(course.owner_id)}
    assert (await _load(container, course.id)).status == "archived"


async def test_deleting_a_course_removes_what_hangs_off_it(container: ApplicationContainer) -> None:
    course = full_course()
    await save(container, course)
    async with container.infrastructure.uow() as uow:
        await uow.courses.add_revision(CourseRevision(course.id, 1, course.snapshot(), new_id(), NOW))
        await uow.commit()
    async with container.infrastructure.engine().begin() as conn:
        await conn.execute(sa.delete(tables.courses).where(tables.courses.c.id == course.id))
    assert await count_rows(container, tables.course_revisions) == 0
    assert await count_rows(container, tables.course_instructors) == 0
