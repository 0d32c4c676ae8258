"""Client side of the standard gRPC health service."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def is_serving(target: str, *, service: str = "", timeout: float = 1.0) -> bool:
    """True when the server at target answers SERVING for service ('' = the whole server)."""
    async with grpc.aio.insecure_channel(target) as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.aio.AioRpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


async def wait_until_serving(target: str, *, deadline: float = 60.0, interval: float = 0.1) -> None:
    """Polls until SERVING or raises TimeoutError."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while loop.time() < end:
        if await is_serving(target):
            return
        await asyncio.sleep(interval)
    raise TimeoutError(f"{target} did not become SERVING within {deadline:.0f} s")
