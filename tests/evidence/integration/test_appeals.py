"""Appeals over real gRPC and PostgreSQL: lifecycle and who may move it, evidence that must be the shop's own,
the reviewer from triage's suspicion, the registry of keyed hashes, and a bundle that verifies offline."""

from __future__ import annotations

import hashlib
import hmac
import json

import grpc
import pytest
from kintsugi.v1 import common_pb2, evidence_pb2

from services.evidence.domain.bundle import verify_bundle
from services.evidence.domain.registry import REGISTRY_DOMAIN
from tests.evidence.factories import append_request
from tests.evidence.stack import scope
from tests.harness import new_shop

MODERATOR = ("moderator",)


async def appended(stub, shop: str, n: int = 3) -> list[int]:  # type: ignore[no-untyped-def]
    reply = await stub.AppendEvidenceBatch(
        evidence_pb2.AppendEvidenceBatchRequest(scope=scope(shop), items=[append_request(shop) for _ in range(n)])
    )
    return [r.index for r in reply.results]


async def create(stub, shop: str, indexes: list[int], **extra) -> evidence_pb2.Appeal:  # type: ignore[no-untyped-def]
    values = {"review_feedback_id": "fb_1", "reason": "extortion", "reviewer_account_id": "buyer-1", **extra}
    return await stub.CreateAppeal(
        evidence_pb2.CreateAppealRequest(scope=scope(shop), evidence_indexes=indexes, **values)
    )


def action(
    shop: str, appeal_id: str, roles: tuple[str, ...] = ("agent",), note: str = ""
) -> evidence_pb2.AppealActionRequest:
    return evidence_pb2.AppealActionRequest(scope=scope(shop, "user-9", roles), appeal_id=appeal_id, note=note)


async def rpc_error(call) -> grpc.aio.AioRpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


