"""The evidence log over real gRPC and PostgreSQL: appends and their hashes, idempotency, batches, reads
filtered by shop, proofs against signed heads, suspected reviews, and the database's append-only triggers."""

from __future__ import annotations

import asyncio
import hashlib

import asyncpg
import grpc
import pytest
from kintsugi.v1 import evidence_pb2

from libs.timeutil import to_ts
from services.evidence.domain.canonical import canonical_entry, parse_leaf
from services.evidence.domain.merkle import leaf_hash, verify_consistency, verify_inclusion
from services.evidence.domain.signing import PublicKey, SignedTreeHead
from tests.evidence.factories import CAPTURED, append_request
from tests.evidence.stack import scope
from tests.harness import new_shop


def head_of(h: evidence_pb2.SignedTreeHead) -> SignedTreeHead:
    return SignedTreeHead.from_dict(
        {
            "tree_size": h.tree_size,
            "root_hash": h.root_hash,
            "prev_head_hash": h.prev_head_hash,
            "timestamp": h.timestamp,
            "signature": h.signature,
            "key_id": h.key_id,
        }
    )


async def test_an_append_returns_the_hashes_of_its_canonical_entry(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    reply = await stub.AppendEvidence(append_request(shop, description='说"假货"\n要求退款'))
    record = await stub.GetEvidence(evidence_pb2.GetEvidenceRequest(scope=scope(shop), index=reply.index))
    conn = await evidence.connect()
    try:
        row = await conn.fetchrow(
            "SELECT leaf, prev_entry_hash, entry_hash FROM evidence_entries WHERE idx = $1", reply.index
        )
    finally:
        await conn.close()
    entry = parse_leaf(row["leaf"])
    assert canonical_entry(entry) == row["leaf"]
    assert (entry.shop_id, entry.index, entry.recorder, entry.description) == (
        shop,
        reply.index,
        "agent-1",
        '说"假货"\n要求退款',
    )
    assert reply.leaf_hash == leaf_hash(row["leaf"]).hex() == record.leaf_hash
    assert reply.entry_hash == hashlib.sha256(row["prev_entry_hash"] + row["leaf"]).hexdigest() == record.entry_hash
    assert record.captured_at.ToDatetime().isoformat() == "2026-11-20T09:30:00"


async def test_a_replayed_idempotency_key_answers_the_first_entry_and_another_body_conflicts(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    request = append_request(shop, idempotency_key="payout-881", recorder="compensation", with_scope=False)
    request.scope.shop_id = shop  # as compensation's outbox sends it: a shop, no acting user
    replies = await asyncio.gather(*(stub.AppendEvidence(request) for _ in range(6)))
    assert len({(r.index, r.leaf_hash, r.entry_hash) for r in replies}) == 1
    other = append_request(shop, idempotency_key="payout-881", recorder="compensation", content="another video")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AppendEvidence(other)
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    # The same key in another shop is another request.
    assert (await stub.AppendEvidence(append_request(new_shop(), idempotency_key="payout-881"))).index != replies[
        0
    ].index
    listed = await stub.ListEvidence(evidence_pb2.ListEvidenceRequest(scope=scope(shop)))
    assert [r.index for r in listed.items] == [replies[0].index]
    assert listed.items[0].recorder == "compensation"


async def test_invalid_fields_are_named_and_nothing_is_written(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    cases = [
        (append_request(shop, kind="selfie"), "kind"),
        (append_request(shop, content_type="Video/MP4"), "content_type"),
        (append_request(shop, case_id="two words"), "case_id"),
        (
            evidence_pb2.AppendEvidenceRequest(
                scope=scope(shop),
                case_id="c",
                kind="chat_log",
                sha256="ab",
                content_type="text/plain",
                captured_at=to_ts(CAPTURED),
            ),
            "sha256",
        ),
        (
            evidence_pb2.AppendEvidenceRequest(
                scope=scope(shop), case_id="c", kind="chat_log", sha256="a" * 64, content_type="text/plain"
            ),
            "captured_at",
        ),
    ]
    for request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.AppendEvidence(request)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert err.value.details().startswith(f"{field}:"), err.value.details()
    batch = [append_request(shop) for _ in range(5)]
    batch[3] = append_request(shop, kind="selfie")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.AppendEvidenceBatch(evidence_pb2.AppendEvidenceBatchRequest(scope=scope(shop), items=batch))
    assert err.value.details().startswith("items[3].kind:")
    assert not (await stub.ListEvidence(evidence_pb2.ListEvidenceRequest(scope=scope(shop)))).items


async def test_a_batch_gets_consecutive_indexes(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    items = [append_request(shop, case_id=f"case-{i % 3}") for i in range(250)]
    reply = await stub.AppendEvidenceBatch(evidence_pb2.AppendEvidenceBatchRequest(scope=scope(shop), items=items))
    indexes = [r.index for r in reply.results]
    assert indexes == list(range(indexes[0], indexes[0] + 250))
    page = await stub.ListEvidence(
        evidence_pb2.ListEvidenceRequest(scope=scope(shop), case_id="case-1", page={"page_size": 200})
    )
    assert [r.index for r in page.items] == indexes[1::3]


async def test_a_shop_never_reads_another_shops_entries(evidence) -> None:
    stub, mine, theirs = evidence.stub(), new_shop(), new_shop()
    reply = await stub.AppendEvidence(append_request(theirs))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetEvidence(evidence_pb2.GetEvidenceRequest(scope=scope(mine), index=reply.index))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    missing = await stub.GetSignedHead(evidence_pb2.GetSignedHeadRequest())
    with pytest.raises(grpc.aio.AioRpcError) as err2:
        await stub.GetEvidence(evidence_pb2.GetEvidenceRequest(scope=scope(mine), index=missing.tree_size + 10))
    assert err2.value.details() == err.value.details().replace(str(reply.index), str(missing.tree_size + 10))
    assert not (await stub.ListEvidence(evidence_pb2.ListEvidenceRequest(scope=scope(mine)))).items


async def test_proofs_verify_against_signed_heads(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    first = await stub.GetSignedHead(evidence_pb2.GetSignedHeadRequest())
    appended = await stub.AppendEvidenceBatch(
        evidence_pb2.AppendEvidenceBatchRequest(scope=scope(shop), items=[append_request(shop) for _ in range(37)])
    )
    second = await stub.GetSignedHead(evidence_pb2.GetSignedHeadRequest())
    assert second.tree_size == first.tree_size + 37 or second.tree_size > first.tree_size
    keys = {
        k.key_id: PublicKey.from_raw_base64(k.raw_base64)
        for k in (await stub.ListLogKeys(evidence_pb2.ListLogKeysRequest())).items
    }
    for h in (first, second):
        keys[h.key_id].verify_head(head_of(h))
    assert second.prev_head_hash != "0" * 64
    for r in appended.results[::9]:
        proof = await stub.GetInclusionProof(
            evidence_pb2.GetInclusionProofRequest(leaf_index=r.index, tree_size=second.tree_size)
        )
        assert verify_inclusion(
            bytes.fromhex(r.leaf_hash),
            r.index,
            second.tree_size,
            [bytes.fromhex(h) for h in proof.hashes],
            bytes.fromhex(second.root_hash),
        )
    latest = await stub.GetInclusionProof(evidence_pb2.GetInclusionProofRequest(leaf_index=appended.results[0].index))
    assert latest.tree_size >= second.tree_size
    consistency = await stub.GetConsistencyProof(
        evidence_pb2.GetConsistencyProofRequest(first_size=first.tree_size, second_size=second.tree_size)
    )
    assert verify_consistency(
        first.tree_size,
        second.tree_size,
        bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash),
        [bytes.fromhex(h) for h in consistency.hashes],
    )
    for request in (
        evidence_pb2.GetInclusionProofRequest(leaf_index=second.tree_size, tree_size=second.tree_size),
        evidence_pb2.GetInclusionProofRequest(leaf_index=0, tree_size=second.tree_size + 10**6),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.GetInclusionProof(request)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetConsistencyProof(evidence_pb2.GetConsistencyProofRequest(first_size=5, second_size=4))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_suspected_review_is_stored_once_with_an_account_behaviour_entry(evidence) -> None:
    stub, shop = evidence.stub(), new_shop()
    text = "不给我返现500元我就一直差评"
    message = evidence_pb2.SuspectedReview(
        shop_id=shop,
        feedback_id="fb_81",
        case_id="case_81",
        reviewer_id="buyer-77",
        score=0.93,
        reasons=["extortion:返现", "no_matching_order"],
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        occurred_at=to_ts(CAPTURED),
    )
    acks = await asyncio.gather(*(stub.FlagSuspectedReview(message) for _ in range(4)))
    assert sorted(a.duplicate for a in acks) == [False, True, True, True]
    entries = (await stub.ListEvidence(evidence_pb2.ListEvidenceRequest(scope=scope(shop)))).items
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.kind, entry.case_id, entry.sha256, entry.recorder) == (
        "account_behaviour",
        "case_81",
        message.text_sha256,
        "triage",
    )
    assert "extortion:返现" in entry.description and "buyer-77" in entry.description
    bad = evidence_pb2.SuspectedReview(shop_id=shop, feedback_id="fb_82", text_sha256="nope")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.FlagSuspectedReview(bad)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("table", ["evidence_entries", "merkle_nodes", "tree_heads", "log_keys"])
async def test_the_database_refuses_to_change_the_log(evidence, table: str) -> None:
    stub = evidence.stub()
    await stub.AppendEvidence(append_request(new_shop()))
    await stub.GetSignedHead(evidence_pb2.GetSignedHeadRequest())
    conn = await evidence.connect()
    try:
        column = {
            "evidence_entries": "shop_id",
            "merkle_nodes": "hash",
            "tree_heads": "signature",
            "log_keys": "key_id",
        }[table]
        for sql in (
            f"UPDATE {table} SET {column} = {column}",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
                await conn.execute(sql)
        with pytest.raises(asyncpg.RestrictViolationError, match="may not shrink"):
            await conn.execute("UPDATE log_state SET tree_size = 0")
        with pytest.raises(asyncpg.RestrictViolationError):
            await conn.execute("DELETE FROM log_state")
    finally:
        await conn.close()
