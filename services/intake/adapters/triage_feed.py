"""Outbox messages that hand stored feedback (and each revision of it) to triage."""

from __future__ import annotations

from kintsugi.v1 import triage_pb2

from libs.outbox import OutboxMessage
from services.intake.adapters.proto_mapping import stored_to_proto
from services.intake.domain.feedback import StoredFeedback

TRIAGE_FEEDBACK = "/kintsugi.v1.Triage/TriageFeedback"


def to_triage(stored: StoredFeedback) -> OutboxMessage:
    request = triage_pb2.TriageFeedbackRequest(feedback=stored_to_proto(stored))
    return OutboxMessage(
        shop_id=stored.shop_id,
        destination="triage",
        method=TRIAGE_FEEDBACK,
        payload=request.SerializeToString(),
        source_id=f"{stored.id}:{stored.revision}",
    )
