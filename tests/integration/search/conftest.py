"""Fixtures for the search contract suite: one Typesense 0.24.1 server per session (started
only if a Typesense test runs), and a ``search_index`` fixture parametrized over both adapters.
Every test works in collections of its own, so tests never see each other's documents."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.search.embedded import EmbeddedSearchIndex
from adapters.search.typesense import TypesenseSearchIndex
from entrypoints.devservices.typesense import Typesense, start_typesense
from ports.shared.search import CollectionSchema, SearchIndex
from tests.integration.search.corpus import SCHEMA, iter_courses

ADAPTERS = ("embedded", "typesense")


@pytest.fixture(scope="session")
def typesense_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Typesense]:
    """The same Typesense that `lyceum services up` runs, once per test session."""
    server = start_typesense(tmp_path_factory.mktemp("typesense"))
    try:
        yield server
    finally:
        server.stop()


async def _open(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> SearchIndex:
    if kind == "embedded":
        return EmbeddedSearchIndex(tmp_path / f"search-{secrets.token_hex(2)}")
    server: Typesense = request.getfixturevalue("typesense_server")
    return TypesenseSearchIndex(server.url, server.api_key)


async def _close(index: SearchIndex) -> None:
    if isinstance(index, TypesenseSearchIndex):
        await index.aclose()


@pytest.fixture(params=ADAPTERS)
async def search_index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchIndex]:
    index = await _open(request.param, request, tmp_path)
    try:
        yield index
    finally:
        await _close(index)


@pytest.fixture
async def both_indexes(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[dict[str, SearchIndex]]:
    indexes = {kind: await _open(kind, request, tmp_path) for kind in ADAPTERS}
    try:
        yield indexes
    finally:
        for index in indexes.values():
            await _close(index)


@pytest.fixture
def schema() -> CollectionSchema:
    """The corpus schema under a collection name of this test's own."""
    return dataclasses.replace(SCHEMA, name=f"courses_{secrets.token_hex(4)}")


@pytest.fixture
async def courses(search_index: SearchIndex, schema: CollectionSchema) -> AsyncIterator[str]:
    """The fixture corpus, loaded through ``reindex``; yields the collection name."""
    await search_index.reindex(schema, iter_courses())
    try:
        yield schema.name
    finally:
        await search_index.drop_collection(schema.name)


@pytest.fixture
async def both_courses(both_indexes: dict[str, SearchIndex], schema: CollectionSchema) -> AsyncIterator[str]:
    for index in both_indexes.values():
        await index.reindex(schema, iter_courses())
    try:
        yield schema.name
    finally:
        for index in both_indexes.values():
            await index.drop_collection(schema.name)
