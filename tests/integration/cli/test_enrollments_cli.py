"""``lyceum enrollments`` against a real database."""

from __future__ import annotations

from pathlib import Path

from core.shared.money import Money
from entrypoints.bootstrap.containers import ApplicationContainer
from entrypoints.cli.users import CLI_CONTEXT, SYSTEM
from tests.integration.cli.test_courses_cli import _teacher, lyceum, seed
from tests.integration.courses.seed import published_course


def test_grant_list_and_cancel_an_enrollment(tmp_path: Path, database_url: str) -> None:
    async def setup(container: ApplicationContainer) -> str:
        await container.identity.create_user()(
            SYSTEM, email="learner@example.test", name="Learner", role="student",
            password="a long enough password 1", ctx=CLI_CONTEXT,
        )  # fmt: skip
        owner = await _teacher(container, "teacher@example.test")
        paid = await published_course(container, "Paid Course", owner=owner, price=Money(9_900, "EUR"))
        return paid.slug

    slug = seed(tmp_path, database_url, setup)

    code, out, err = lyceum(
        tmp_path, database_url, "enrollments", "grant", "learner@example.test", slug, "--term", "6m"
    )
    assert code == 0, err
    assert "enrolled learner@example.test until" in out
    enrollment_id = out.strip().rsplit(" ", 1)[-1]

    code, out, _ = lyceum(tmp_path, database_url, "enrollments", "list", "--user", "learner@example.test")
    assert code == 0 and enrollment_id in out and "admin" in out

    code, _, err = lyceum(tmp_path, database_url, "enrollments", "grant", "learner@example.test", slug)
    assert code == 4 and err.count("\n") == 1 and "already enrolled" in err  # conflict

    code, out, _ = lyceum(tmp_path, database_url, "enrollments", "cancel", enrollment_id, "--reason", "refund")
    assert code == 0 and "cancelled" in out
    code, _, err = lyceum(tmp_path, database_url, "enrollments", "cancel", "not-an-id")
    assert code == 1 and "not an enrollment id" in err
    code, _, err = lyceum(tmp_path, database_url, "enrollments", "list", "--user", "nobody@example.test")
    assert code == 3 and "no user" in err  # not found
