from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.persistence import migrator
from entrypoints.cli.main import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"LYCEUM_DATA_DIR": str(tmp_path), "LYCEUM_DATABASE_URL": database_url}


def lyceum(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_categories_add_list_rename_move_rm(env: dict[str, str]) -> None:
    assert lyceum(env, "db", "upgrade")[0] == 0
    code, out, _ = lyceum(env, "categories", "add", "Web Development")
    assert code == 0 and out.startswith("created Web Development (web-development)")
    assert lyceum(env, "categories", "add", "Frontend", "--parent", "web-development")[0] == 0
    assert lyceum(env, "categories", "rename", "frontend", "Front-end")[0] == 0

    code, out, _ = lyceum(env, "categories", "list")
    assert code == 0
    assert out.index("Web Development") < out.index("Front-end")

    assert lyceum(env, "categories", "move", "frontend")[1].strip() == "moved frontend to frontend"
    assert lyceum(env, "categories", "rm", "web-development")[0] == 0
    assert "Web Development" not in lyceum(env, "categories", "list")[1]


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (("categories", "add", "   "), 2, "error: name must not be empty (category.name_empty)"),
        (("categories", "rm", "nope"), 3, "error: no category with id or slug 'nope' (category.not_found)"),
        (
            ("categories", "add", "Child", "--parent", "missing"),
            3,
            "error: no category with id or slug 'missing' (category.not_found)",
        ),
    ],
)
def test_errors_exit_non_zero_with_one_readable_line(
    env: dict[str, str], args: tuple[str, ...], exit_code: int, message: str
) -> None:
    lyceum(env, "db", "upgrade")
    code, _, err = lyceum(env, *args)
    assert code == exit_code
    assert err.strip() == message


def test_deleting_a_parent_is_refused(env: dict[str, str]) -> None:
    lyceum(env, "db", "upgrade")
    lyceum(env, "categories", "add", "Cloud")
    lyceum(env, "categories", "add", "AWS", "--parent", "cloud")
    code, _, err = lyceum(env, "categories", "rm", "cloud")
    assert code == 4 and "category.has_children" in err and err.count("\n") == 1


def test_db_current_upgrade_downgrade(env: dict[str, str]) -> None:
    head = migrator.head()
    lyceum(env, "db", "upgrade")
    assert lyceum(env, "db", "downgrade", "base")[1].startswith(f"database at base (was {head})")
    assert "behind" in lyceum(env, "db", "current")[1]
    assert lyceum(env, "db", "upgrade")[1].startswith(f"database at {head} (was base)")
    assert "up to date" in lyceum(env, "db", "current")[1]


def test_bad_setting_stops_with_one_line(env: dict[str, str]) -> None:
    code, _, err = lyceum({**env, "LYCEUM_WORKER_CONCURRENCY": "lots"}, "config", "show")
    assert code == 78
    assert err == "error: LYCEUM_WORKER_CONCURRENCY: expected an integer, got 'lots'\n"


def test_config_show_redacts_secrets(env: dict[str, str]) -> None:
    code, out, _ = lyceum({**env, "LYCEUM_ADMIN_TOKEN": "super-secret-token"}, "config", "show")
    assert code == 0
    assert "super-secret-token" not in out and "LYCEUM_ADMIN_TOKEN" in out


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {"LYCEUM_DATABASE_URL": "postgresql+asyncpg://root@127.0.0.1:1/nothing", "LYCEUM_DATA_DIR": str(tmp_path)}
    code, _, err = lyceum(env, "categories", "list")
    assert code == 6
    assert err.startswith("error: cannot reach a dependency:") and err.count("\n") == 1


def test_version_and_dead_letters(env: dict[str, str]) -> None:
    assert lyceum(env, "version")[1].strip() == "0.1.0"
    lyceum(env, "db", "upgrade")
    assert lyceum(env, "tasks", "dead-letters")[1].strip() == "no dead letters"
