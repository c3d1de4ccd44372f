"""A course's life over HTTP: written by an instructor, reviewed by an admin, published in the
catalog and search, edited again, rolled back, archived. Real database, cache, outbox, worker."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import pytest

from core.catalog.domain import quizzes
from core.identity.domain.roles import Role
from tests.integration.courses.conftest import Identity

QUIZ = quizzes.to_dict(
    quizzes.Quiz(
        title="Check yourself",
        items=(quizzes.SingleChoiceQuestion.create(prompt="2 + 2?", options=["3", "4"], correct=1),),
    )
)


class Cast:
    """The people of these tests, signed in."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.client = identity.client

    async def setup(self) -> None:
        self.instructor = await self.identity.signed_in("teacher@example.test", role=Role.INSTRUCTOR)
        self.other_instructor = await self.identity.signed_in("rival@example.test", role=Role.INSTRUCTOR)
        self.student = await self.identity.signed_in("student@example.test")
        self.admin = await self.identity.signed_in("admin@example.test", role=Role.ADMIN)

    async def call(self, method: str, path: str, who: dict[str, str], expect: int = 200, **kwargs: Any) -> Any:
        response = await self.client.request(method, path, headers=who, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.content else None


@pytest.fixture
async def cast(identity: Identity) -> Cast:
    people = Cast(identity)
    await people.setup()
    return people


async def _written_course(cast: Cast, title: str = "Relational Databases") -> dict[str, Any]:
    course = await cast.call(
        "POST",
        "/api/v1/courses",
        cast.instructor,
        201,
        json={"title": title, "description_html": '<p onclick="x()">Tables<script>alert(1)</script></p>'},
    )
    cid = course["id"]
    await cast.call(
        "PATCH", f"/api/v1/courses/{cid}", cast.instructor, json={"difficulty": "intermediate", "tags": ["sql"]}
    )
    await cast.call(
        "POST",
        f"/api/v1/courses/{cid}/price",
        cast.instructor,
        json={"price": {"amount_minor": 4900, "currency": "USD"}},
    )
    course = await cast.call("POST", f"/api/v1/courses/{cid}/sections", cast.instructor, 201, json={"title": "Basics"})
    sid = course["sections"][0]["id"]
    await cast.call(
        "POST",
        f"/api/v1/courses/{cid}/sections/{sid}/lessons",
        cast.instructor,
        201,
        json={"title": "What is a table", "kind": "article", "article_html": "<p>Rows and columns</p>"},
    )
    return await cast.call(
        "POST",
        f"/api/v1/courses/{cid}/sections/{sid}/lessons",
        cast.instructor,
        201,
        json={"title": "Quiz", "kind": "quiz", "quiz": QUIZ},
    )


async def _publish(cast: Cast, cid: str) -> None:
    submitted = await cast.call("POST", f"/api/v1/courses/{cid}/submit", cast.instructor)
    assert submitted["status"] == "in_review"
    approved = await cast.call("POST", f"/api/v1/courses/{cid}/approve", cast.admin)
    assert approved["status"] == "published"


async def test_written_submitted_approved_course_appears_in_the_catalog(cast: Cast) -> None:
    course = await _written_course(cast)
    cid = course["id"]
    assert "script" not in course["description_html"] and "onclick" not in course["description_html"]

    listing = await cast.call("GET", "/api/v1/catalog/courses", {})
    assert listing["items"] == []
    await _publish(cast, cid)

    listing = await cast.call("GET", "/api/v1/catalog/courses", {})
    assert [c["id"] for c in listing["items"]] == [cid]
    assert listing["items"][0]["price"] == {"amount_minor": 4900, "currency": "USD"}
    page = await cast.call("GET", f"/api/v1/catalog/courses/{course['slug']}", {})
    assert [lesson["title"] for lesson in page["syllabus"][0]["lessons"]] == ["What is a table", "Quiz"]
    assert "article_html" not in page["syllabus"][0]["lessons"][0]  # titles only for the public


async def test_a_student_cannot_edit_and_another_instructor_cannot_see_the_draft(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    await cast.call("PATCH", f"/api/v1/courses/{cid}", cast.student, 403, json={"title": "Mine now"})
    await cast.call("GET", f"/api/v1/courses/{cid}", cast.other_instructor, 404)
    await cast.call("PATCH", f"/api/v1/courses/{cid}", cast.other_instructor, 404, json={"title": "Mine now"})
    await cast.call("POST", f"/api/v1/courses/{cid}/submit", cast.instructor)
    await cast.call("POST", f"/api/v1/courses/{cid}/approve", cast.instructor, 403)  # no self-approval by instructors
    await cast.call("GET", f"/api/v1/catalog/courses/{cid}", {}, 404)  # still a draft in review


async def test_edit_after_publish_leaves_the_published_revision_until_the_next_approval(cast: Cast) -> None:
    course = await _written_course(cast)
    cid = course["id"]
    await _publish(cast, cid)
    await cast.call("PATCH", f"/api/v1/courses/{cid}", cast.instructor, json={"title": "Databases, revised"})

    public = await cast.call("GET", f"/api/v1/catalog/courses/{cid}", {})
    assert public["title"] == "Relational Databases"
    assert public["revision"] == 1

    await _publish(cast, cid)
    public = await cast.call("GET", f"/api/v1/catalog/courses/{cid}", {})
    assert (public["title"], public["revision"]) == ("Databases, revised", 2)
    revisions = await cast.call("GET", f"/api/v1/courses/{cid}/revisions", cast.instructor)
    assert [r["number"] for r in revisions["items"]] == [2, 1]
    diff = await cast.call("GET", f"/api/v1/courses/{cid}/revisions/1/diff?new=2", cast.instructor)
    assert {
        "kind": "changed",
        "path": "title",
        "before": "Relational Databases",
        "after": "Databases, revised",
    } in diff["changes"]


async def test_rollback_restores_an_old_revision_exactly(cast: Cast) -> None:
    course = await _written_course(cast)
    cid = course["id"]
    await _publish(cast, cid)
    published = await cast.call("GET", f"/api/v1/courses/{cid}", cast.instructor)
    sid = published["sections"][0]["id"]
    await cast.call("PATCH", f"/api/v1/courses/{cid}", cast.instructor, json={"title": "Changed", "tags": ["x"]})
    await cast.call("POST", f"/api/v1/courses/{cid}/sections", cast.instructor, 201, json={"title": "Extra"})
    await cast.call("DELETE", f"/api/v1/courses/{cid}/sections/{sid}", cast.instructor)

    restored = await cast.call("POST", f"/api/v1/courses/{cid}/revisions/1/rollback", cast.instructor)

    keys = ("title", "subtitle", "description_html", "tags", "price", "sections", "objectives", "difficulty")
    assert {k: restored[k] for k in keys} == {k: published[k] for k in keys}
    diff = await cast.call("GET", f"/api/v1/courses/{cid}/revisions/1/diff", cast.instructor)
    assert diff["changes"] == []


async def test_archived_courses_leave_the_catalog(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    await _publish(cast, cid)
    first = await cast.client.get("/api/v1/catalog/courses")
    assert len(first.json()["items"]) == 1
    etag = first.headers["etag"]
    cached = await cast.client.get("/api/v1/catalog/courses", headers={"If-None-Match": etag})
    assert cached.status_code == 304

    await cast.call("POST", f"/api/v1/courses/{cid}/archive", cast.instructor)

    after = await cast.client.get("/api/v1/catalog/courses", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.json()["items"] == []
    await cast.call("GET", f"/api/v1/catalog/courses/{cid}", {}, 404)


async def test_reject_needs_a_reason_and_returns_the_course_to_draft(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    await cast.call("POST", f"/api/v1/courses/{cid}/submit", cast.instructor)
    await cast.call("POST", f"/api/v1/courses/{cid}/reject", cast.admin, 422, json={"reason": ""})
    rejected = await cast.call("POST", f"/api/v1/courses/{cid}/reject", cast.admin, json={"reason": "Add a summary"})
    assert (rejected["status"], rejected["review_note"]) == ("draft", "Add a summary")


async def test_clone_is_a_new_draft_of_the_caller(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    await _publish(cast, cid)
    copy = await cast.call("POST", f"/api/v1/courses/{cid}/clone", cast.other_instructor, 201, json={})
    assert copy["status"] == "draft" and copy["id"] != cid
    assert copy["owner_id"] == str(await cast.identity.user_id("rival@example.test"))
    assert [lesson["title"] for lesson in copy["sections"][0]["lessons"]] == ["What is a table", "Quiz"]


async def test_my_courses_and_the_review_queue(cast: Cast) -> None:
    first = (await _written_course(cast, "First"))["id"]
    await _written_course(cast, "Second")
    await cast.call("POST", f"/api/v1/courses/{first}/submit", cast.instructor)

    mine = await cast.call("GET", "/api/v1/courses", cast.instructor)
    assert sorted(c["title"] for c in mine["items"]) == ["First", "Second"]
    assert (await cast.call("GET", "/api/v1/courses", cast.other_instructor))["items"] == []
    queue = await cast.call("GET", "/api/v1/courses?status=in_review", cast.admin)
    assert [c["id"] for c in queue["items"]] == [first]
    await cast.call("GET", "/api/v1/courses", cast.student, 403)


async def test_zip_import_reports_per_file(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Week 1/01 Intro.md", "Hello")
        archive.writestr("Week 1/slides.pdf", b"%PDF-1.4 test")
        archive.writestr("Week 1/virus.exe", b"MZ")
    report = await cast.call(
        "POST",
        f"/api/v1/courses/{cid}/content/zip",
        cast.instructor,
        files={"data": ("content.zip", buffer.getvalue(), "application/zip")},
    )
    assert report["imported"] == 2
    assert {f["path"]: f["outcome"] for f in report["files"]}["Week 1/virus.exe"] == "skipped"


async def test_export_and_import_round_trip(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    document = await cast.call("GET", f"/api/v1/courses/{cid}/export", cast.instructor)
    copy = await cast.call("POST", "/api/v1/courses/import", cast.other_instructor, 201, json={"document": document})
    assert copy["title"] == "Relational Databases" and copy["id"] != cid


async def test_catalog_filters_and_bad_input(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    await _publish(cast, cid)
    assert len((await cast.call("GET", "/api/v1/catalog/courses?difficulty=intermediate", {}))["items"]) == 1
    assert (await cast.call("GET", "/api/v1/catalog/courses?free=true", {}))["items"] == []
    assert len((await cast.call("GET", "/api/v1/catalog/courses?currency=USD&price_max=5000", {}))["items"]) == 1
    problem = await cast.call("GET", "/api/v1/catalog/courses?sort=random", {}, 422)
    assert problem["code"] == "catalog.sort"
    problem = await cast.call("GET", "/api/v1/catalog/courses?cursor=garbage", {}, 422)
    assert problem["code"] == "catalog.cursor"
    await cast.call("GET", f"/api/v1/catalog/courses/{uuid.uuid4()}", {}, 404)


async def test_a_repeated_catalog_request_is_answered_again_until_the_catalog_changes(cast: Cast) -> None:
    await _publish(cast, (await _written_course(cast, "Course One"))["id"])
    url = "/api/v1/catalog/courses?limit=5&sort=title"
    first = await cast.client.get(url)
    again = await cast.client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert "ratelimit-remaining" in again.headers  # rate limits still apply to recalled pages
    cached = await cast.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""

    for _ in range(2):  # an invalid request is refused every time, never recalled
        assert (await cast.client.get("/api/v1/catalog/courses?limit=0")).status_code == 422

    await _publish(cast, (await _written_course(cast, "Course Two"))["id"])
    fresh = (await cast.client.get(url)).json()
    assert [c["title"] for c in fresh["items"]] == ["Course One", "Course Two"]


async def test_an_invited_co_instructor_accepts_once_and_can_edit(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    await cast.call(
        "POST", f"/api/v1/courses/{cid}/invitations", cast.instructor, 201, json={"email": "rival@example.test"}
    )
    await cast.identity.deliver_mail()
    token = cast.identity.token_from_last_mail("rival@example.test", "course-invitations")

    stranger = await cast.identity.signed_in("forwarded-to@example.test", role=Role.INSTRUCTOR)
    refused = await cast.call("POST", "/api/v1/courses/invitations/accept", stranger, 403, json={"token": token})
    assert refused["code"] == "course.invitation_other_address"  # a forwarded link is no key

    course = await cast.call("POST", "/api/v1/courses/invitations/accept", cast.other_instructor, json={"token": token})
    assert course["co_instructor_ids"] == [str(await cast.identity.user_id("rival@example.test"))]
    await cast.call("PATCH", f"/api/v1/courses/{cid}", cast.other_instructor, json={"subtitle": "Co-written"})
    again = await cast.call(
        "POST", "/api/v1/courses/invitations/accept", cast.other_instructor, 409, json={"token": token}
    )
    assert again["code"] == "course.invitation_used"


async def test_published_courses_reach_search_through_the_worker_and_archived_ones_leave(cast: Cast) -> None:
    cid = (await _written_course(cast))["id"]
    await _publish(cast, cid)
    await cast.identity.deliver_mail()  # relay the outbox and run the handlers, as the worker does

    found = await cast.call("GET", "/api/v1/search/courses?q=relatoinal", {})  # a typo
    assert [h["course_id"] for h in found["hits"]] == [cid]
    assert {b["value"]: b["count"] for b in found["facets"]["difficulty"]} == {"intermediate": 1}
    content = await cast.call("GET", "/api/v1/search/content?q=columns", cast.student)
    assert [h["lesson_title"] for h in content["hits"]] == ["What is a table"]
    quiz_for_student = await cast.call("GET", "/api/v1/search/content?q=2", cast.student)
    assert all(h["audience"] == "public" for h in quiz_for_student["hits"])
    quiz_for_teacher = await cast.call("GET", "/api/v1/search/content?q=2", cast.instructor)
    assert "instructors" in {h["audience"] for h in quiz_for_teacher["hits"]}

    await cast.call("POST", f"/api/v1/courses/{cid}/archive", cast.instructor)
    await cast.identity.deliver_mail()
    assert (await cast.call("GET", "/api/v1/search/courses?q=relational", {}))["hits"] == []
    assert (await cast.call("GET", "/api/v1/search/content?q=columns", {}))["hits"] == []


async def test_people_search_finds_instructors_by_name_for_members_only(cast: Cast) -> None:
    found = await cast.call("GET", "/api/v1/search/people?q=Test&role=instructor", cast.student)
    assert {p["role"] for p in found["items"]} == {"instructor"} and len(found["items"]) == 2
    await cast.call("GET", "/api/v1/search/people?q=Test", {}, 401)


async def test_catalog_pages_are_gzipped_once_for_clients_that_accept_it(cast: Cast) -> None:
    for title in ("One", "Two", "Three", "Four", "Five", "Six"):
        await _publish(cast, (await _written_course(cast, f"Course {title}"))["id"])
    plain = await cast.client.get("/api/v1/catalog/courses", headers={"Accept-Encoding": "identity"})
    zipped = await cast.client.get("/api/v1/catalog/courses", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in plain.headers and zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json() and zipped.headers["etag"] == plain.headers["etag"]
    assert plain.headers["vary"] == "accept-encoding"
    assert int(zipped.headers["content-length"]) < len(plain.content)
