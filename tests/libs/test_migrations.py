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


async def test_each_service_owns_its_tables(fresh: RunDatabases) -> None:
    urls = await fresh.create()
    owned = {s: await _tables(urls[s]) - SHARED for s in SERVICES}
    assert "feedback" in owned["intake"]
    for a in SERVICES:
        assert SHARED <= await _tables(urls[a])
        for b in SERVICES:
            if a != b:
                assert not owned[a] & owned[b], f"{a} and {b} share tables {owned[a] & owned[b]}"
