"""What the database driver sends, recorded below SQLAlchemy.

asyncpg's query logger sees BEGIN, COMMIT and ROLLBACK (the dialect sends them outside any
cursor, so ``before_cursor_execute`` never does; its prepared statements it does not log).
SQLite's trace callback sees every statement the library runs, the ones ``sqlite3`` adds
implicitly included.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|START|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


class DriverLog:
    """Every statement the driver sends from now on, for each new connection of ``engine``."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @classmethod
    async def attach(cls, engine: AsyncEngine) -> DriverLog:
        log = cls()

        def connected(dbapi_connection: Any, _record: Any) -> None:
            driver = dbapi_connection.driver_connection
            if engine.dialect.name == "postgresql":
                driver.add_query_logger(lambda query: log.statements.append(query.query))
            else:
                await_only(driver.set_trace_callback(log.statements.append))

        event.listen(engine.sync_engine, "connect", connected)
        await engine.dispose()  # connections made before the listener are not instrumented
        return log

    async def take(self) -> list[str]:
        # asyncpg hands log records to the loop with call_soon: let them arrive first.
        for _ in range(3):
            await asyncio.sleep(0)
        taken, self.statements[:] = list(self.statements), []
        return taken

    @staticmethod
    def transaction_control(statements: list[str]) -> list[str]:
        return [s for s in statements if _TRANSACTION_CONTROL.match(s)]
