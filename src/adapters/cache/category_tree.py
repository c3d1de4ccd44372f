"""The category tree stored in the shared cache as compact JSON."""

from __future__ import annotations

import uuid

import msgspec

from core.catalog.domain.tree import CategoryView
from ports.shared.cache import Cache

_KEY = "catalog:category-tree:v1"


class _Row(msgspec.Struct, array_like=True):
    id: uuid.UUID
    name: str
    slug: str
    parent_id: uuid.UUID | None
    depth: int
    position: int
    path: tuple[str, ...]


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(list[_Row])


class CachedCategoryTree:
    def __init__(self, cache: Cache, *, ttl_seconds: float = 3600.0) -> None:
        self._cache = cache
        self._ttl = ttl_seconds

    async def get(self) -> list[CategoryView] | None:
        raw = await self._cache.get(_KEY)
        if raw is None:
            return None
        try:
            rows = _decoder.decode(raw)
        except msgspec.DecodeError:
            return None
        return [CategoryView(r.id, r.name, r.slug, r.parent_id, r.depth, r.position, r.path) for r in rows]

    async def put(self, tree: list[CategoryView]) -> None:
        rows = [_Row(v.id, v.name, v.slug, v.parent_id, v.depth, v.position, v.path) for v in tree]
        await self._cache.set(_KEY, _encoder.encode(rows), ttl_seconds=self._ttl)

    async def invalidate(self) -> None:
        await self._cache.delete(_KEY)
