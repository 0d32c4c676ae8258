"""Evidence requests with sensible defaults, overridden per test."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime

from kintsugi.v1 import evidence_pb2

from libs.timeutil import to_ts
from tests.evidence.stack import scope

CAPTURED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
_seq = itertools.count(1)


def append_request(
    shop: str,
    *,
    case_id: str = "case-1",
    kind: str = "chat_log",
    content: str | None = None,
    content_type: str = "text/plain",
    description: str = "买家聊天记录：要求好评返现，否则差评",
    captured_at: datetime = CAPTURED,
    idempotency_key: str = "",
    recorder: str = "",
    with_scope: bool = True,
) -> evidence_pb2.AppendEvidenceRequest:
    content = content if content is not None else f"blob-{next(_seq)}"
    return evidence_pb2.AppendEvidenceRequest(
        scope=scope(shop) if with_scope else None,
        case_id=case_id,
        kind=kind,
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        content_type=content_type,
        description=description,
        captured_at=to_ts(captured_at),
        idempotency_key=idempotency_key,
        recorder=recorder,
    )


def evidence_body(**override) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """A REST body for POST /v1/shops/{shop}/evidence."""
    body = {
        "case_id": "case-7",
        "kind": "unboxing_video",
        "sha256": hashlib.sha256(f"video-{next(_seq)}".encode()).hexdigest(),
        "content_type": "video/mp4",
        "description": "开箱视频：外箱破损，内件碎裂",
        "captured_at": "2026-11-23T21:05:00+08:00",
    }
    body.update(override)
    return body
