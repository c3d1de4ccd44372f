"""Structured differences between two course revisions (snapshots)."""

from __future__ import annotations

import dataclasses
from typing import Any

_METADATA = (
    "title",
    "subtitle",
    "description_html",
    "language",
    "difficulty",
    "duration_minutes",
    "price",
    "price_overrides",
    "category_id",
    "tags",
    "prerequisite_ids",
    "cover_key",
    "capacity",
)
_LESSON_FIELDS = ("title", "kind", "free_preview", "drip_days", "media_key", "article_html", "quiz", "assignment")


@dataclasses.dataclass(frozen=True)
class Change:
    """``kind`` is added, removed, changed or moved; ``path`` names what, e.g.
    ``sections/<id>/lessons/<id>/title``."""

    kind: str
    path: str
    before: Any = None
    after: Any = None


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = [
        Change("changed", field, old.get(field), new.get(field))
        for field in _METADATA
        if old.get(field) != new.get(field)
    ]
    changes += _diff_keyed("objectives", old["objectives"], new["objectives"], ("text", "lesson_ids"))
    old_sections = {s["id"]: s for s in old["sections"]}
    new_sections = {s["id"]: s for s in new["sections"]}
    for sid, section in new_sections.items():
        if sid not in old_sections:
            changes.append(Change("added", f"sections/{sid}", None, section["title"]))
    for sid, section in old_sections.items():
        if sid not in new_sections:
            changes.append(Change("removed", f"sections/{sid}", section["title"], None))
    if [s for s in (x["id"] for x in old["sections"]) if s in new_sections] != [
        s for s in (x["id"] for x in new["sections"]) if s in old_sections
    ]:
        changes.append(
            Change("moved", "sections", [s["id"] for s in old["sections"]], [s["id"] for s in new["sections"]])
        )
    old_lessons = {lesson["id"]: (s["id"], i, lesson) for s in old["sections"] for i, lesson in enumerate(s["lessons"])}
    new_lessons = {lesson["id"]: (s["id"], i, lesson) for s in new["sections"] for i, lesson in enumerate(s["lessons"])}
    for sid, section in new_sections.items():
        if sid in old_sections and section["title"] != old_sections[sid]["title"]:
            changes.append(Change("changed", f"sections/{sid}/title", old_sections[sid]["title"], section["title"]))
    for lid, (sid, index, lesson) in new_lessons.items():
        path = f"sections/{sid}/lessons/{lid}"
        if lid not in old_lessons:
            changes.append(Change("added", path, None, lesson["title"]))
            continue
        old_sid, old_index, before = old_lessons[lid]
        if (old_sid, old_index) != (sid, index):
            changes.append(Change("moved", path, f"{old_sid}#{old_index}", f"{sid}#{index}"))
        changes += [
            Change("changed", f"{path}/{field}", before.get(field), lesson.get(field))
            for field in _LESSON_FIELDS
            if before.get(field) != lesson.get(field)
        ]
    for lid, (sid, _, lesson) in old_lessons.items():
        if lid not in new_lessons:
            changes.append(Change("removed", f"sections/{sid}/lessons/{lid}", lesson["title"], None))
    return changes


def _diff_keyed(
    name: str, old: list[dict[str, Any]], new: list[dict[str, Any]], fields: tuple[str, ...]
) -> list[Change]:
    before, after = {o["id"]: o for o in old}, {o["id"]: o for o in new}
    out = [Change("added", f"{name}/{k}", None, v) for k, v in after.items() if k not in before]
    out += [Change("removed", f"{name}/{k}", v, None) for k, v in before.items() if k not in after]
    out += [
        Change("changed", f"{name}/{k}/{f}", before[k][f], v[f])
        for k, v in after.items()
        if k in before
        for f in fields
        if before[k][f] != v[f]
    ]
    return out
