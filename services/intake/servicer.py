"""Intake's gRPC surface: translate, call one use case, translate back."""

from __future__ import annotations

import hashlib

import grpc
from kintsugi.v1 import intake_pb2, intake_pb2_grpc

from libs.scope import shop_of
from services.intake.adapters.proto_mapping import (
    event_from_proto,
    feedback_from_proto,
    stored_to_proto,
    summary_to_proto,
    threshold_changes_from_proto,
    thresholds_to_proto,
)
from services.intake.application.feedback import FeedbackUseCases
from services.intake.application.logistics_signals import LogisticsSignals
from services.intake.application.partner_stream import PartnerIngest
from services.intake.application.partners import PartnerUseCases


class IntakeServicer(intake_pb2_grpc.IntakeServicer):
    def __init__(self, feedback: FeedbackUseCases, signals: LogisticsSignals) -> None:
        self.feedback = feedback
        self.signals = signals

    async def SubmitFeedback(self, request, context: grpc.aio.ServicerContext):  # noqa: N802
        request_hash = (
            request.request_hash or hashlib.sha256(request.item.SerializeToString(deterministic=True)).hexdigest()
        )
        outcome = await self.feedback.submit(
            shop_id=shop_of(request.scope),
            item=feedback_from_proto(request.item),
            idempotency_key=request.idempotency_key,
            request_hash=request_hash,
        )
        return intake_pb2.SubmitFeedbackResponse(
            id=outcome.id, status=outcome.status, created=outcome.created, revision=outcome.revision
        )

    async def SubmitFeedbackBatch(self, request, context: grpc.aio.ServicerContext):  # noqa: N802
        results = await self.feedback.submit_batch(
            shop_id=shop_of(request.scope), items=[feedback_from_proto(i) for i in request.items]
        )
        response = intake_pb2.SubmitFeedbackBatchResponse()
        for r in results:
            if r.outcome is not None:
                response.results.add(index=r.index, id=r.outcome.id, status=r.outcome.status)
            else:
                assert r.error is not None
                response.results.add(
                    index=r.index,
                    status="rejected",
                    errors=[intake_pb2.FieldError(field=v.field, message=v.message) for v in r.error.violations],
                )
        return response

    async def GetFeedback(self, request, context: grpc.aio.ServicerContext):  # noqa: N802
        return stored_to_proto(await self.feedback.get(shop_id=shop_of(request.scope), feedback_id=request.id))

    async def ListCustomerHistory(self, request, context: grpc.aio.ServicerContext):  # noqa: N802
        items, token = await self.feedback.history(
            shop_id=shop_of(request.scope),
            customer_id=request.customer_id,
            size=request.page.page_size,
            token=request.page.page_token,
        )
        return intake_pb2.ListCustomerHistoryResponse(
            items=[stored_to_proto(s) for s in items], page={"next_page_token": token}
        )

    async def GetLogisticsThresholds(self, request, context: grpc.aio.ServicerContext):  # noqa: N802
        return thresholds_to_proto(await self.signals.thresholds(shop_id=shop_of(request.scope)))

    async def UpdateLogisticsThresholds(self, request, context: grpc.aio.ServicerContext):  # noqa: N802
        shop_id = shop_of(request.scope)
        changes = threshold_changes_from_proto(request.thresholds)
        return thresholds_to_proto(await self.signals.update_thresholds(shop_id=shop_id, **changes))


def bearer_token(metadata: tuple[tuple[str, str | bytes], ...] | None) -> str:
    """The token of an `authorization: Bearer <token>` header ('' when there is none)."""
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
    return ""


class LogisticsIngestServicer(intake_pb2_grpc.LogisticsIngestServicer):
    """The partner port: authenticate the stream once, then hand its events to the ingest use case."""

    def __init__(self, partners: PartnerUseCases, ingest: PartnerIngest) -> None:
        self.partners = partners
        self.ingest = ingest

    async def ReportEvents(self, request_iterator, context: grpc.aio.ServicerContext):  # noqa: N802
        partner = await self.partners.authenticate(bearer_token(context.invocation_metadata()))
        summary = await self.ingest.report(
            partner=partner, events=(event_from_proto(msg) async for msg in request_iterator)
        )
        return summary_to_proto(summary)
