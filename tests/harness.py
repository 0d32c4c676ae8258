"""Real parts for tests: PostgreSQL databases per run, services on loopback gRPC, the gateway over HTTP."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvicorn

from libs import migrations
from libs.embedded_pg import EmbeddedPostgres
from libs.provision import drop_database, ensure_database, with_database
from libs.service import Service
from libs.settings import SERVICES, Endpoints

ROOT = Path(__file__).resolve().parent.parent
JWT_SECRET = "test-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresForTests:
    """KINTSUGI_TEST_PG when set (the machine's server), else an embedded server just for this run."""

    def __init__(self) -> None:
        self.embedded: EmbeddedPostgres | None = None
        self.data_dir: Path | None = None
        self.admin_url = os.environ.get("KINTSUGI_TEST_PG", "")

    def start(self) -> str:
        if not self.admin_url:
            self.data_dir = ROOT / ".kintsugi" / f"test-pg-{os.getpid()}"
            self.embedded = EmbeddedPostgres(self.data_dir)
            self.admin_url = self.embedded.start()
        return self.admin_url

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop(mode="immediate")
            assert self.data_dir is not None
            shutil.rmtree(self.data_dir, ignore_errors=True)


@dataclass
class RunDatabases:
    """One database per service with a random run prefix, so concurrent runs never collide."""

    admin_url: str
    prefix: str = field(default_factory=lambda: f"kt_{secrets.token_hex(4)}")
    urls: dict[str, str] = field(default_factory=dict)

    def name(self, service: str) -> str:
        return f"{self.prefix}_{service}"

    async def create(self, services: tuple[str, ...] = SERVICES) -> dict[str, str]:
        for service in services:
            await ensure_database(self.admin_url, self.name(service))
            url = with_database(self.admin_url, self.name(service))
            await migrations.upgrade(service, url)
            self.urls[service] = url
        return self.urls

    async def drop(self) -> None:
        for service in list(self.urls):
            await drop_database(self.admin_url, self.name(service))

    async def connect(self, service: str) -> asyncpg.Connection:
        return await asyncpg.connect(self.urls[service])


def service_class(name: str) -> type[Service]:
    import importlib

    module = importlib.import_module(f"services.{name}.app")
    return next(v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Service) and v is not Service)


def settings_for(name: str, url: str, port: int = 0, **extra: Any) -> Any:
    import importlib

    module = importlib.import_module(f"services.{name}.settings")
    cls = next(v for k, v in vars(module).items() if k.endswith("Settings") and k != "ServiceSettings")
    # Small pools: two test workers each run five services against one shared server.
    return cls(database_url=url, grpc_port=port, outbox_poll_seconds=0.05, drain_seconds=1.0, db_pool_size=3, **extra)


class System:
    """Every service in this process on its own loopback port, and the gateway on real HTTP."""

    def __init__(self, dbs: RunDatabases) -> None:
        self.dbs = dbs
        self.endpoints = Endpoints()
        self.services: dict[str, Service] = {}
        self.ports: dict[str, int] = {s: free_port() for s in SERVICES}
        self.partner_port = free_port()
        for s in SERVICES:
            setattr(self.endpoints, f"{s}_target", f"127.0.0.1:{self.ports[s]}")
        self.gateway_url = ""
        self._uvicorn: uvicorn.Server | None = None
        self._gateway_task: asyncio.Task[None] | None = None

    async def start_service(self, name: str) -> Service:
        extra = {"partner_port": self.partner_port} if name == "intake" else {}
        service = service_class(name)(
            settings_for(name, self.dbs.urls[name], self.ports[name], **extra), self.endpoints
        )
        await service.start()
        self.services[name] = service
        return service

    async def stop_service(self, name: str) -> None:
        await self.services.pop(name).stop(grace=0.5)

    async def start(self) -> None:
        for name in reversed(SERVICES):
            await self.start_service(name)
        await self.start_gateway()

    async def start_gateway(self) -> None:
        from gateway.app import create_app
        from gateway.settings import GatewaySettings

        port = free_port()
        settings = GatewaySettings(
            env="test", jwt_secret=JWT_SECRET, rate_limit_per_second=10_000, rate_limit_burst=10_000
        )
        app = create_app(settings, self.endpoints)
        self._uvicorn = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        self._gateway_task = asyncio.create_task(self._uvicorn.serve())
        self.gateway_url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            if self._uvicorn.started:
                return
            await asyncio.sleep(0.02)
        raise TimeoutError("gateway did not start")

    async def stop(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
            assert self._gateway_task is not None
            await self._gateway_task
        for name in list(self.services):
            await self.stop_service(name)

    def http(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.gateway_url, headers=headers, timeout=30.0)


def token(shops: list[str], roles: list[str], sub: str = "user-1", ttl: int = 3600) -> str:
    from gateway.auth import issue_token

    return issue_token(secret=JWT_SECRET, subject=sub, shops=shops, roles=roles, ttl_seconds=ttl)


def new_shop() -> str:
    return f"shop-{secrets.token_hex(4)}"


async def eventually(check, *, timeout: float = 10.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Polls an async check until it returns a truthy value; returns that value or fails."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    last = None
    while loop.time() < end:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last value: {last!r})")
