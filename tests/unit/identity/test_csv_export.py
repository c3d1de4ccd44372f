from __future__ import annotations

import datetime as dt

from core.identity.application.administration import user_row
from core.identity.domain.user import User


def test_exported_cells_never_start_a_spreadsheet_formula() -> None:
    user = User.register(
        email="x@example.com",
        name='=HYPERLINK("http://evil","click")',
        password_hash=None,
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert user_row(user)["name"].startswith("'=")
    assert user_row(user)["email"] == "x@example.com"
