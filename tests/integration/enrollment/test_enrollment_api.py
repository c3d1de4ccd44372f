"""Joining courses and cohorts over HTTP: free enrollment, waitlists in arrival order, freed
seats offered in turn, and nobody else's enrollment in sight."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest

from core.identity.application.context import Principal
from core.identity.domain.roles import Role
from core.shared.money import Money
from tests.integration.courses.seed import published_course
from tests.integration.enrollment.conftest import Identity


class Cast:
    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.client = identity.client
        self.container = identity.container

    async def setup(self) -> None:
        self.teacher = await self.identity.signed_in("teacher@example.test", role=Role.INSTRUCTOR)
        self.teacher_id = await self.identity.user_id("teacher@example.test")
        self.rival = await self.identity.signed_in("rival@example.test", role=Role.INSTRUCTOR)
        self.ann = await self.identity.signed_in("ann@example.test")
        self.bob = await self.identity.signed_in("bob@example.test")
        self.cat = await self.identity.signed_in("cat@example.test")
        owner = Principal(self.teacher_id, Role.INSTRUCTOR, "seed")
        self.free = str((await published_course(self.container, "Free Course", owner=owner)).id)
        self.paid = str(
            (await published_course(self.container, "Paid Course", owner=owner, price=Money(4_900, "USD"))).id
        )

    async def call(self, method: str, path: str, who: dict[str, str], expect: int = 200, **kwargs: Any) -> Any:
        response = await self.client.request(method, path, headers=who, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None

    def token(self, role: Role = Role.STUDENT) -> dict[str, str]:
        """A signed-in learner without the cost of a password (tokens are what routes check)."""
        tokens = self.container.identity.access_tokens()
        access = tokens.issue(user_id=uuid.uuid4(), role=role, session_id="test", now=self.identity.clock.now())
        return {"Authorization": f"Bearer {access}"}


@pytest.fixture
async def cast(identity: Identity) -> Cast:
    people = Cast(identity)
    await people.setup()
    return people


async def _cohort(cast: Cast, capacity: int | None) -> str:
    body = {"name": "Spring", "starts_on": "2027-03-01", "capacity": capacity}
    cohort = await cast.call("POST", f"/api/v1/courses/{cast.free}/cohorts", cast.teacher, 201, json=body)
    return str(cohort["id"])


async def test_a_learner_enrolls_in_a_free_course_once_and_finds_it_among_their_enrollments(cast: Cast) -> None:
    first = await cast.call("POST", "/api/v1/enrollments", cast.ann, 201, json={"course_id": cast.free})
    again = await cast.call("POST", "/api/v1/enrollments", cast.ann, 201, json={"course_id": cast.free})
    assert first["status"] == "enrolled" and again["enrollment"]["id"] == first["enrollment"]["id"]
    enrollment = first["enrollment"]
    assert (enrollment["course_id"], enrollment["status"], enrollment["revision"]) == (cast.free, "active", 1)

    mine = await cast.call("GET", "/api/v1/enrollments", cast.ann)
    assert [e["id"] for e in mine["items"]] == [enrollment["id"]] and mine["next_cursor"] is None
    assert (await cast.call("GET", "/api/v1/enrollments", cast.bob))["items"] == []
    assert await cast.container.enrollment.check_access()(
        await cast.identity.user_id("ann@example.test"), uuid.UUID(cast.free)
    )


async def test_paid_unknown_and_anonymous_enrollments_are_refused(cast: Cast) -> None:
    paid = await cast.call("POST", "/api/v1/enrollments", cast.ann, 409, json={"course_id": cast.paid})
    assert paid["code"] == "enrollment.payment_required"
    await cast.call("POST", "/api/v1/enrollments", cast.ann, 404, json={"course_id": str(uuid.uuid4())})
    await cast.call("POST", "/api/v1/enrollments", {}, 401, json={"course_id": cast.free})
    bad = await cast.call("POST", "/api/v1/enrollments", cast.ann, 422, json={"course_id": "nope"})
    assert bad["code"] == "request.validation"


async def test_another_learners_enrollment_does_not_exist_for_you(cast: Cast) -> None:
    enrollment = (await cast.call("POST", "/api/v1/enrollments", cast.ann, 201, json={"course_id": cast.free}))[
        "enrollment"
    ]
    await cast.call("GET", f"/api/v1/enrollments/{enrollment['id']}", cast.bob, 404)
    await cast.call("DELETE", f"/api/v1/enrollments/{enrollment['id']}", cast.bob, 404)
    left = await cast.call("DELETE", f"/api/v1/enrollments/{enrollment['id']}?reason=moving", cast.ann)
    assert left["status"] == "cancelled"
    assert not await cast.container.enrollment.check_access()(
        await cast.identity.user_id("ann@example.test"), uuid.UUID(cast.free)
    )
    back = await cast.call("POST", "/api/v1/enrollments", cast.ann, 201, json={"course_id": cast.free})
    assert back["enrollment"]["id"] == enrollment["id"] and back["enrollment"]["status"] == "active"


async def test_cohorts_are_opened_by_the_course_instructors_and_choosing_one_is_required(cast: Cast) -> None:
    body = {"name": "Spring", "starts_on": "2027-03-01", "capacity": 2}
    await cast.call("POST", f"/api/v1/courses/{cast.free}/cohorts", cast.rival, 404, json=body)
    await cast.call("POST", f"/api/v1/courses/{cast.free}/cohorts", cast.ann, 404, json=body)
    bad = {"name": "Spring", "starts_on": "2027-03-01", "ends_on": "2027-01-01"}
    assert (await cast.call("POST", f"/api/v1/courses/{cast.free}/cohorts", cast.teacher, 422, json=bad))[
        "code"
    ] == "cohort.dates"
    cohort = await _cohort(cast, 2)
    listed = await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts", {})
    assert [(c["id"], c["seats_left"]) for c in listed] == [(cohort, 2)]
    refused = await cast.call("POST", "/api/v1/enrollments", cast.ann, 422, json={"course_id": cast.free})
    assert refused["code"] == "enrollment.cohort_required"


async def test_a_full_cohort_queues_learners_and_a_freed_seat_is_offered_in_turn(cast: Cast) -> None:
    cohort = await _cohort(cast, 1)
    join = {"course_id": cast.free, "cohort_id": cohort}
    ann = await cast.call("POST", "/api/v1/enrollments", cast.ann, 201, json=join)
    bob = await cast.call("POST", "/api/v1/enrollments", cast.bob, 202, json=join)
    cat = await cast.call("POST", "/api/v1/enrollments", cast.cat, 202, json=join)
    again = await cast.call("POST", "/api/v1/enrollments", cast.bob, 202, json=join)
    assert again["waitlist_entry"]["id"] == bob["waitlist_entry"]["id"]  # one place per learner
    assert bob["waitlist_entry"]["position"] < cat["waitlist_entry"]["position"]
    queue = await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts/{cohort}/waitlist", cast.teacher)
    assert [e["id"] for e in queue] == [bob["waitlist_entry"]["id"], cat["waitlist_entry"]["id"]]
    await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts/{cohort}/waitlist", cast.ann, 404)

    await cast.call("DELETE", f"/api/v1/enrollments/{ann['enrollment']['id']}", cast.ann)
    queue = await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts/{cohort}/waitlist", cast.teacher)
    assert [e["status"] for e in queue] == ["offered", "waiting"]
    # The seat is held for Bob: nobody else can take it meanwhile.
    await cast.call("POST", "/api/v1/enrollments", cast.token(), 202, json=join)
    entry = bob["waitlist_entry"]["id"]
    await cast.call("POST", f"/api/v1/waitlist/{entry}/accept", cast.cat, 404)
    enrolled = await cast.call("POST", f"/api/v1/waitlist/{entry}/accept", cast.bob, 201)
    assert enrolled["cohort_id"] == cohort and enrolled["status"] == "active"
    await cast.call("POST", f"/api/v1/waitlist/{entry}/accept", cast.bob, 409)
    seats = await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts", {})
    assert seats[0]["seats_left"] == 0


async def test_an_offer_not_taken_in_time_passes_to_the_next_learner(cast: Cast) -> None:
    cohort = await _cohort(cast, 1)
    join = {"course_id": cast.free, "cohort_id": cohort}
    ann = await cast.call("POST", "/api/v1/enrollments", cast.ann, 201, json=join)
    bob = await cast.call("POST", "/api/v1/enrollments", cast.bob, 202, json=join)
    cat = await cast.call("POST", "/api/v1/enrollments", cast.cat, 202, json=join)
    await cast.call("DELETE", f"/api/v1/enrollments/{ann['enrollment']['id']}", cast.ann)

    cast.identity.clock.offset += dt.timedelta(hours=49)
    assert await cast.container.enrollment.expire_offers()() == 1
    cast.bob, cast.cat, cast.teacher = [
        {"Authorization": f"Bearer {(await cast.identity.login(email))['access_token']}"}  # two days later
        for email in ("bob@example.test", "cat@example.test", "teacher@example.test")
    ]
    await cast.call("POST", f"/api/v1/waitlist/{bob['waitlist_entry']['id']}/accept", cast.bob, 409)
    queue = await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts/{cohort}/waitlist", cast.teacher)
    assert [(e["id"], e["status"]) for e in queue] == [(cat["waitlist_entry"]["id"], "offered")]
    # Cat leaves the queue too: with nobody waiting the seat goes back to the cohort.
    await cast.call("DELETE", f"/api/v1/waitlist/{cat['waitlist_entry']['id']}", cast.cat)
    assert (await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts", {}))[0]["seats_left"] == 1


async def test_200_concurrent_enrollments_fill_a_50_seat_cohort_exactly(cast: Cast) -> None:
    # SQLite (embedded, one process) gets a smaller crowd: it serialises writers with a busy wait.
    crowd, seats = (200, 50) if cast.container.infrastructure.engine().dialect.name == "postgresql" else (40, 10)
    cohort = await _cohort(cast, seats)
    join = {"course_id": cast.free, "cohort_id": cohort}
    learners = [cast.token() for _ in range(crowd)]

    responses = await asyncio.gather(
        *(cast.client.post("/api/v1/enrollments", json=join, headers=who) for who in learners)
    )

    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == seats and statuses.count(202) == crowd - seats, statuses
    positions = [r.json()["waitlist_entry"]["position"] for r in responses if r.status_code == 202]
    queue = await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts/{cohort}/waitlist", cast.teacher)
    # Arrival order: the queue is in the order the database took the requests, everyone
    # turned away is in it, nobody twice.
    assert [e["position"] for e in queue] == sorted(positions) and len(set(positions)) == crowd - seats
    assert (await cast.call("GET", f"/api/v1/courses/{cast.free}/cohorts", {}))[0]["seats_left"] == 0