async def test_the_lifecycle_allows_only_its_moves_and_acceptance_lists_the_reviewer(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    indexes = await appended(stub, shop)
    appeal = await create(stub, shop, indexes, reviewer_account_id="buyer-lifecycle")
    assert (appeal.state, appeal.reason, list(appeal.evidence_indexes)) == ("draft", "extortion", indexes)

    err = await rpc_error(stub.AcceptAppeal(action(shop, appeal.id, MODERATOR)))
    assert (
        err.code() == grpc.StatusCode.FAILED_PRECONDITION and "cannot accept an appeal that is draft" in err.details()
    )
    err = await rpc_error(stub.SubmitAppeal(action(shop, appeal.id, MODERATOR)))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED

    submitted = await stub.SubmitAppeal(action(shop, appeal.id))
    assert submitted.state == "submitted" and submitted.HasField("submitted_at")
    assert (await rpc_error(stub.SubmitAppeal(action(shop, appeal.id)))).code() == grpc.StatusCode.FAILED_PRECONDITION
    err = await rpc_error(stub.AcceptAppeal(action(shop, appeal.id, ("supervisor", "admin"))))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED

    status = evidence_pb2.CheckMaliciousActorRequest(scope=scope(shop), account_id="buyer-lifecycle")
    assert not (await stub.CheckMaliciousActor(status)).listed
    accepted = await stub.AcceptAppeal(action(shop, appeal.id, MODERATOR, note="聊天记录证实敲诈"))
    assert (accepted.state, accepted.decided_by, accepted.decision_note) == ("accepted", "user-9", "聊天记录证实敲诈")
    err = await rpc_error(stub.RejectAppeal(action(shop, appeal.id, MODERATOR)))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "accepted is final" in err.details()

    # Any shop can ask about an account id it knows; the answer carries no other shop's data.
    listed = await stub.CheckMaliciousActor(
        evidence_pb2.CheckMaliciousActorRequest(scope=scope(new_shop()), account_id="buyer-lifecycle")
    )
    assert listed.listed and list(listed.reasons) == ["extortion"] and listed.listings == 1


async def test_a_rejected_appeal_lists_nobody_and_makes_room_for_a_new_one(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    indexes = await appended(stub, shop, 1)
    appeal = await create(stub, shop, indexes, review_feedback_id="fb_rej", reviewer_account_id="buyer-rej")
    assert (await rpc_error(create(stub, shop, indexes, review_feedback_id="fb_rej"))).code() == (
        grpc.StatusCode.ALREADY_EXISTS
    )
    await stub.SubmitAppeal(action(shop, appeal.id))
    rejected = await stub.RejectAppeal(action(shop, appeal.id, MODERATOR, note="证据不足"))
    assert rejected.state == "rejected"
    check = evidence_pb2.CheckMaliciousActorRequest(scope=scope(shop), account_id="buyer-rej")
    assert not (await stub.CheckMaliciousActor(check)).listed
    again = await create(stub, shop, indexes, review_feedback_id="fb_rej", reason="fake_account")
    assert again.state == "draft" and again.id != appeal.id


async def test_evidence_must_be_the_shops_own_and_the_reason_known(evidence) -> None:
    stub, shop, other = evidence.stub(), new_shop(), new_shop()
    mine, theirs = await appended(stub, shop, 2), await appended(stub, other, 1)
    err = await rpc_error(create(stub, shop, [*mine, theirs[0]]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == f"evidence_indexes: not evidence entries of this shop: {theirs[0]}"
    err_missing = await rpc_error(create(stub, shop, [10**12]))
    assert err_missing.details() == f"evidence_indexes: not evidence entries of this shop: {10**12}"
    assert (await rpc_error(create(stub, shop, mine, reason="spam"))).details().startswith("reason:")
    assert (await rpc_error(create(stub, shop, []))).details().startswith("evidence_indexes:")
    assert (await rpc_error(create(stub, shop, [mine[0], mine[0]]))).details().startswith("evidence_indexes:")
    err_role = await rpc_error(
        stub.CreateAppeal(
            evidence_pb2.CreateAppealRequest(
                scope=scope(shop, roles=("auditor",)),
                review_feedback_id="fb_9",
                reason="off_topic",
                evidence_indexes=mine,
            )
        )
    )
    assert err_role.code() == grpc.StatusCode.PERMISSION_DENIED
    # Another shop sees neither the appeal nor its bundle.
    appeal = await create(stub, shop, mine)
    for call in (
        stub.GetAppeal(evidence_pb2.GetAppealRequest(scope=scope(other), appeal_id=appeal.id)),
        stub.ExportAppealBundle(evidence_pb2.ExportAppealBundleRequest(scope=scope(other), appeal_id=appeal.id)),
        stub.SubmitAppeal(action(other, appeal.id)),
    ):
        assert (await rpc_error(call)).code() == grpc.StatusCode.NOT_FOUND


async def test_the_reviewer_of_a_flagged_review_comes_from_triage(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    text_hash = hashlib.sha256("差评威胁".encode()).hexdigest()
    await stub.FlagSuspectedReview(
        evidence_pb2.SuspectedReview(
            shop_id=shop,
            feedback_id="fb_flagged",
            case_id="case_9",
            reviewer_id="buyer-flagged",
            score=0.8,
            reasons=["threat:曝光"],
            text_sha256=text_hash,
        )
    )
    entries = (await stub.ListEvidence(evidence_pb2.ListEvidenceRequest(scope=scope(shop)))).items
    appeal = await create(stub, shop, [entries[0].index], review_feedback_id="fb_flagged", reviewer_account_id="")
    assert appeal.reviewer_account_id == "buyer-flagged"
    err = await rpc_error(
        create(stub, shop, [entries[0].index], review_feedback_id="fb_unknown", reviewer_account_id="")
    )
    assert err.details().startswith("reviewer_account_id: is required")


async def test_an_idempotency_key_replays_the_first_appeal(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    indexes = await appended(stub, shop, 1)
    first = await create(stub, shop, indexes, review_feedback_id="fb_idem", idempotency_key="k-1")
    again = await create(stub, shop, indexes, review_feedback_id="fb_idem", idempotency_key="k-1")
    assert again.id == first.id
    err = await rpc_error(create(stub, shop, indexes, review_feedback_id="fb_other", idempotency_key="k-1"))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_the_registry_is_for_moderators_and_holds_keyed_hashes_only(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    indexes = await appended(stub, shop, 1)
    appeal = await create(stub, shop, indexes, review_feedback_id="fb_reg", reviewer_account_id="buyer-registry")
    await stub.SubmitAppeal(action(shop, appeal.id))
    await stub.AcceptAppeal(action(shop, appeal.id, MODERATOR))
    request = evidence_pb2.ListMaliciousActorsRequest(
        scope=common_pb2.ShopScope(actor_id="mod-1", actor_roles=["moderator"]), page={"page_size": 200}
    )
    listing = await stub.ListMaliciousActors(request)
    text = str(listing)
    assert "buyer-registry" not in text
    key = (evidence.key_dir / "evidence_registry_key").read_bytes().strip()
    expected = hmac.new(key, REGISTRY_DOMAIN + b"buyer-registry", hashlib.sha256).hexdigest()
    assert expected in {a.account_hash for a in listing.items}
    assert hashlib.sha256(b"buyer-registry").hexdigest() not in text
    not_moderator = evidence_pb2.ListMaliciousActorsRequest(
        scope=common_pb2.ShopScope(actor_id="sup-1", actor_roles=["supervisor", "admin"])
    )
    assert (await rpc_error(stub.ListMaliciousActors(not_moderator))).code() == grpc.StatusCode.PERMISSION_DENIED


async def test_the_bundle_verifies_offline_against_a_published_key(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    indexes = await appended(stub, shop, 4)
    appeal = await create(stub, shop, [indexes[0], indexes[2], indexes[3]], review_feedback_id="fb_bundle")
    # Entries newer than the latest head: the export signs a head that covers them.
    data = (
        await stub.ExportAppealBundle(evidence_pb2.ExportAppealBundleRequest(scope=scope(shop), appeal_id=appeal.id))
    ).bundle_json
    doc = json.loads(data)
    keys = [k.key_id for k in (await stub.ListLogKeys(evidence_pb2.ListLogKeysRequest())).items]
    result = verify_bundle(doc, trusted_key_ids=keys)
    assert result.ok, result.failures
    assert [e["index"] for e in doc["entries"]] == [indexes[0], indexes[2], indexes[3]]
    assert doc["head"]["tree_size"] > indexes[3]
    assert doc["appeal"] == {
        "id": appeal.id,
        "shop_id": shop,
        "review_feedback_id": "fb_bundle",
        "reason": "extortion",
        "evidence_indexes": [indexes[0], indexes[2], indexes[3]],
    }
