"""Evidence on its own for tests: a fresh database, one or more service replicas (real gRPC on loopback) and,
when asked, the gateway over real HTTP in front of them.

The evidence log is one global index space, so tests that count indexes or tamper with rows get a database
of their own (``EvidenceStack``) instead of the session's shared one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
from kintsugi.v1 import common_pb2, evidence_pb2_grpc

from libs.service import Service
from services.evidence.settings import EvidenceSettings
from tests.harness import RunDatabases, System, free_port, service_class

# Small pools: the machine's PostgreSQL is shared by every engineer's test runs.
POOL = 3


def evidence_settings(url: str, key_dir: Path, port: int = 0, **extra: Any) -> EvidenceSettings:
    values: dict[str, Any] = {"db_pool_size": POOL, "drain_seconds": 1.0, **extra}
    return EvidenceSettings(database_url=url, grpc_port=port, signing_key_file=key_dir / "signing_key.pem", **values)


class EvidenceStack:
    """``await EvidenceStack(pg_admin_url, key_dir).start(replicas=2, gateway=True)``; ``stop()`` drops it all."""

    def __init__(self, pg_admin_url: str, key_dir: Path, **settings: Any) -> None:
        self.dbs = RunDatabases(pg_admin_url)
        self.key_dir = key_dir
        self.settings = settings
        self.system: System | None = None
        self.replicas: list[Service] = []
        self.channels: list[grpc.aio.Channel] = []

    @property
    def url(self) -> str:
        return self.dbs.urls["evidence"]

    async def start(self, *, replicas: int = 1, gateway: bool = False) -> EvidenceStack:
        await self.dbs.create(("evidence",))
        self.system = System(self.dbs)
        for n in range(replicas):
            port = self.system.ports["evidence"] if n == 0 else free_port()
            service = service_class("evidence")(
                evidence_settings(self.url, self.key_dir, port, **self.settings), self.system.endpoints
            )
            await service.start()
            self.replicas.append(service)
        self.system.services["evidence"] = self.replicas[0]
        if gateway:
            await self.system.start_gateway()
        return self

    def stub(self, replica: int = 0) -> evidence_pb2_grpc.EvidenceStub:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{self.replicas[replica].port}")
        self.channels.append(channel)
        return evidence_pb2_grpc.EvidenceStub(channel)

    def http(self, token: str | None = None):  # type: ignore[no-untyped-def]
        assert self.system is not None
        return self.system.http(token)

    async def connect(self):  # type: ignore[no-untyped-def]
        return await self.dbs.connect("evidence")

    async def stop(self) -> None:
        for channel in self.channels:
            await channel.close()
        if self.system is not None:
            self.system.services.pop("evidence", None)
            await self.system.stop()
        for service in self.replicas:
            await service.stop(grace=0.5)
        await self.dbs.drop()


def scope(shop: str, actor: str = "agent-1", roles: tuple[str, ...] = ("agent",)) -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop, actor_id=actor, actor_roles=list(roles))
