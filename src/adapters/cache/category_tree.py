"""The category tree in the shared cache, with a short-lived copy in this process.

Every API request for the tree would otherwise pay a cache round trip plus JSON decoding.
The local copy lives ``local_ttl_seconds`` (other processes see a change within that long;
this process sees its own writes at once, since writes invalidate), and while the shared
bytes are unchanged the decoded tree is reused rather than decoded again.
"""

from __future__ import annotations

import time

import msgspec

from core.catalog.domain.tree import CategoryView
from ports.shared.cache import Cache

_KEY = "catalog:category-tree:v2"


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(list[CategoryView])


class CachedCategoryTree:
    def __init__(self, cache: Cache, *, ttl_seconds: float = 3600.0, local_ttl_seconds: float = 1.0) -> None:
        self._cache = cache
        self._ttl = ttl_seconds
        self._local_ttl = local_ttl_seconds
        self._raw: bytes | None = None
        self._tree: list[CategoryView] | None = None
        self._fresh_until = 0.0

    async def get(self) -> list[CategoryView] | None:
        """The cached tree; the same list object while unchanged (callers must not mutate it)."""
        now = time.monotonic()
        if self._tree is not None and now < self._fresh_until:
            return self._tree
        raw = await self._cache.get(_KEY)
        if raw is None:
            self._forget()
            return None
        if raw != self._raw:
            try:
                tree = _decoder.decode(raw)
            except msgspec.DecodeError:
                return None  # written by an older release with another shape: rebuild
            self._raw, self._tree = raw, tree
        self._fresh_until = now + self._local_ttl
        return self._tree

    async def put(self, tree: list[CategoryView]) -> None:
        raw = _encoder.encode(tree)
        await self._cache.set(_KEY, raw, ttl_seconds=self._ttl)
        self._raw, self._tree = raw, list(tree)
        self._fresh_until = time.monotonic() + self._local_ttl

    async def invalidate(self) -> None:
        self._forget()
        await self._cache.delete(_KEY)

    def _forget(self) -> None:
        self._raw, self._tree, self._fresh_until = None, None, 0.0
