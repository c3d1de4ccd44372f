"""The gRPC entrypoint end to end: a real container on SQLite, a real server, a real channel."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from dependency_injector import providers
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from core.catalog.application.categories import CreateCategoryCommand
from core.catalog.domain.tree import CategoryView
from entrypoints.bootstrap.containers import ApplicationContainer, build_container
from entrypoints.bootstrap.lifecycle import prepare_database, shutdown
from entrypoints.bootstrap.settings import load_settings
from entrypoints.grpc.generated.lyceum.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from entrypoints.grpc.server import start_grpc_server

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(10)]

CATALOG = "lyceum.catalog.v1.CatalogService"


def _free_port() -> int:
    # start_grpc_server does not report the port it bound, so pick one first; the tiny
    # window before the server binds it is acceptable on a test machine.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _error_code(error: grpc.aio.AioRpcError) -> str | None:
    return dict(error.trailing_metadata() or ()).get("lyceum-error-code")


@contextlib.asynccontextmanager
async def _serving(container: ApplicationContainer) -> AsyncIterator[grpc.aio.Channel]:
    port = _free_port()
    server = await start_grpc_server(container, "127.0.0.1", port)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        await server.stop(grace=None)


@pytest_asyncio.fixture
async def app(tmp_path: Path) -> AsyncIterator[ApplicationContainer]:
    """SQLite only (conftest's ``container`` also runs PostgreSQL): the gRPC layer never
    sees the engine, so one is enough here."""
    settings = load_settings({}, data_dir=str(tmp_path), grpc_port=0)
    container = build_container(settings)
    try:
        await prepare_database(container)
        yield container
    finally:
        await shutdown(container)


@pytest_asyncio.fixture
async def tree(app: ApplicationContainer) -> list[CategoryView]:
    create = app.catalog.create_category()
    web = await create(CreateCategoryCommand("Web Development"))
    await create(CreateCategoryCommand("Python", parent_id=web.id))
    await create(CreateCategoryCommand("Data Science"))
    views: list[CategoryView] = await app.catalog.get_category_tree()()
    return views


@pytest_asyncio.fixture
async def catalog(
    app: ApplicationContainer, tree: list[CategoryView]
) -> AsyncIterator[catalog_pb2_grpc.CatalogServiceStub]:
    async with _serving(app) as channel:
        yield catalog_pb2_grpc.CatalogServiceStub(channel)


async def test_list_categories_round_trips_the_tree(
    catalog: catalog_pb2_grpc.CatalogServiceStub, tree: list[CategoryView]
) -> None:
    response = await catalog.ListCategories(catalog_pb2.ListCategoriesRequest())

    got = [(c.id, c.name, c.depth, c.position, tuple(c.path)) for c in response.categories]
    assert got == [(str(v.id), v.name, v.depth, v.position, v.path) for v in tree]
    assert [c.name for c in response.categories] == ["Web Development", "Python", "Data Science"]
    web, python, data = response.categories
    assert python.parent_id == web.id
    assert not web.HasField("parent_id")
    assert not data.HasField("parent_id")


async def test_get_category_returns_one(catalog: catalog_pb2_grpc.CatalogServiceStub, tree: list[CategoryView]) -> None:
    python = next(v for v in tree if v.name == "Python")

    got = await catalog.GetCategory(catalog_pb2.GetCategoryRequest(id=str(python.id)))

    assert (got.id, got.name, got.slug, got.parent_id) == (str(python.id), "Python", python.slug, str(python.parent_id))
    assert (got.depth, tuple(got.path)) == (1, python.path)


async def test_unknown_category_is_not_found(catalog: catalog_pb2_grpc.CatalogServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await catalog.GetCategory(catalog_pb2.GetCategoryRequest(id=str(uuid.uuid4())))

    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert _error_code(caught.value) == "category.not_found"
    assert caught.value.details().startswith("category.not_found:")


async def test_malformed_id_is_invalid_argument(catalog: catalog_pb2_grpc.CatalogServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await catalog.GetCategory(catalog_pb2.GetCategoryRequest(id="not-a-uuid"))

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _error_code(caught.value) == "request.invalid_id"


async def test_unexpected_error_is_internal_and_says_nothing(
    app: ApplicationContainer, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> list[CategoryView]:
        raise RuntimeError("database password is hunter2")

    app.catalog.get_category_tree.override(providers.Object(broken))
    try:
        async with _serving(app) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await catalog_pb2_grpc.CatalogServiceStub(channel).ListCategories(catalog_pb2.ListCategoriesRequest())
    finally:
        app.catalog.get_category_tree.reset_override()

    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert _error_code(caught.value) == "server.error"
    assert "hunter2" not in caught.value.details()
    [logged] = [r for r in caplog.records if r.name == "lyceum.grpc"]
    assert logged.exc_info is not None, "the server log must keep the traceback"


async def test_health_reports_serving(app: ApplicationContainer) -> None:
    async with _serving(app) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", CATALOG):
            response = await stub.Check(health_pb2.HealthCheckRequest(service=service))
            assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_catalog_service(app: ApplicationContainer) -> None:
    async with _serving(app) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = [s.name async for response in call for s in response.list_services_response.service]

    assert CATALOG in names
    assert "grpc.health.v1.Health" in names


async def test_busy_port_is_a_clear_error(app: ApplicationContainer) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        with pytest.raises(RuntimeError, match=f"127.0.0.1:{port}"):
            await start_grpc_server(app, "127.0.0.1", port)


async def test_health_reports_not_serving_while_draining(app: ApplicationContainer) -> None:
    port = _free_port()
    server = await start_grpc_server(app, "127.0.0.1", port)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=""))
        assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
        stopping = asyncio.create_task(server.stop(grace=1))
        assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
        await stopping


async def test_list_get_and_search_published_courses(app: ApplicationContainer) -> None:
    from core.catalog.application.course_search import IndexCourseCommand
    from core.shared.money import Money
    from tests.integration.courses.seed import published_course

    cheap = await published_course(app, "Python Basics", price=Money(900, "USD"))
    dear = await published_course(app, "Advanced Rust", price=Money(9900, "EUR"), difficulty="advanced")
    for course in (cheap, dear):
        await app.catalog.index_course()(IndexCourseCommand(course.id))

    async with _serving(app) as channel:
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        listing = await stub.ListCourses(catalog_pb2.ListCoursesRequest(sort="price_asc"))
        assert [c.slug for c in listing.courses] == [cheap.slug, dear.slug]
        assert listing.courses[0].price == catalog_pb2.Price(amount_minor=900, currency="USD")
        filtered = await stub.ListCourses(catalog_pb2.ListCoursesRequest(difficulty="advanced", limit=1))
        assert [c.title for c in filtered.courses] == ["Advanced Rust"] and filtered.next_cursor == ""

        page = await stub.GetCourse(catalog_pb2.GetCourseRequest(id_or_slug=cheap.slug))
        assert page.card.id == str(cheap.id)
        assert [lesson.title for lesson in page.syllabus[0].lessons] == ["Welcome"]
        assert await stub.GetCourse(catalog_pb2.GetCourseRequest(id_or_slug=str(dear.id))) is not None

        found = await stub.Search(catalog_pb2.SearchRequest(query="pyhton"))
        assert [h.course_id for h in found.hits] == [str(cheap.id)]
        assert "difficulty" in {f.field for f in found.facets}

        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.GetCourse(catalog_pb2.GetCourseRequest(id_or_slug="no-such-course"))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        assert _error_code(missing.value) == "course.not_found"
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await stub.ListCourses(catalog_pb2.ListCoursesRequest(sort="random"))
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
