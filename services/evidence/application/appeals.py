"""Appeals against malicious reviews: create, submit, accept or reject, export the offline bundle.

Shops (agent, supervisor, admin) create and submit; moderators accept or reject. Accepting lists the
reviewer's account in the platform-wide registry (as a keyed hash) in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from libs.errors import AlreadyExists, InvalidArgument, NotFound
from libs.ids import new_id
from libs.paging import decode_keyset, encode_token, page_size
from libs.timeutil import utcnow
from services.evidence.adapters.repository import AppealRow
from services.evidence.application.errors import domain_errors
from services.evidence.application.heads import TreeHeads
from services.evidence.application.unit_of_work import EvidenceUnitOfWork
from services.evidence.domain.appeal import AppealAction, AppealState, check_roles, next_state, parse_reason
from services.evidence.domain.bundle import Appeal, build_bundle, bundle_bytes
from services.evidence.domain.canonical import canonical_json
from services.evidence.domain.entry import check_text
from services.evidence.domain.merkle import plan_inclusion
from services.evidence.domain.registry import account_hash, check_account_id

MAX_NOTE = 2000


def _domain_appeal(row: AppealRow) -> Appeal:
    return Appeal(row.id, row.shop_id, row.review_feedback_id, row.reason, row.evidence_indexes)


class Appeals:
    def __init__(
        self,
        uow_factory: Callable[[], EvidenceUnitOfWork],
        heads: TreeHeads,
        registry_key: bytes,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._uow = uow_factory
        self._heads = heads
        self._registry_key = registry_key
        self._clock = clock

    async def create(
        self,
        *,
        shop_id: str,
        actor: str,
        roles: Sequence[str],
        review_feedback_id: str,
        reason: str,
        evidence_indexes: Sequence[int],
        reviewer_account_id: str = "",
        idempotency_key: str = "",
    ) -> AppealRow:
        """A draft appeal citing the shop's own entries; the reviewer comes from the request or from
        triage's suspicion of this review. A replayed idempotency key answers the first appeal."""
        with domain_errors():
            check_roles("create", roles)
        try:
            reason = parse_reason(reason).value
        except ValueError as exc:
            raise InvalidArgument.on("reason", str(exc)) from None
        appeal_id = new_id("apl")
        with domain_errors():
            Appeal(appeal_id, shop_id, review_feedback_id, reason, tuple(evidence_indexes))
            if reviewer_account_id:
                check_account_id(reviewer_account_id, "reviewer_account_id")
            if idempotency_key:
                check_text("idempotency_key", idempotency_key, max_length=128, allow_empty=False, multiline=False)
        request_hash = hashlib.sha256(
            canonical_json([review_feedback_id, reason, list(evidence_indexes), reviewer_account_id])
        ).digest()
        now = self._clock()
        async with self._uow() as uow:
            if idempotency_key:
                first = await uow.appeals.by_idempotency_key(shop_id, idempotency_key)
                if first is not None:
                    if first.request_hash != request_hash:
                        raise AlreadyExists(
                            f"idempotency key {idempotency_key!r} was already used with another request"
                        )
                    return first
            found = await uow.log.existing_indexes(shop_id, list(evidence_indexes))
            missing = sorted(set(evidence_indexes) - found)
            if missing:
                shown = ", ".join(str(i) for i in missing[:10])
                raise InvalidArgument.on("evidence_indexes", f"not evidence entries of this shop: {shown}")
            if not reviewer_account_id:
                suspicion = await uow.suspicions.get(shop_id, review_feedback_id)
                if suspicion is None or not suspicion.reviewer_id:
                    raise InvalidArgument.on(
                        "reviewer_account_id",
                        "is required: triage has not flagged this review, so its reviewer's account is unknown",
                    )
                reviewer_account_id = suspicion.reviewer_id
            row = AppealRow(
                shop_id=shop_id,
                id=appeal_id,
                review_feedback_id=review_feedback_id,
                reason=reason,
                evidence_indexes=tuple(evidence_indexes),
                state=AppealState.DRAFT.value,
                reviewer_account_id=reviewer_account_id,
                created_by=actor,
                created_at=now,
                idempotency_key=idempotency_key or None,
                request_hash=request_hash if idempotency_key else None,
            )
            try:
                await uow.appeals.add(row)
            except IntegrityError as exc:
                if "uq_appeals_idempotency" in str(exc.orig):
                    raise AlreadyExists(
                        f"idempotency key {idempotency_key!r} is in use by a concurrent request"
                    ) from None
                raise AlreadyExists(f"review {review_feedback_id} already has an open appeal") from None
            await uow.commit()
        return row

    async def _load(self, uow: EvidenceUnitOfWork, shop_id: str, appeal_id: str, *, for_update: bool) -> AppealRow:
        row = await uow.appeals.get(shop_id, appeal_id, for_update=for_update)
        if row is None:
            raise NotFound(f"appeal {appeal_id} not found")
        return row

    async def get(self, *, shop_id: str, appeal_id: str) -> AppealRow:
        async with self._uow() as uow:
            return await self._load(uow, shop_id, appeal_id, for_update=False)

    async def list(self, *, shop_id: str, size: int, token: str, state: str = "") -> tuple[list[AppealRow], str]:
        """The shop's appeals, newest first."""
        limit = page_size(size)
        if state and state not in {s.value for s in AppealState}:
            raise InvalidArgument.on("state", f"must be one of {', '.join(s.value for s in AppealState)}")
        async with self._uow() as uow:
            rows = await uow.appeals.list(shop_id, after=decode_keyset(token), limit=limit + 1, state=state)
        next_token = ""
        if len(rows) > limit:
            rows = rows[:limit]
            next_token = encode_token([rows[-1].created_at.isoformat(), rows[-1].id])
        return rows, next_token

    async def move(
        self, *, shop_id: str, appeal_id: str, action: AppealAction, actor: str, roles: Sequence[str], note: str = ""
    ) -> AppealRow:
        """submit (shop), accept or reject (moderator); forbidden moves are FAILED_PRECONDITION."""
        with domain_errors():
            check_roles(action, roles)
        if len(note) > MAX_NOTE:
            raise InvalidArgument.on("note", f"must be at most {MAX_NOTE} characters")
        now = self._clock()
        async with self._uow() as uow:
            row = await self._load(uow, shop_id, appeal_id, for_update=True)
            with domain_errors():
                row.state = next_state(row.state, action).value
            if action is AppealAction.SUBMIT:
                row.submitted_at = now
            else:
                row.decided_at, row.decided_by, row.decision_note = now, actor, note
            if action is AppealAction.ACCEPT:
                await uow.registry.list_account(
                    account_hash=account_hash(self._registry_key, row.reviewer_account_id),
                    shop_id=shop_id,
                    appeal_id=appeal_id,
                    reason=row.reason,
                    now=now,
                )
            await uow.appeals.save(row)
            await uow.commit()
        return row

    async def bundle(self, *, shop_id: str, appeal_id: str) -> bytes:
        """The appeal's bundle: cited entries with inclusion proofs against one signed head (fetched in one
        batch), the head and its public key; verified before it is returned."""
        async with self._uow() as uow:
            row = await self._load(uow, shop_id, appeal_id, for_update=False)
        head = await self._heads.covering(max(row.evidence_indexes))
        public_key = await self._heads.public_key(head.key_id)
        plans = {i: plan_inclusion(i, head.tree_size) for i in row.evidence_indexes}
        keys = list(dict.fromkeys(k for plan in plans.values() for k in plan.keys))
        async with self._uow() as uow:
            records = await uow.log.get_many(shop_id, row.evidence_indexes)
            hashes = await uow.log.nodes.get_many(keys)
        by_key = dict(zip(keys, hashes, strict=True))
        proofs = {i: plan.assemble([by_key[k] for k in plan.keys]) for i, plan in plans.items()}
        doc = build_bundle(_domain_appeal(row), records, proofs, head, public_key)
        return bundle_bytes(doc)
