from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.bootstrap.settings import REDACTED, SettingsError, describe, load_settings


def test_defaults_run_everything_embedded() -> None:
    settings = load_settings({})
    assert settings.embedded_database
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.redis_url is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LYCEUM_PORT": "eighty"}, "LYCEUM_PORT: expected an integer, got 'eighty'"),
        ({"LYCEUM_PORT": "-1"}, "LYCEUM_PORT: must be at least 0, got '-1'"),
        ({"LYCEUM_ACCESS_LOG": "maybe"}, "LYCEUM_ACCESS_LOG: expected true or false, got 'maybe'"),
        ({"LYCEUM_LOG_LEVEL": "LOUD"}, "LYCEUM_LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'"),
        ({"LYCEUM_REDIS_URL": "localhost"}, "LYCEUM_REDIS_URL: expected a URL like scheme://host/..., got '********'"),
        ({"LYCEUM_OUTBOX_POLL_SECONDS": "fast"}, "LYCEUM_OUTBOX_POLL_SECONDS: expected a number, got 'fast'"),
    ],
)
def test_bad_values_fail_with_one_line_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def test_values_are_parsed_by_type() -> None:
    settings = load_settings(
        {
            "LYCEUM_DATA_DIR": "/srv/lyceum",
            "LYCEUM_CORS_ORIGINS": "https://app.example, https://admin.example",
            "LYCEUM_ACCESS_LOG": "off",
            "LYCEUM_REDIS_URL": "",
        }
    )
    assert settings.data_dir == Path("/srv/lyceum")
    assert settings.cors_origins == ("https://app.example", "https://admin.example")
    assert settings.access_log is False
    assert settings.redis_url is None


def test_redacted_view_never_shows_secrets() -> None:
    settings = load_settings(
        {
            "LYCEUM_DATABASE_URL": "postgresql+asyncpg://lyceum:s3cret@db.internal:5432/lyceum",
            "LYCEUM_ADMIN_TOKEN": "tok-very-secret",
        }
    )
    shown = settings.redacted()
    assert "s3cret" not in str(shown) and "tok-very-secret" not in str(shown)
    assert shown["LYCEUM_DATABASE_URL"] == f"postgresql+asyncpg://{REDACTED}@db.internal:5432/…"
    assert shown["LYCEUM_ADMIN_TOKEN"] == REDACTED


def test_every_setting_is_described() -> None:
    rows = describe()
    assert all(name.startswith("LYCEUM_") and help_text for name, _, help_text in rows)
    assert len({name for name, _, _ in rows}) == len(rows)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LYCEUM_MAIL_BACKEND": "smtp"}, "LYCEUM_SMTP_URL: required when LYCEUM_MAIL_BACKEND=smtp"),
        ({"LYCEUM_MAIL_BACKEND": "sendgrid"}, "LYCEUM_SENDGRID_API_KEY: required when LYCEUM_MAIL_BACKEND=sendgrid"),
        ({"LYCEUM_MAIL_FROM": "nobody"}, "LYCEUM_MAIL_FROM: expected 'Name <address@domain>' or an address"),
        ({"LYCEUM_S3_ACCESS_KEY_ID": "key"}, "LYCEUM_S3_SECRET_ACCESS_KEY: set both S3 keys or neither"),
    ],
)
def test_settings_that_need_each_other_are_checked_together(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert str(err.value) == message
