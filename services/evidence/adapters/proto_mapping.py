"""Evidence messages ⇄ application objects."""

from __future__ import annotations

from datetime import datetime

from kintsugi.v1 import evidence_pb2

from libs.timeutil import from_ts, to_ts
from services.evidence.adapters.repository import AppealRow, ListedActor
from services.evidence.application.log import Appended, Draft, EntryView
from services.evidence.domain.canonical import format_time
from services.evidence.domain.signing import PublicKey, SignedTreeHead


def draft_from_proto(req: evidence_pb2.AppendEvidenceRequest, shop_id: str, default_recorder: str = "") -> Draft:
    """The draft of one append; the recorder is the request's, else the acting user."""
    return Draft(
        shop_id=shop_id,
        case_id=req.case_id,
        kind=req.kind,
        content_sha256=req.sha256,
        content_type=req.content_type,
        description=req.description,
        captured_at=from_ts(req.captured_at) if req.HasField("captured_at") else None,  # type: ignore[arg-type]
        recorder=req.recorder or req.scope.actor_id or default_recorder,
        idempotency_key=req.idempotency_key or None,
    )


def appended_to_proto(a: Appended) -> evidence_pb2.AppendEvidenceResponse:
    return evidence_pb2.AppendEvidenceResponse(
        index=a.index, leaf_hash=a.leaf_hash.hex(), entry_hash=a.entry_hash.hex()
    )


def head_to_proto(h: SignedTreeHead) -> evidence_pb2.SignedTreeHead:
    return evidence_pb2.SignedTreeHead(
        tree_size=h.tree_size,
        root_hash=h.head.root_hash,
        prev_head_hash=h.head.prev_head_hash,
        timestamp=format_time(h.head.timestamp),
        signature=h.signature,
        key_id=h.key_id,
    )


def key_to_proto(key: PublicKey, first_used_at: datetime | None, current: bool) -> evidence_pb2.LogKey:
    return evidence_pb2.LogKey(
        key_id=key.key_id,
        algorithm="Ed25519",
        raw_base64=key.raw_base64,
        pem=key.to_pem().decode("ascii"),
        current=current,
        first_used_at=to_ts(first_used_at),
    )


def record_to_proto(v: EntryView) -> evidence_pb2.EvidenceRecord:
    e = v.entry
    return evidence_pb2.EvidenceRecord(
        index=e.index,
        shop_id=e.shop_id,
        case_id=e.case_id,
        kind=e.kind.value,
        sha256=e.content_sha256,
        content_type=e.content_type,
        description=e.description,
        captured_at=to_ts(e.captured_at),
        recorded_at=to_ts(e.recorded_at),
        recorder=e.recorder,
        leaf_hash=v.record.leaf_hash.hex(),
        prev_entry_hash=v.record.prev_entry_hash.hex(),
        entry_hash=v.record.entry_hash.hex(),
    )


def appeal_to_proto(a: AppealRow) -> evidence_pb2.Appeal:
    return evidence_pb2.Appeal(
        id=a.id,
        shop_id=a.shop_id,
        review_feedback_id=a.review_feedback_id,
        reason=a.reason,
        evidence_indexes=list(a.evidence_indexes),
        state=a.state,
        reviewer_account_id=a.reviewer_account_id,
        created_by=a.created_by,
        created_at=to_ts(a.created_at),
        submitted_at=to_ts(a.submitted_at),
        decided_at=to_ts(a.decided_at),
        decided_by=a.decided_by or "",
        decision_note=a.decision_note,
    )


def actor_to_proto(a: ListedActor) -> evidence_pb2.MaliciousActor:
    return evidence_pb2.MaliciousActor(
        account_hash=a.account_hash.hex(),
        reasons=list(a.reasons),
        listings=a.listings,
        shops=a.shops,
        first_listed_at=to_ts(a.first_listed_at),
        last_listed_at=to_ts(a.last_listed_at),
    )


def status_to_proto(a: ListedActor | None) -> evidence_pb2.MaliciousActorStatus:
    if a is None:
        return evidence_pb2.MaliciousActorStatus(listed=False)
    return evidence_pb2.MaliciousActorStatus(
        listed=True,
        reasons=list(a.reasons),
        listings=a.listings,
        first_listed_at=to_ts(a.first_listed_at),
        last_listed_at=to_ts(a.last_listed_at),
    )
