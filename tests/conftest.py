from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.harness import PostgresForTests, RunDatabases, System


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    server = PostgresForTests()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest_asyncio.fixture(scope="session")
async def databases(pg_admin_url: str) -> AsyncIterator[RunDatabases]:
    dbs = RunDatabases(pg_admin_url)
    await dbs.create()
    try:
        yield dbs
    finally:
        await dbs.drop()


@pytest_asyncio.fixture(scope="session")
async def system(databases: RunDatabases) -> AsyncIterator[System]:
    """The whole system, started once per test run; tests isolate themselves with fresh shop ids."""
    running = System(databases)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
