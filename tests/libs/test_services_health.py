"""Every service answers the standard health check SERVING and lists its services through reflection."""

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from libs.settings import SERVICES

EXPECTED = {
    "intake": "kintsugi.v1.Intake",
    "triage": "kintsugi.v1.Triage",
    "compensation": "kintsugi.v1.Compensation",
    "supplier_audit": "kintsugi.v1.SupplierAudit",
    "evidence": "kintsugi.v1.Evidence",
}


async def _reflected(target: str) -> set[str]:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        async for reply in call:
            return {s.name for s in reply.list_services_response.service}
    return set()


@pytest.mark.parametrize("service", SERVICES)
async def test_health_serving_and_reflection(system, service: str) -> None:
    target = system.endpoints.target(service)
    async with grpc.aio.insecure_channel(target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", EXPECTED[service]):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    names = await _reflected(target)
    assert {EXPECTED[service], "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names


async def test_partner_port_exposes_only_logistics_ingest(system) -> None:
    names = await _reflected(f"127.0.0.1:{system.partner_port}")
    assert "kintsugi.v1.LogisticsIngest" in names and "kintsugi.v1.Intake" not in names
