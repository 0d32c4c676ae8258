"""Every service's history applies to an empty database, twice, and touches only that database."""

import asyncpg
import pytest

from libs import migrations
from libs.settings import SERVICES
from tests.harness import RunDatabases

SHARED = {"alembic_version", "outbox", "processed_messages"}


@pytest.fixture
async def fresh(pg_admin_url: str):
    dbs = RunDatabases(pg_admin_url)
    try:
        yield dbs
    finally:
        await dbs.drop()


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {r["table_name"] for r in rows}
    finally:
        await conn.close()


async def test_migrations_apply_and_are_idempotent(fresh: RunDatabases) -> None:
    urls = await fresh.create()
    before = {s: await _tables(urls[s]) for s in SERVICES}
    for service in SERVICES:
        await migrations.upgrade(service, urls[service])  # a second run changes nothing
        assert await _tables(urls[service]) == before[service]
        conn = await asyncpg.connect(urls[service])
        try:
            version = await conn.fetchval("SELECT version_num FROM alembic_version")
        finally:
            await conn.close()
        assert version.startswith(service)


def _declared(service: str) -> set[str]:
    """The tables a service's own adapters declare (none yet for a service still on its stub)."""
    import importlib

    try:
        module = importlib.import_module(f"services.{service}.adapters.tables")
    except ModuleNotFoundError:
        return set()
    return set(module.metadata.tables)


async def test_each_service_database_holds_exactly_its_own_tables(fresh: RunDatabases) -> None:
    urls = await fresh.create()
    for service in SERVICES:
        present = await _tables(urls[service])
        assert SHARED <= present
        # Migrations and the code's table declarations agree, and nothing of another service is here.
        assert present - SHARED == _declared(service), service
    assert "feedback" in await _tables(urls["intake"]) and "feedback" not in await _tables(urls["triage"])
