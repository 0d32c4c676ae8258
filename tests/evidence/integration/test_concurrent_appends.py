"""Eight appenders x 500 entries against two replicas of the service sharing one fresh database: indexes
0..3999 without a gap or a repeat, and every pair of successive signed heads linked by a valid RFC 6962
consistency proof (the log only ever grew)."""

from __future__ import annotations

import asyncio

from kintsugi.v1 import evidence_pb2

from services.evidence.adapters.log_snapshot import LogSnapshot
from services.evidence.application.verify import verify_log
from services.evidence.domain.merkle import verify_consistency
from services.evidence.domain.signing import PublicKey
from tests.evidence.factories import append_request
from tests.evidence.integration.test_log import head_of
from tests.evidence.stack import EvidenceStack

APPENDERS, EACH = 8, 500


async def test_eight_concurrent_appenders_on_two_replicas_get_gap_free_indexes(pg_admin_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Heads every 300 entries (and on demand below), so there are many heads to link.
    stack = EvidenceStack(pg_admin_url, tmp_path, head_every_entries=300, head_interval_seconds=0.2)
    await stack.start(replicas=2)
    try:
        stubs = [stack.stub(0), stack.stub(1)]
        done = asyncio.Event()

        async def appender(n: int) -> list[int]:
            stub, shop = stubs[n % 2], f"shop-{n}"
            indexes = []
            for i in range(EACH):
                reply = await stub.AppendEvidence(append_request(shop, case_id=f"case-{i % 5}"))
                indexes.append(reply.index)
            return indexes

        async def head_reader() -> None:
            while not done.is_set():
                await stubs[0].GetSignedHead(evidence_pb2.GetSignedHeadRequest())
                await asyncio.sleep(0.05)

        reader = asyncio.create_task(head_reader())
        results = await asyncio.gather(*(appender(n) for n in range(APPENDERS)))
        done.set()
        await reader
        final = await stubs[1].GetSignedHead(evidence_pb2.GetSignedHeadRequest())

        every = sorted(i for r in results for i in r)
        assert every == list(range(APPENDERS * EACH))
        for indexes in results:
            assert indexes == sorted(indexes)  # one appender's entries keep their order
        conn = await stack.connect()
        try:
            assert await conn.fetchval("SELECT count(*) FROM evidence_entries") == APPENDERS * EACH
            assert await conn.fetchval("SELECT max(idx) FROM evidence_entries") == APPENDERS * EACH - 1
        finally:
            await conn.close()
        assert final.tree_size == APPENDERS * EACH

        heads = []
        token = ""
        while True:
            page = await stubs[0].ListTreeHeads(
                evidence_pb2.ListTreeHeadsRequest(page={"page_size": 200, "page_token": token})
            )
            heads += page.items
            token = page.page.next_page_token
            if not token:
                break
        assert len(heads) >= 5
        assert heads[-1].tree_size == final.tree_size
        keys = {
            k.key_id: PublicKey.from_raw_base64(k.raw_base64)
            for k in (await stubs[1].ListLogKeys(evidence_pb2.ListLogKeysRequest())).items
        }
        assert len(keys) == 1  # both replicas read the same key file
        previous = None
        for h in heads:
            signed = head_of(h)
            keys[h.key_id].verify_head(signed)
            if previous is not None:
                assert h.prev_head_hash == previous.head_hash().hex()
                assert h.tree_size > previous.tree_size
                proof = await stubs[0].GetConsistencyProof(
                    evidence_pb2.GetConsistencyProofRequest(first_size=previous.tree_size, second_size=h.tree_size)
                )
                assert verify_consistency(
                    previous.tree_size,
                    h.tree_size,
                    previous.root_hash_bytes,
                    bytes.fromhex(h.root_hash),
                    [bytes.fromhex(x) for x in proof.hashes],
                )
            previous = signed.head
        async with LogSnapshot(stack.url) as snapshot:
            report = await verify_log(snapshot)
        assert report.ok, report.problem
        assert report.heads == len(heads)
    finally:
        await stack.stop()
