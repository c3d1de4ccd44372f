"""Read model of the category tree: a flat, depth-first list clients can render directly."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from typing import Protocol


@dataclasses.dataclass(frozen=True)
class CategoryView:
    id: uuid.UUID
    name: str
    slug: str
    parent_id: uuid.UUID | None
    depth: int
    position: int
    path: tuple[str, ...]


class TreeNode(Protocol):
    """What the tree builder needs of a category (a Category satisfies it)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def name(self) -> str: ...

    @property
    def slug(self) -> str: ...

    @property
    def parent_id(self) -> uuid.UUID | None: ...

    @property
    def position(self) -> int: ...


def build_tree(rows: Iterable[TreeNode]) -> list[CategoryView]:
    """Order categories depth-first, siblings by position then name; compute depth and path."""
    by_parent: dict[uuid.UUID | None, list[TreeNode]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    for siblings in by_parent.values():
        siblings.sort(key=lambda r: (r.position, r.name.casefold(), r.id))

    out: list[CategoryView] = []

    def walk(parent: uuid.UUID | None, depth: int, path: tuple[str, ...]) -> None:
        for row in by_parent.get(parent, []):
            row_path = (*path, row.slug)
            out.append(CategoryView(row.id, row.name, row.slug, row.parent_id, depth, row.position, row_path))
            walk(row.id, depth + 1, row_path)

    walk(None, 0, ())
    return out
