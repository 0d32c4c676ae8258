"""The shape every Kintsugi service shares: settings → engine → gRPC server(s) → background workers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import ClassVar

import grpc
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.db import make_engine, make_session_factory
from libs.grpc_client import make_channel
from libs.grpc_server import RunningServer, ServerSpec, serve_until_signalled, start_server
from libs.outbox import BatchRoute, OutboxRelay
from libs.settings import Endpoints, ServiceSettings
from libs.telemetry import instrument_engine, setup_logging, setup_telemetry

log = logging.getLogger(__name__)


class Service:
    """Base of each service's bootstrap; subclasses say which servicers and workers they run."""

    name: ClassVar[str]
    uses_outbox: ClassVar[bool] = True
    # Outbox methods the relay delivers many to a call: {single method: route to the batch method}.
    relay_batch_routes: ClassVar[Mapping[str, BatchRoute]] = {}

    def __init__(self, settings: ServiceSettings, endpoints: Endpoints | None = None) -> None:
        if not settings.database_url:
            raise RuntimeError(f"KINTSUGI_{self.name.upper()}_DATABASE_URL is not set (kintsugi up provides one)")
        self.settings = settings
        self.endpoints = endpoints or Endpoints()
        self.engine: AsyncEngine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        self.session_factory: async_sessionmaker[AsyncSession] = make_session_factory(self.engine)
        self._channels: dict[str, grpc.aio.Channel] = {}
        self.servers: list[RunningServer] = []
        self.relay: OutboxRelay | None = None
        self._workers: list[asyncio.Task[None]] = []
        instrument_engine(self.engine)

    # --- wiring done by subclasses -------------------------------------------------------------

    def server_specs(self) -> list[ServerSpec]:
        """The gRPC servers this service runs (most have one; intake adds its partner port)."""
        raise NotImplementedError

    def background_workers(self) -> list:  # type: ignore[type-arg]
        """Coroutine factories for timers and other loops, started after the servers."""
        return []

    # --- lifecycle -----------------------------------------------------------------------------

    def channel(self, service: str) -> grpc.aio.Channel:
        """A shared channel to another service."""
        if service not in self._channels:
            self._channels[service] = make_channel(self.endpoints.target(service))
        return self._channels[service]

    def nudge_relay(self) -> None:
        if self.relay is not None:
            self.relay.nudge()

    @property
    def port(self) -> int:
        return self.servers[0].port

    async def start(self) -> None:
        for spec in self.server_specs():
            self.servers.append(await start_server(spec))
        if self.uses_outbox:
            self.relay = OutboxRelay(
                self.session_factory,
                self.channel,
                batch_size=self.settings.outbox_batch_size,
                poll_seconds=self.settings.outbox_poll_seconds,
                batch_routes=dict(self.relay_batch_routes),
                linger_seconds=self.settings.outbox_linger_seconds,
            )
            self.relay.start()
        for factory in [self._watch_database, *self.background_workers()]:
            self._workers.append(asyncio.create_task(factory()))
        log.info("%s serving on %s", self.name, [s.port for s in self.servers])

    async def _watch_database(self, interval: float = 2.0, timeout: float = 1.0) -> None:
        """Health follows the database: NOT_SERVING while it does not answer, so readiness probes and the
        gateway's /readyz see a service that cannot do its work; SERVING again once it answers."""
        serving = True
        while True:
            await asyncio.sleep(interval)
            try:
                async with asyncio.timeout(timeout), self.engine.connect() as conn:
                    await conn.execute(sa.text("SELECT 1"))
                ok = True
            except Exception:
                ok = False
            if ok != serving:
                serving = ok
                log.warning("%s database %s", self.name, "answers again" if ok else "does not answer")
                for server in self.servers:
                    await server.set_serving(ok)

    async def stop(self, grace: float | None = None) -> None:
        grace = self.settings.drain_seconds if grace is None else grace
        await asyncio.gather(*(s.stop(grace) for s in self.servers))
        await self.stop_background()

    async def stop_background(self) -> None:
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        if self.relay is not None:
            await self.relay.stop()
        for ch in self._channels.values():
            await ch.close()
        await self.engine.dispose()


def run_service(service_cls: type[Service], settings: ServiceSettings) -> None:
    """Entry point of `python -m services.<name>`: serve until SIGTERM, then drain."""
    setup_logging(service_cls.name, settings.log_level)
    setup_telemetry(service_cls.name)

    async def main() -> None:
        service = service_cls(settings)
        await service.start()
        await serve_until_signalled(service.servers, grace=settings.drain_seconds, on_stop=service.stop_background)

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:  # pragma: no cover - uvloop is a dependency, but never required
        asyncio.run(main())
