"""Bare baselines measured in the same run as the system: what the machine does with no Kintsugi in the way.

BENCH_DB_URL=postgresql://… uvicorn bench.baseline_apps:insert_app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request


@asynccontextmanager
async def _pool(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DB_URL"], min_size=4, max_size=16)
    async with app.state.pool.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_items (id bigserial PRIMARY KEY, body jsonb NOT NULL)")
    yield
    await app.state.pool.close()


hello_app = FastAPI()


@hello_app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


insert_app = FastAPI(lifespan=_pool)


@insert_app.post("/items", status_code=201)
async def insert(request: Request) -> dict[str, int]:
    body = await request.body()
    async with request.app.state.pool.acquire() as conn:
        new_id = await conn.fetchval("INSERT INTO bench_items (body) VALUES ($1::jsonb) RETURNING id", body.decode())
    return {"id": new_id}
