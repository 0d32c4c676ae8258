"""Outbox messages that hand stored feedback (and each revision of it) to triage."""

from __future__ import annotations

from kintsugi.v1 import triage_pb2

from libs.outbox import OutboxMessage, proto_batch_route
from services.intake.adapters.proto_mapping import stored_to_proto
from services.intake.domain.feedback import StoredFeedback

TRIAGE_FEEDBACK = "/kintsugi.v1.Triage/TriageFeedback"
TRIAGE_FEEDBACK_BATCH = "/kintsugi.v1.Triage/TriageFeedbackBatch"


def to_triage(stored: StoredFeedback) -> OutboxMessage:
    request = triage_pb2.TriageFeedbackRequest(feedback=stored_to_proto(stored))
    return OutboxMessage(
        shop_id=stored.shop_id,
        destination="triage",
        method=TRIAGE_FEEDBACK,
        payload=request.SerializeToString(),
        source_id=f"{stored.id}:{stored.revision}",
    )


# The relay hands triage up to 100 items a call: one transaction there instead of one per item.
TRIAGE_BATCH_ROUTES = {
    TRIAGE_FEEDBACK: proto_batch_route(
        TRIAGE_FEEDBACK_BATCH,
        request=triage_pb2.TriageFeedbackBatchRequest,
        item=triage_pb2.TriageFeedbackRequest,
        response=triage_pb2.TriageFeedbackBatchResponse,
    )
}
