"""Start-up and shutdown of the container's async resources, inside the running loop."""

from __future__ import annotations

import logging

from adapters.persistence import migrator
from entrypoints.bootstrap.containers import ApplicationContainer

log = logging.getLogger("lyceum")


async def prepare_database(container: ApplicationContainer) -> None:
    """Embedded mode migrates itself; production expects ``lyceum db upgrade`` beforehand."""
    settings = container.settings()
    engine = container.infrastructure.engine()
    if settings.embedded_database:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await migrator.upgrade(engine)
        return
    current, head = await migrator.current(engine), migrator.head()
    if current != head:
        log.warning("database schema is at %s, code expects %s: run 'lyceum db upgrade'", current, head)


async def prepare_storage(container: ApplicationContainer) -> None:
    """Create the bucket (or local directories) if missing; fails loudly on bad credentials."""
    await container.infrastructure.object_storage().ensure_buckets()


async def shutdown(container: ApplicationContainer) -> None:
    infra = container.infrastructure
    broker = infra.broker()
    try:
        await broker.shutdown()
    except Exception:  # a broker that never started has nothing to close
        log.debug("broker shutdown skipped", exc_info=True)
    await infra.http_client().aclose()
    storage = infra.object_storage()
    if hasattr(storage, "close"):
        storage.close()
    search = infra.search_index()
    if hasattr(search, "aclose"):
        await search.aclose()
    mailer = infra.mailer()
    if hasattr(mailer, "aclose"):
        await mailer.aclose()
    redis = infra.redis()
    if redis is not None:
        await redis.aclose()
    await infra.engine().dispose()


async def upgrade_database(container: ApplicationContainer, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply migrations up to ``revision``; returns (before, after)."""
    engine = container.infrastructure.engine()
    if container.settings().embedded_database:
        container.settings().data_dir.mkdir(parents=True, exist_ok=True)
    before = await migrator.current(engine)
    await migrator.upgrade(engine, revision)
    return before, await migrator.current(engine)


async def downgrade_database(container: ApplicationContainer, revision: str) -> tuple[str | None, str | None]:
    engine = container.infrastructure.engine()
    before = await migrator.current(engine)
    await migrator.downgrade(engine, revision)
    return before, await migrator.current(engine)


async def database_revision(container: ApplicationContainer) -> tuple[str | None, str | None]:
    """(current, head) revisions of the schema."""
    return await migrator.current(container.infrastructure.engine()), migrator.head()
