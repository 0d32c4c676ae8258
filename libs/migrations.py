"""Alembic, one history per service (services/<name>/migrations), run programmatically."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from libs.db import asyncpg_url

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"
# Any constant works; it only has to be the same for every replica running migrations at once.
MIGRATION_LOCK_KEY = 0x4B494E54


def alembic_config(service: str, url: str | None = None) -> Config:
    """An Alembic config pointing at one service's migration history."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.set_main_option("sqlalchemy.url", asyncpg_url(url).replace("%", "%%"))
    return cfg


def _upgrade(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Applies a service's migrations up to revision; safe to run concurrently and repeatedly."""
    engine = create_async_engine(asyncpg_url(url), poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            await conn.run_sync(_upgrade, alembic_config(service, url), revision)
    finally:
        await engine.dispose()


def run_env(context: Any) -> None:
    """Body of every service's migrations/env.py."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_on(context, connection)
        return

    async def run() -> None:
        engine = create_async_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=NullPool)
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: _run_on(context, c))
        await engine.dispose()

    asyncio.run(run())


def _run_on(context: Any, connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
