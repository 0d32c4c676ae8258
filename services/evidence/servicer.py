"""Evidence's gRPC surface: translate, call one use case, translate back."""

from __future__ import annotations

from kintsugi.v1 import common_pb2, evidence_pb2, evidence_pb2_grpc

from libs.errors import InvalidArgument
from libs.scope import shop_of
from libs.timeutil import from_ts
from services.evidence.adapters.proto_mapping import (
    actor_to_proto,
    appeal_to_proto,
    appended_to_proto,
    draft_from_proto,
    head_to_proto,
    key_to_proto,
    record_to_proto,
    status_to_proto,
)
from services.evidence.application.appeals import Appeals
from services.evidence.application.heads import TreeHeads
from services.evidence.application.log import EvidenceLog
from services.evidence.application.registry import Registry
from services.evidence.application.suspicions import SuspectedReview, SuspectedReviews
from services.evidence.domain.appeal import AppealAction


def _actor(scope: common_pb2.ShopScope) -> str:
    return scope.actor_id or "unknown"


class EvidenceServicer(evidence_pb2_grpc.EvidenceServicer):
    def __init__(
        self,
        log: EvidenceLog,
        heads: TreeHeads,
        suspicions: SuspectedReviews,
        appeals: Appeals,
        registry: Registry,
    ) -> None:
        self.log = log
        self.heads = heads
        self.suspicions = suspicions
        self.appeals = appeals
        self.registry = registry

    async def AppendEvidence(self, request, context):  # noqa: N802
        appended = await self.log.append(draft_from_proto(request, shop_of(request.scope)))
        return appended_to_proto(appended)

    async def AppendEvidenceBatch(self, request, context):  # noqa: N802
        shop_id = shop_of(request.scope)
        drafts = []
        for i, item in enumerate(request.items):
            if item.scope.shop_id and item.scope.shop_id != shop_id:
                raise InvalidArgument.on(f"items[{i}].scope.shop_id", "must be empty or the batch's shop")
            drafts.append(draft_from_proto(item, shop_id, default_recorder=request.scope.actor_id))
        results = await self.log.append_batch(drafts)
        return evidence_pb2.AppendEvidenceBatchResponse(results=[appended_to_proto(a) for a in results])

    async def FlagSuspectedReview(self, request, context):  # noqa: N802
        stored = await self.suspicions.flag(
            SuspectedReview(
                shop_id=request.shop_id,
                feedback_id=request.feedback_id,
                case_id=request.case_id,
                reviewer_id=request.reviewer_id,
                score=request.score,
                reasons=tuple(request.reasons),
                text_sha256=request.text_sha256,
                occurred_at=from_ts(request.occurred_at) if request.HasField("occurred_at") else None,
            )
        )
        return common_pb2.Ack(duplicate=not stored)

    async def GetSignedHead(self, request, context):  # noqa: N802
        return head_to_proto(await self.heads.sign_if_grown())

    async def ListTreeHeads(self, request, context):  # noqa: N802
        heads, token = await self.heads.list(size=request.page.page_size, token=request.page.page_token)
        return evidence_pb2.ListTreeHeadsResponse(
            items=[head_to_proto(h.head) for h in heads], page={"next_page_token": token}
        )

    async def ListLogKeys(self, request, context):  # noqa: N802
        keys = await self.heads.keys()
        return evidence_pb2.ListLogKeysResponse(items=[key_to_proto(k, at, cur) for k, at, cur in keys])

    async def GetInclusionProof(self, request, context):  # noqa: N802
        tree_size = request.tree_size or (await self.heads.sign_if_grown()).tree_size
        hashes = await self.log.inclusion_proof(leaf_index=request.leaf_index, tree_size=tree_size)
        return evidence_pb2.InclusionProof(
            leaf_index=request.leaf_index, tree_size=tree_size, hashes=[h.hex() for h in hashes]
        )

    async def GetConsistencyProof(self, request, context):  # noqa: N802
        hashes = await self.log.consistency_proof(first_size=request.first_size, second_size=request.second_size)
        return evidence_pb2.ConsistencyProof(
            first_size=request.first_size, second_size=request.second_size, hashes=[h.hex() for h in hashes]
        )

    async def GetEvidence(self, request, context):  # noqa: N802
        return record_to_proto(await self.log.get(shop_id=shop_of(request.scope), index=request.index))

    async def ListEvidence(self, request, context):  # noqa: N802
        items, token = await self.log.list(
            shop_id=shop_of(request.scope),
            size=request.page.page_size,
            token=request.page.page_token,
            case_id=request.case_id,
            kind=request.kind,
        )
        return evidence_pb2.ListEvidenceResponse(
            items=[record_to_proto(v) for v in items], page={"next_page_token": token}
        )

    async def CreateAppeal(self, request, context):  # noqa: N802
        row = await self.appeals.create(
            shop_id=shop_of(request.scope),
            actor=_actor(request.scope),
            roles=list(request.scope.actor_roles),
            review_feedback_id=request.review_feedback_id,
            reason=request.reason,
            evidence_indexes=list(request.evidence_indexes),
            reviewer_account_id=request.reviewer_account_id,
            idempotency_key=request.idempotency_key,
        )
        return appeal_to_proto(row)

    async def GetAppeal(self, request, context):  # noqa: N802
        return appeal_to_proto(await self.appeals.get(shop_id=shop_of(request.scope), appeal_id=request.appeal_id))

    async def ListAppeals(self, request, context):  # noqa: N802
        rows, token = await self.appeals.list(
            shop_id=shop_of(request.scope),
            size=request.page.page_size,
            token=request.page.page_token,
            state=request.state,
        )
        return evidence_pb2.ListAppealsResponse(
            items=[appeal_to_proto(r) for r in rows], page={"next_page_token": token}
        )

    async def _move(self, request, action: AppealAction):  # type: ignore[no-untyped-def]
        row = await self.appeals.move(
            shop_id=shop_of(request.scope),
            appeal_id=request.appeal_id,
            action=action,
            actor=_actor(request.scope),
            roles=list(request.scope.actor_roles),
            note=request.note,
        )
        return appeal_to_proto(row)

    async def SubmitAppeal(self, request, context):  # noqa: N802
        return await self._move(request, AppealAction.SUBMIT)

    async def AcceptAppeal(self, request, context):  # noqa: N802
        return await self._move(request, AppealAction.ACCEPT)

    async def RejectAppeal(self, request, context):  # noqa: N802
        return await self._move(request, AppealAction.REJECT)

    async def ExportAppealBundle(self, request, context):  # noqa: N802
        data = await self.appeals.bundle(shop_id=shop_of(request.scope), appeal_id=request.appeal_id)
        return evidence_pb2.AppealBundle(bundle_json=data)

    async def ListMaliciousActors(self, request, context):  # noqa: N802
        rows, token = await self.registry.list(
            roles=list(request.scope.actor_roles), size=request.page.page_size, token=request.page.page_token
        )
        return evidence_pb2.ListMaliciousActorsResponse(
            items=[actor_to_proto(r) for r in rows], page={"next_page_token": token}
        )

    async def CheckMaliciousActor(self, request, context):  # noqa: N802
        shop_of(request.scope)
        return status_to_proto(await self.registry.check(account_id=request.account_id))
