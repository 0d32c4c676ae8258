"""Evidence: append to the tamper-evident log, signed heads and proofs, appeals and their offline bundles,
the malicious-actor registry.

/v1/log/* is hashes only: any valid token, no shop. Entries, appeals and bundles are shop-scoped (another
shop's are 404). The registry listing is for moderators and shows keyed hashes, never account ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query
from fastapi.responses import Response
from kintsugi.v1 import common_pb2, evidence_pb2
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from gateway.auth import READ_ROLES, WRITE_ROLES, CurrentPrincipal, ShopPrincipal, require_role
from gateway.clients import scope
from gateway.routers.common import Clients, PageSize, PageToken, problems
from gateway.schemas import Timestamp
from libs.grpc_client import call
from libs.timeutil import from_ts, to_ts

router = APIRouter(tags=["evidence"])

SHOP = "/v1/shops/{shop_id}"
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
EvidenceKind = Literal[
    "chat_log",
    "order_record",
    "logistics_trace",
    "screenshot",
    "unboxing_video",
    "account_behaviour",
    "platform_correspondence",
]
AppealReason = Literal["extortion", "competitor_attack", "no_purchase", "fake_account", "off_topic"]
AppealState = Literal["draft", "submitted", "accepted", "rejected"]
# The entry rules of FORMAT.md, documented here so clients see them (the service checks them again).
_NO_SPACE_OR_CONTROL = r"^[^\s\x00-\x1f\x7f-\x9f]*$"
Id = Annotated[str, Field(min_length=1, max_length=128, pattern=_NO_SPACE_OR_CONTROL)]
# Log indexes and sizes are JSON-safe integers (FORMAT.md: at most 2**53 - 1).
MAX_INDEX = 2**53 - 1
LogIndex = Annotated[StrictInt, Field(ge=0, le=MAX_INDEX)]


# --------------------------------------------------------------------------------------------- bodies


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: Id
    kind: EvidenceKind
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content (kept elsewhere), lower-case hex"
    )
    content_type: str = Field(
        max_length=129,
        pattern=r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$",
        description="lower-case media type without parameters, e.g. video/mp4",
    )
    description: str = Field(default="", max_length=4000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")
    captured_at: Timestamp


class EvidenceBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[EvidenceIn] = Field(min_length=1, max_length=1000)


class AppendedOut(BaseModel):
    index: int
    leaf_hash: Hex64
    entry_hash: Hex64


class AppendedBatchOut(BaseModel):
    results: list[AppendedOut]


class EvidenceOut(BaseModel):
    index: int
    shop_id: str
    case_id: str
    kind: str
    sha256: str
    content_type: str
    description: str
    captured_at: datetime
    recorded_at: datetime
    recorder: str
    leaf_hash: Hex64
    prev_entry_hash: Hex64
    entry_hash: Hex64


class EvidenceList(BaseModel):
    items: list[EvidenceOut]
    next_page_token: str | None


class HeadOut(BaseModel):
    tree_size: int
    root_hash: Hex64
    prev_head_hash: Hex64
    timestamp: str = Field(description="exactly as signed: RFC 3339 UTC, six fractional digits, Z")
    signature: str = Field(description="base64 Ed25519 signature of the canonical head (FORMAT.md section 5)")
    key_id: str


class HeadList(BaseModel):
    items: list[HeadOut]
    next_page_token: str | None


class LogKeyOut(BaseModel):
    key_id: str
    algorithm: str
    raw_base64: str
    pem: str
    current: bool
    first_used_at: datetime | None


class LogKeyList(BaseModel):
    items: list[LogKeyOut]


class InclusionProofOut(BaseModel):
    leaf_index: int
    tree_size: int
    hashes: list[Hex64]


class ConsistencyProofOut(BaseModel):
    hashes: list[Hex64]


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    review_feedback_id: Id
    reason: AppealReason
    evidence_indexes: list[LogIndex] = Field(min_length=1, max_length=1000)
    reviewer_account_id: str = Field(
        default="",
        max_length=128,
        pattern=_NO_SPACE_OR_CONTROL,
        description="the reviewer's account; optional when triage flagged the review (its reviewer is used)",
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)


class AppealOut(BaseModel):
    id: str
    shop_id: str
    review_feedback_id: str
    reason: str
    evidence_indexes: list[int]
    state: AppealState
    reviewer_account_id: str
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str


class AppealList(BaseModel):
    items: list[AppealOut]
    next_page_token: str | None


class BundleOut(BaseModel):
    """kintsugi-appeal-bundle-v1 (FORMAT.md section 6); check it offline with `kintsugi verify-bundle FILE`."""

    format: str
    rules: str
    appeal: dict[str, Any]
    head: dict[str, Any]
    public_key: dict[str, Any]
    entries: list[dict[str, Any]]


class MaliciousActorOut(BaseModel):
    account_hash: Hex64 = Field(description="HMAC-SHA256 of the account id under the registry key")
    reasons: list[str]
    listings: int
    shops: int
    first_listed_at: datetime
    last_listed_at: datetime


class MaliciousActorList(BaseModel):
    items: list[MaliciousActorOut]
    next_page_token: str | None


class MaliciousActorStatusOut(BaseModel):
    account_id: str
    listed: bool
    reasons: list[str]
    listings: int
    first_listed_at: datetime | None
    last_listed_at: datetime | None


# -------------------------------------------------------------------------------------------- mapping


def _append_request(
    body: EvidenceIn, shop_scope: common_pb2.ShopScope, key: str = ""
) -> evidence_pb2.AppendEvidenceRequest:
    return evidence_pb2.AppendEvidenceRequest(
        scope=shop_scope,
        case_id=body.case_id,
        kind=body.kind,
        sha256=body.sha256,
        content_type=body.content_type,
        description=body.description,
        captured_at=to_ts(body.captured_at),
        idempotency_key=key,
        recorder=shop_scope.actor_id,
    )


def _appended(r: evidence_pb2.AppendEvidenceResponse) -> dict[str, Any]:
    return {"index": r.index, "leaf_hash": r.leaf_hash, "entry_hash": r.entry_hash}


def _record(r: evidence_pb2.EvidenceRecord) -> dict[str, Any]:
    return {
        "index": r.index,
        "shop_id": r.shop_id,
        "case_id": r.case_id,
        "kind": r.kind,
        "sha256": r.sha256,
        "content_type": r.content_type,
        "description": r.description,
        "captured_at": from_ts(r.captured_at),
        "recorded_at": from_ts(r.recorded_at),
        "recorder": r.recorder,
        "leaf_hash": r.leaf_hash,
        "prev_entry_hash": r.prev_entry_hash,
        "entry_hash": r.entry_hash,
    }


def _head(h: evidence_pb2.SignedTreeHead) -> dict[str, Any]:
    return {
        "tree_size": h.tree_size,
        "root_hash": h.root_hash,
        "prev_head_hash": h.prev_head_hash,
        "timestamp": h.timestamp,
        "signature": h.signature,
        "key_id": h.key_id,
    }


def _appeal(a: evidence_pb2.Appeal) -> dict[str, Any]:
    return {
        "id": a.id,
        "shop_id": a.shop_id,
        "review_feedback_id": a.review_feedback_id,
        "reason": a.reason,
        "evidence_indexes": list(a.evidence_indexes),
        "state": a.state,
        "reviewer_account_id": a.reviewer_account_id,
        "created_by": a.created_by,
        "created_at": from_ts(a.created_at),
        "submitted_at": from_ts(a.submitted_at),
        "decided_at": from_ts(a.decided_at),
        "decided_by": a.decided_by or None,
        "decision_note": a.decision_note,
    }


def _page(size: int, token: str) -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=size, page_token=token)


# ---------------------------------------------------------------------------------------------- log


@router.post(
    f"{SHOP}/evidence",
    status_code=201,
    response_model=AppendedOut,
    responses=problems(403, 409),
    summary="Append one evidence entry to the log (Idempotency-Key: a replay answers the first entry)",
)
async def append_evidence(
    shop_id: str, body: EvidenceIn, principal: ShopPrincipal, clients: Clients, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    reply = await call(
        clients.evidence.AppendEvidence,
        _append_request(body, scope(shop_id, principal), idempotency_key or ""),
        # With a key the service dedupes, so a retry is safe; without one a retry could append twice.
        idempotent=bool(idempotency_key),
    )
    return _appended(reply)


@router.post(
    f"{SHOP}/evidence:batch",
    status_code=201,
    response_model=AppendedBatchOut,
    responses=problems(403, 409),
    summary="Append up to 1,000 entries in one transaction (consecutive indexes; rejected whole if one is invalid)",
)
async def append_evidence_batch(
    shop_id: str, body: EvidenceBatchIn, principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    shop_scope = scope(shop_id, principal)
    items = [_append_request(item, shop_scope) for item in body.items]
    reply = await call(
        clients.evidence.AppendEvidenceBatch,
        evidence_pb2.AppendEvidenceBatchRequest(scope=shop_scope, items=items),
        idempotent=False,
        timeout=30.0,
    )
    return {"results": [_appended(r) for r in reply.results]}


@router.get(f"{SHOP}/evidence", response_model=EvidenceList, responses=problems(403), summary="The shop's entries")
async def list_evidence(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    case_id: Annotated[str, Query(max_length=128)] = "",
    kind: Annotated[str, Query(max_length=32)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.evidence.ListEvidence,
        evidence_pb2.ListEvidenceRequest(
            scope=scope(shop_id, principal), page=_page(page_size, page_token), case_id=case_id, kind=kind
        ),
        idempotent=True,
    )
    return {"items": [_record(r) for r in reply.items], "next_page_token": reply.page.next_page_token or None}


@router.get(
    f"{SHOP}/evidence/{{index}}",
    response_model=EvidenceOut,
    responses=problems(403),
    summary="One of the shop's entries",
)
async def get_evidence(
    shop_id: str, index: Annotated[int, Path(ge=0, le=MAX_INDEX)], principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.evidence.GetEvidence,
        evidence_pb2.GetEvidenceRequest(scope=scope(shop_id, principal), index=index),
        idempotent=True,
    )
    return _record(reply)


@router.get(
    "/v1/log/head",
    response_model=HeadOut,
    responses=problems(),
    summary="The latest signed tree head (signed now if the log grew)",
)
async def log_head(principal: CurrentPrincipal, clients: Clients) -> dict[str, Any]:
    reply = await call(clients.evidence.GetSignedHead, evidence_pb2.GetSignedHeadRequest(), idempotent=True)
    return _head(reply)


@router.get(
    "/v1/log/heads", response_model=HeadList, responses=problems(), summary="Every signed tree head, oldest first"
)
async def log_heads(
    principal: CurrentPrincipal, clients: Clients, page_size: PageSize = 50, page_token: PageToken = ""
) -> dict[str, Any]:
    reply = await call(
        clients.evidence.ListTreeHeads,
        evidence_pb2.ListTreeHeadsRequest(page=_page(page_size, page_token)),
        idempotent=True,
    )
    return {"items": [_head(h) for h in reply.items], "next_page_token": reply.page.next_page_token or None}


@router.get(
    "/v1/log/keys", response_model=LogKeyList, responses=problems(), summary="The public keys that sign the log's heads"
)
async def log_keys(principal: CurrentPrincipal, clients: Clients) -> dict[str, Any]:
    reply = await call(clients.evidence.ListLogKeys, evidence_pb2.ListLogKeysRequest(), idempotent=True)
    return {
        "items": [
            {
                "key_id": k.key_id,
                "algorithm": k.algorithm,
                "raw_base64": k.raw_base64,
                "pem": k.pem,
                "current": k.current,
                "first_used_at": from_ts(k.first_used_at),
            }
            for k in reply.items
        ]
    }


@router.get(
    "/v1/log/proof/inclusion",
    response_model=InclusionProofOut,
    responses=problems(),
    summary="RFC 6962 audit path of one entry (tree_size defaults to the latest signed head's)",
)
async def inclusion_proof(
    principal: CurrentPrincipal,
    clients: Clients,
    index: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    tree_size: Annotated[int | None, Query(ge=1, le=MAX_INDEX)] = None,
) -> dict[str, Any]:
    reply = await call(
        clients.evidence.GetInclusionProof,
        evidence_pb2.GetInclusionProofRequest(leaf_index=index, tree_size=tree_size or 0),
        idempotent=True,
    )
    return {"leaf_index": reply.leaf_index, "tree_size": reply.tree_size, "hashes": list(reply.hashes)}


@router.get(
    "/v1/log/proof/consistency",
    response_model=ConsistencyProofOut,
    responses=problems(),
    summary="RFC 6962 consistency proof between two tree sizes",
)
async def consistency_proof(
    principal: CurrentPrincipal,
    clients: Clients,
    first: Annotated[int, Query(alias="from", ge=0, le=MAX_INDEX)],
    second: Annotated[int, Query(alias="to", ge=0, le=MAX_INDEX)],
) -> dict[str, Any]:
    reply = await call(
        clients.evidence.GetConsistencyProof,
        evidence_pb2.GetConsistencyProofRequest(first_size=first, second_size=second),
        idempotent=True,
    )
    return {"hashes": list(reply.hashes)}


# ------------------------------------------------------------------------------------------- appeals


@router.post(
    f"{SHOP}/appeals",
    status_code=201,
    response_model=AppealOut,
    responses=problems(403, 409),
    summary="Appeal a malicious review, citing the shop's evidence entries (a draft until submitted)",
)
async def create_appeal(
    shop_id: str, body: AppealIn, principal: ShopPrincipal, clients: Clients, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    reply = await call(
        clients.evidence.CreateAppeal,
        evidence_pb2.CreateAppealRequest(
            scope=scope(shop_id, principal),
            review_feedback_id=body.review_feedback_id,
            reason=body.reason,
            evidence_indexes=body.evidence_indexes,
            reviewer_account_id=body.reviewer_account_id,
            idempotency_key=idempotency_key or "",
        ),
        idempotent=bool(idempotency_key),
    )
    return _appeal(reply)


@router.get(f"{SHOP}/appeals", response_model=AppealList, responses=problems(403), summary="Appeals, newest first")
async def list_appeals(
    shop_id: str,
    principal: ShopPrincipal,
    clients: Clients,
    state: Annotated[AppealState | None, Query()] = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.evidence.ListAppeals,
        evidence_pb2.ListAppealsRequest(
            scope=scope(shop_id, principal), page=_page(page_size, page_token), state=state or ""
        ),
        idempotent=True,
    )
    return {"items": [_appeal(a) for a in reply.items], "next_page_token": reply.page.next_page_token or None}


@router.get(f"{SHOP}/appeals/{{appeal_id}}", response_model=AppealOut, responses=problems(403), summary="One appeal")
async def get_appeal(
    shop_id: str, appeal_id: Annotated[str, Path(max_length=128)], principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.evidence.GetAppeal,
        evidence_pb2.GetAppealRequest(scope=scope(shop_id, principal), appeal_id=appeal_id),
        idempotent=True,
    )
    return _appeal(reply)


async def _move(method, shop_id: str, appeal_id: str, principal, note: str = "") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    reply = await call(
        method,
        evidence_pb2.AppealActionRequest(scope=scope(shop_id, principal), appeal_id=appeal_id, note=note),
        # Not retried: a move that went through but whose answer was lost would come back as a 409.
        idempotent=False,
    )
    return _appeal(reply)


@router.post(
    f"{SHOP}/appeals/{{appeal_id}}/submit",
    response_model=AppealOut,
    responses=problems(403, 409),
    summary="Submit a draft appeal to the platform's moderators",
)
async def submit_appeal(
    shop_id: str, appeal_id: Annotated[str, Path(max_length=128)], principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *WRITE_ROLES)
    return await _move(clients.evidence.SubmitAppeal, shop_id, appeal_id, principal)


@router.post(
    f"{SHOP}/appeals/{{appeal_id}}/accept",
    response_model=AppealOut,
    responses=problems(403, 409),
    summary="Accept a submitted appeal (moderators): the reviewer's account joins the malicious-actor registry",
)
async def accept_appeal(
    shop_id: str,
    appeal_id: Annotated[str, Path(max_length=128)],
    principal: ShopPrincipal,
    clients: Clients,
    body: Annotated[DecisionIn | None, Body()] = None,
) -> dict[str, Any]:
    require_role(principal, "moderator")
    return await _move(clients.evidence.AcceptAppeal, shop_id, appeal_id, principal, body.note if body else "")


@router.post(
    f"{SHOP}/appeals/{{appeal_id}}/reject",
    response_model=AppealOut,
    responses=problems(403, 409),
    summary="Reject a submitted appeal (moderators)",
)
async def reject_appeal(
    shop_id: str,
    appeal_id: Annotated[str, Path(max_length=128)],
    principal: ShopPrincipal,
    clients: Clients,
    body: Annotated[DecisionIn | None, Body()] = None,
) -> dict[str, Any]:
    require_role(principal, "moderator")
    return await _move(clients.evidence.RejectAppeal, shop_id, appeal_id, principal, body.note if body else "")


@router.get(
    f"{SHOP}/appeals/{{appeal_id}}/bundle",
    response_model=BundleOut,
    responses=problems(403),
    summary="The appeal's self-contained bundle; `kintsugi verify-bundle FILE` checks it offline",
)
async def appeal_bundle(
    shop_id: str, appeal_id: Annotated[str, Path(max_length=128)], principal: ShopPrincipal, clients: Clients
) -> Response:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.evidence.ExportAppealBundle,
        evidence_pb2.ExportAppealBundleRequest(scope=scope(shop_id, principal), appeal_id=appeal_id),
        idempotent=True,
        timeout=30.0,
    )
    # The canonical bytes as the service produced them (hashes inside refer to exact values).
    return Response(
        content=reply.bundle_json,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{appeal_id}.bundle.json"'},
    )


# ------------------------------------------------------------------------------------------ registry


@router.get(
    "/v1/malicious-actors",
    response_model=MaliciousActorList,
    responses=problems(403),
    summary="The platform-wide malicious-actor registry (moderators; keyed hashes, never account ids)",
)
async def list_malicious_actors(
    principal: CurrentPrincipal, clients: Clients, page_size: PageSize = 50, page_token: PageToken = ""
) -> dict[str, Any]:
    require_role(principal, "moderator")
    reply = await call(
        clients.evidence.ListMaliciousActors,
        evidence_pb2.ListMaliciousActorsRequest(
            scope=common_pb2.ShopScope(actor_id=principal.subject, actor_roles=sorted(principal.roles)),
            page=_page(page_size, page_token),
        ),
        idempotent=True,
    )
    return {
        "items": [
            {
                "account_hash": a.account_hash,
                "reasons": list(a.reasons),
                "listings": a.listings,
                "shops": a.shops,
                "first_listed_at": from_ts(a.first_listed_at),
                "last_listed_at": from_ts(a.last_listed_at),
            }
            for a in reply.items
        ],
        "next_page_token": reply.page.next_page_token or None,
    }


@router.get(
    f"{SHOP}/malicious-actors/{{account_id}}",
    response_model=MaliciousActorStatusOut,
    responses=problems(403),
    summary="Is this account in the malicious-actor registry?",
)
async def malicious_actor_status(
    shop_id: str, account_id: Annotated[str, Path(max_length=128)], principal: ShopPrincipal, clients: Clients
) -> dict[str, Any]:
    require_role(principal, *READ_ROLES)
    reply = await call(
        clients.evidence.CheckMaliciousActor,
        evidence_pb2.CheckMaliciousActorRequest(scope=scope(shop_id, principal), account_id=account_id),
        idempotent=True,
    )
    return {
        "account_id": account_id,
        "listed": reply.listed,
        "reasons": list(reply.reasons),
        "listings": reply.listings,
        "first_listed_at": from_ts(reply.first_listed_at),
        "last_listed_at": from_ts(reply.last_listed_at),
    }
