"""Idempotent calls retry through UNAVAILABLE; non-idempotent calls never retry."""

import asyncio

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from libs.grpc_client import call
from tests.harness import free_port


class FlakyHealth(health_pb2_grpc.HealthServicer):
    """Answers UNAVAILABLE for the first `failures` calls, then SERVING."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def Check(self, request, context):  # noqa: N802
        self.calls += 1
        if self.calls <= self.failures:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


async def _serve(servicer, port: int) -> grpc.aio.Server:
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server


async def test_idempotent_call_survives_a_server_that_comes_back() -> None:
    port = free_port()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = health_pb2_grpc.HealthStub(channel)

    async def start_later() -> grpc.aio.Server:
        await asyncio.sleep(0.4)
        return await _serve(health.aio.HealthServicer(), port)

    starter = asyncio.create_task(start_later())
    reply = await call(stub.Check, health_pb2.HealthCheckRequest(), idempotent=True, timeout=0.3, attempts=8)
    server = await starter
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    await server.stop(0)
    await channel.close()


async def test_idempotent_call_retries_unavailable_answers() -> None:
    port = free_port()
    flaky = FlakyHealth(failures=2)
    server = await _serve(flaky, port)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = await call(health_pb2_grpc.HealthStub(channel).Check, health_pb2.HealthCheckRequest(), idempotent=True)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    assert flaky.calls == 3
    await server.stop(0)


async def test_non_idempotent_call_does_not_retry() -> None:
    port = free_port()
    flaky = FlakyHealth(failures=2)
    server = await _serve(flaky, port)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(health_pb2_grpc.HealthStub(channel).Check, health_pb2.HealthCheckRequest(), idempotent=False)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert flaky.calls == 1
    await server.stop(0)


async def test_other_errors_are_not_retried() -> None:
    port = free_port()
    server = await _serve(health.aio.HealthServicer(), port)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(
                health_pb2_grpc.HealthStub(channel).Check,
                health_pb2.HealthCheckRequest(service="no.such.Service"),
                idempotent=True,
            )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    await server.stop(0)
