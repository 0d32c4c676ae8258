"""Stubs for every service on shared channels; the gateway's only way to data."""

from __future__ import annotations

from kintsugi.v1 import (
    common_pb2,
    compensation_pb2_grpc,
    evidence_pb2_grpc,
    intake_pb2_grpc,
    supplier_audit_pb2_grpc,
    triage_pb2_grpc,
)

from gateway.auth import Principal
from libs.grpc_client import make_channel
from libs.settings import SERVICES, Endpoints


class ServiceClients:
    def __init__(self, endpoints: Endpoints) -> None:
        self.targets = {s: endpoints.target(s) for s in SERVICES}
        self.channels = {s: make_channel(t) for s, t in self.targets.items()}
        self.intake = intake_pb2_grpc.IntakeStub(self.channels["intake"])
        self.triage = triage_pb2_grpc.TriageStub(self.channels["triage"])
        self.compensation = compensation_pb2_grpc.CompensationStub(self.channels["compensation"])
        self.supplier_audit = supplier_audit_pb2_grpc.SupplierAuditStub(self.channels["supplier_audit"])
        self.evidence = evidence_pb2_grpc.EvidenceStub(self.channels["evidence"])

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()


def scope(shop_id: str, principal: Principal) -> common_pb2.ShopScope:
    return common_pb2.ShopScope(shop_id=shop_id, actor_id=principal.subject, actor_roles=sorted(principal.roles))
