"""Creates one database and one login role per service on a PostgreSQL server we administer."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from libs.db import asyncpg_url

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _plain(url: str) -> str:
    return "postgresql://" + asyncpg_url(url).split("://", 1)[1]


def with_database(url: str, database: str, user: str | None = None) -> str:
    """The same server URL pointing at another database (and optionally another user)."""
    parts = urlsplit(_plain(url))
    netloc = parts.netloc
    if user is not None:
        netloc = f"{user}@{netloc.rsplit('@', 1)[-1]}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, ""))


async def ensure_database(admin_url: str, database: str, owner: str | None = None) -> None:
    """Creates the database (and its owner role, login, no other rights) if missing."""
    for name in (database, owner or database):
        if not _NAME.match(name):
            raise ValueError(f"unsafe identifier {name!r}")
    conn = await asyncpg.connect(_plain(admin_url))
    try:
        if owner:
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", owner)
            if not exists:
                await conn.execute(f'CREATE ROLE "{owner}" LOGIN')
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            owner_clause = f' OWNER "{owner}"' if owner else ""
            await conn.execute(f'CREATE DATABASE "{database}"{owner_clause}')
            # Each service's role may connect to its own database only.
            await conn.execute(f'REVOKE CONNECT ON DATABASE "{database}" FROM PUBLIC')
            if owner:
                await conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{owner}"')
    finally:
        await conn.close()


async def drop_database(admin_url: str, database: str, owner: str | None = None) -> None:
    """Drops a database (terminating its connections) and its role."""
    conn = await asyncpg.connect(_plain(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if owner:
            await conn.execute(f'DROP ROLE IF EXISTS "{owner}"')
    finally:
        await conn.close()


async def provision_services(admin_url: str, services: list[str], prefix: str = "kintsugi") -> dict[str, str]:
    """One database and role per service; returns each service's own connection URL."""
    urls = {}
    for service in services:
        name = f"{prefix}_{service}"
        await ensure_database(admin_url, name, owner=name)
        urls[service] = with_database(admin_url, name, user=name)
    return urls
