from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from entrypoints.cli.main import app

runner = CliRunner()
PASSWORD = "correct horse battery staple\n"


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    values = {"LYCEUM_DATA_DIR": str(tmp_path), "LYCEUM_DATABASE_URL": database_url}
    assert runner.invoke(app, ["db", "upgrade"], env=values).exit_code == 0
    return values


def lyceum(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_the_first_super_admin_is_created_from_the_cli(env: dict[str, str]) -> None:
    code, out, err = lyceum(
        env,
        "users",
        "create",
        "root@example.com",
        "--name",
        "Root",
        "--role",
        "super_admin",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert code == 0, err
    assert out.startswith("created root@example.com (super_admin)")
    code, _, err = lyceum(
        env, "users", "create", "root@example.com", "--name", "Again", "--password-stdin", stdin=PASSWORD
    )
    assert code == 4 and err.strip() == "error: an account with that email exists (user.email_taken)"


def test_weak_passwords_and_missing_stdin_flag_are_refused(env: dict[str, str]) -> None:
    code, _, err = lyceum(
        env, "users", "create", "a@example.com", "--name", "A", "--password-stdin", stdin="password1234\n"
    )
    assert code == 2 and "password.common" in err
    code, _, err = lyceum(env, "users", "create", "a@example.com", "--name", "A")
    assert code == 2 and err.startswith("error: pass --password-stdin")


def test_find_suspend_ban_activate_and_set_role(env: dict[str, str]) -> None:
    lyceum(env, "users", "create", "anna@example.com", "--name", "Анна Каренина", "--password-stdin", stdin=PASSWORD)
    lyceum(
        env,
        "users",
        "create",
        "dan@example.com",
        "--name",
        "דן כהן",
        "--role",
        "instructor",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert "anna@example.com" in lyceum(env, "users", "find", "карен")[1]
    assert "dan@example.com" in lyceum(env, "users", "find", "כהן")[1]
    assert "dan@example.com" not in lyceum(env, "users", "list", "--role", "student")[1]

    assert lyceum(env, "users", "suspend", "anna@example.com", "--reason", "spam", "--days", "1")[1].strip() == (
        "anna@example.com is suspended"
    )
    assert lyceum(env, "users", "ban", "anna@example.com")[1].strip() == "anna@example.com is banned"
    assert lyceum(env, "users", "activate", "anna@example.com")[1].strip() == "anna@example.com is active"
    assert lyceum(env, "users", "set-role", "anna@example.com", "instructor")[1].strip() == (
        "anna@example.com is now instructor"
    )
    code, _, err = lyceum(env, "users", "suspend", "ghost@example.com")
    assert code == 3 and err.strip() == "error: no user 'ghost@example.com' (user.not_found)"


def test_csv_import_and_export_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "email,name,role,password\n"
        "one@example.com,One,student,a long enough passphrase\n"
        "two@example.com,Two,instructor,\n"
        "not-an-email,Bad,student,\n"
        "boss@example.com,Boss,admin,\n"
        "one@example.com,One again,student,\n",
        encoding="utf-8",
    )
    code, out, _ = lyceum(env, "users", "import", str(source))
    assert code == 2  # some rows failed: the run says so
    assert out.strip().splitlines()[-1] == "created 2, already there 1, errors 2"

    target = tmp_path / "out.csv"
    assert lyceum(env, "users", "export", str(target))[0] == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {r["email"] for r in rows} == {"one@example.com", "two@example.com"}
    assert {r["role"] for r in rows} == {"student", "instructor"}
