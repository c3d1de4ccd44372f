"""The README is part of the product: its quick start and settings table must stay true."""

from __future__ import annotations

import re
from pathlib import Path

from entrypoints.bootstrap.settings import describe

README = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_exactly_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert [b.strip() for b in blocks] == [
        "python3 -m pip install uv && python3 -m uv run lyceum serve --demo",
        "python3 -m pip install uv && python3 -m uv run nox -s tests",
    ]


def test_every_setting_is_documented_with_its_default() -> None:
    for name, default, help_text in describe():
        shown = f"`{default}`" if default else "—"
        assert f"| `{name}` | {shown} | {help_text} |" in README, name
