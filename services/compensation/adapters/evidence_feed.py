"""Outbox messages compensation sends to evidence: the unboxing video behind a flash payout."""

from __future__ import annotations

import mimetypes
from datetime import datetime

from kintsugi.v1 import common_pb2, evidence_pb2

from libs.outbox import OutboxMessage
from libs.timeutil import to_ts
from services.compensation.domain.flash import MediaItem

APPEND_EVIDENCE = "/kintsugi.v1.Evidence/AppendEvidence"
UNKNOWN_CONTENT_TYPE = "application/octet-stream"


def video_content_type(uri: str) -> str:
    """The video's media type from its URI's extension, or application/octet-stream when unknown."""
    guessed, _ = mimetypes.guess_type(uri.split("?", 1)[0]) if uri else (None, None)
    return guessed if guessed and guessed.startswith("video/") else UNKNOWN_CONTENT_TYPE


def flash_payout_evidence(
    *, shop_id: str, case_id: str, payout_id: str, video: MediaItem, captured_at: datetime
) -> OutboxMessage:
    """AppendEvidence for the video that justified an automatic payout (idempotent on flash:<payout id>)."""
    request = evidence_pb2.AppendEvidenceRequest(
        scope=common_pb2.ShopScope(shop_id=shop_id, actor_id="compensation"),
        case_id=case_id,
        kind="unboxing_video",
        sha256=video.sha256.lower(),
        content_type=video_content_type(video.uri),
        description=f"flash compensation payout {payout_id}",
        captured_at=to_ts(captured_at),
        idempotency_key=f"flash:{payout_id}",
        recorder="compensation",
    )
    return OutboxMessage(shop_id, "evidence", APPEND_EVIDENCE, request.SerializeToString(), source_id=payout_id)
