"""`kintsugi evidence verify` over a 10,000-entry log in its own database: an intact log verifies (chain,
every Merkle node, every signed head, the state row); an attacker with database access who disables the
append-only trigger and changes one byte, deletes a row or rewrites a node is caught, and the first bad
index is named. Each attack is undone afterwards (the attacker's way), so the tests share one log."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import pytest_asyncio
from kintsugi.v1 import evidence_pb2

from services.evidence.adapters.log_snapshot import LogSnapshot
from services.evidence.application.verify import VerifyReport, subtrees_inside, verify_log
from services.evidence.domain.audit import AuditCode, ChunkChecker
from tests.evidence.factories import append_request
from tests.evidence.stack import EvidenceStack, scope

ROOT = Path(__file__).resolve().parents[3]
KINTSUGI = [sys.executable, "-m", "libs.cli"]
SIZE = 10_000
SHOPS = ("shop-a", "shop-b", "shop-c")


@pytest_asyncio.fixture(scope="module")
async def log10k(pg_admin_url: str, tmp_path_factory) -> AsyncIterator[EvidenceStack]:  # type: ignore[no-untyped-def]
    stack = EvidenceStack(pg_admin_url, tmp_path_factory.mktemp("verify-keys"))
    await stack.start()
    try:
        stub = stack.stub()
        for batch in range(10):
            shop = SHOPS[batch % 3]
            items = [append_request(shop, case_id=f"case-{i % 17}") for i in range(1000)]
            await stub.AppendEvidenceBatch(evidence_pb2.AppendEvidenceBatchRequest(scope=scope(shop), items=items))
            if batch % 3 == 0:
                await stub.GetSignedHead(evidence_pb2.GetSignedHeadRequest())
        head = await stub.GetSignedHead(evidence_pb2.GetSignedHeadRequest())
        assert head.tree_size == SIZE
        yield stack
    finally:
        await stack.stop()


async def verify(stack: EvidenceStack, **options) -> VerifyReport:  # type: ignore[no-untyped-def]
    async with LogSnapshot(stack.url) as snapshot:
        return await verify_log(snapshot, page_size=options.pop("page_size", 3000), **options)


async def cli_verify(stack: EvidenceStack, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *KINTSUGI,
        "evidence",
        "verify",
        "--database-url",
        stack.url,
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "KINTSUGI_EVIDENCE_TRUSTED_KEY_IDS": ""},
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


@asynccontextmanager
async def attack(stack: EvidenceStack, table: str) -> AsyncIterator[object]:
    """A database connection on which ``table``'s append-only trigger is off, as an attacker would have it."""
    conn = await stack.connect()
    await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    try:
        yield conn
    finally:
        await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        await conn.close()


async def test_an_intact_log_of_10000_entries_verifies(log10k: EvidenceStack) -> None:
    report = await verify(log10k)
    assert report.ok, report.problem
    assert (report.entries, report.tree_size) == (SIZE, SIZE)
    assert report.heads >= 4
    head = await log10k.stub().GetSignedHead(evidence_pb2.GetSignedHeadRequest())
    assert report.root_hash == head.root_hash
    full = await verify(log10k, check_leaves=True)
    assert full.ok and full.entries == SIZE
    parallel = await verify(log10k, workers=2, page_size=2048)  # ranges audited by two worker processes
    assert parallel.ok and (parallel.entries, parallel.root_hash, parallel.heads) == (
        SIZE,
        head.root_hash,
        report.heads,
    )
    code, out = await cli_verify(log10k)
    assert code == 0, out
    assert f"OK: {SIZE} entries" in out


async def test_one_changed_byte_is_named_by_its_index(log10k: EvidenceStack) -> None:
    async with attack(log10k, "evidence_entries") as conn:
        original = await conn.fetchval("SELECT leaf FROM evidence_entries WHERE idx = 4321")
        await conn.execute(
            "UPDATE evidence_entries SET leaf = set_byte(leaf, 60, get_byte(leaf, 60) # 1) WHERE idx = 4321"
        )
        try:
            code, out = await cli_verify(log10k, "--workers", "2", "--page-size", "1024")
            assert code == 1, out
            assert "FAILED at index 4321: entry_hash_mismatch" in out
            assert "checked 4321 of 10000 entries" in out
            sequential = await verify(log10k)
            assert sequential.problem is not None and sequential.problem.index == 4321
        finally:
            await conn.execute("UPDATE evidence_entries SET leaf = $1 WHERE idx = 4321", original)
    assert (await verify(log10k)).ok


async def test_an_intact_range_is_read_column_by_column_and_passes_the_fast_check(log10k: EvidenceStack) -> None:
    # The intact log must verify through the column check (not only through the row-by-row fallback), and
    # the read-ahead node query must return exactly what the ordered one returns.
    async with LogSnapshot(log10k.url) as snapshot:
        for first, end in [(0, 4096), (8192, SIZE)]:
            columns = await snapshot.entry_columns(first, end)
            chunk = ChunkChecker().check_columns(columns, first)
            assert chunk is not None and chunk.good == end - first
            assert chunk == ChunkChecker().check(await snapshot.entries(first, end), first)
            ranges = subtrees_inside(first, end)
            assert await snapshot.range_nodes(ranges) == await snapshot.nodes(ranges)


def flip(column: str, position: str) -> str:
    """SQL for ``column`` with one bit of its byte at ``position`` flipped."""
    return f"set_byte({column}, {position}, get_byte({column}, {position}) # 1)"


@pytest.mark.parametrize(
    ("column", "change", "code"),
    [
        ("leaf", flip("leaf", "0"), AuditCode.ENTRY_HASH_MISMATCH),
        ("leaf", flip("leaf", "length(leaf) - 1"), AuditCode.ENTRY_HASH_MISMATCH),
        ("prev_entry_hash", flip("prev_entry_hash", "31"), AuditCode.PREV_LINK_MISMATCH),
        ("entry_hash", flip("entry_hash", "7"), AuditCode.ENTRY_HASH_MISMATCH),
        ("shop_id", "overlay(shop_id placing 'x' from 6 for 1)", AuditCode.SHOP_MISMATCH),
    ],
)
async def test_one_changed_byte_in_any_checked_column_is_named_by_default(
    log10k: EvidenceStack, column: str, change: str, code: AuditCode
) -> None:
    # With ranges of 4096 entries: inside a range, the last entry of one, the first entry of the next.
    for index in (6000, 8191, 8192):
        async with attack(log10k, "evidence_entries") as conn:
            original = await conn.fetchval(f"SELECT {column} FROM evidence_entries WHERE idx = $1", index)
            await conn.execute(f"UPDATE evidence_entries SET {column} = {change} WHERE idx = $1", index)
            try:
                report = await verify(log10k, page_size=4096)
                assert report.problem is not None
                assert (report.problem.code, report.problem.index) == (code, index), report.problem
                assert report.entries == index
            finally:
                await conn.execute(f"UPDATE evidence_entries SET {column} = $1 WHERE idx = $2", original, index)
    assert (await verify(log10k)).ok


async def test_a_rewritten_entry_with_a_recomputed_hash_is_still_named(log10k: EvidenceStack) -> None:
    # The attacker fixes entry_hash too; the chain then breaks one entry later, but the stored Merkle leaf
    # node no longer matches, which points at the entry that was really changed.
    async with attack(log10k, "evidence_entries") as conn:
        leaf, entry_hash = await conn.fetchrow("SELECT leaf, entry_hash FROM evidence_entries WHERE idx = 777")
        await conn.execute(
            """UPDATE evidence_entries
               SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), 'agent-1', 'agent-2'), 'UTF8'),
                   entry_hash = sha256(prev_entry_hash
                       || convert_to(replace(convert_from(leaf, 'UTF8'), 'agent-1', 'agent-2'), 'UTF8'))
               WHERE idx = 777"""
        )
        try:
            report = await verify(log10k)
            assert report.problem is not None
            assert (report.problem.code, report.problem.index) == (AuditCode.NODE_MISMATCH, 777)
        finally:
            await conn.execute(
                "UPDATE evidence_entries SET leaf = $1, entry_hash = $2 WHERE idx = 777", leaf, entry_hash
            )


async def test_a_deleted_row_fails_verification(log10k: EvidenceStack) -> None:
    async with attack(log10k, "evidence_entries") as conn:
        saved = await conn.fetchrow("SELECT * FROM evidence_entries WHERE idx = 5000")
        await conn.execute("DELETE FROM evidence_entries WHERE idx = 5000")
        try:
            report = await verify(log10k)
            assert report.problem is not None
            assert (report.problem.code, report.problem.index) == (AuditCode.GAP, 5000)
            code, out = await cli_verify(log10k)
            assert code == 1 and "FAILED at index 5000: gap: index 5000 is missing" in out, out
        finally:
            await conn.execute(
                f"INSERT INTO evidence_entries ({', '.join(saved.keys())}) "
                f"VALUES ({', '.join(f'${i + 1}' for i in range(len(saved)))})",
                *saved.values(),
            )
        last = await conn.fetchrow("SELECT * FROM evidence_entries WHERE idx = $1", SIZE - 1)
        await conn.execute("DELETE FROM evidence_entries WHERE idx = $1", SIZE - 1)
        try:
            report = await verify(log10k)
            assert report.problem is not None
            assert (report.problem.code, report.problem.index) == (AuditCode.MISSING_ENTRIES, SIZE - 1)
        finally:
            await conn.execute(
                f"INSERT INTO evidence_entries ({', '.join(last.keys())}) "
                f"VALUES ({', '.join(f'${i + 1}' for i in range(len(last)))})",
                *last.values(),
            )
    assert (await verify(log10k)).ok


async def test_a_moved_entry_is_caught_by_its_shop_column(log10k: EvidenceStack) -> None:
    async with attack(log10k, "evidence_entries") as conn:
        await conn.execute("UPDATE evidence_entries SET shop_id = 'shop-x' WHERE idx = 12")
        try:
            report = await verify(log10k)
            assert report.problem is not None
            assert (report.problem.code, report.problem.index) == (AuditCode.SHOP_MISMATCH, 12)
        finally:
            await conn.execute("UPDATE evidence_entries SET shop_id = 'shop-a' WHERE idx = 12")


@pytest.mark.parametrize(
    "column, change",
    [
        ("case_id", "case_id || 'x'"),
        ("kind", "'screenshot'"),
        ("recorded_at", "recorded_at + interval '1 microsecond'"),
    ],
)
async def test_a_changed_filter_column_is_named_by_the_full_check(
    log10k: EvidenceStack, column: str, change: str
) -> None:
    # These columns only serve lists (by case, by kind); the evidence itself is in the leaf. The hash
    # walk does not read them; --full checks them against every leaf and names the first that differs.
    async with attack(log10k, "evidence_entries") as conn:
        original = await conn.fetchval(f"SELECT {column} FROM evidence_entries WHERE idx = 5000")
        await conn.execute(f"UPDATE evidence_entries SET {column} = {change} WHERE idx = 5000")
        try:
            report = await verify(log10k, check_leaves=True)
            assert report.problem is not None
            assert (report.problem.code, report.problem.index) == (AuditCode.COLUMN_MISMATCH, 5000), report.problem
            code, out = await cli_verify(log10k, "--full")
            assert code == 1 and "FAILED at index 5000: column_mismatch" in out, out
        finally:
            await conn.execute(f"UPDATE evidence_entries SET {column} = $1 WHERE idx = 5000", original)
    assert (await verify(log10k, check_leaves=True)).ok


async def test_a_changed_merkle_node_is_named(log10k: EvidenceStack) -> None:
    async with attack(log10k, "merkle_nodes") as conn:
        await conn.execute(
            "UPDATE merkle_nodes SET hash = set_byte(hash, 0, get_byte(hash, 0) # 1) WHERE level = 4 AND idx = 300"
        )
        try:
            report = await verify(log10k)
            assert report.problem is not None
            assert (report.problem.code, report.problem.index) == (AuditCode.NODE_MISMATCH, 300 * 16)
            assert "(level 4, index 300) covering entries 4800..4815" in report.problem.message
        finally:
            await conn.execute(
                "UPDATE merkle_nodes SET hash = set_byte(hash, 0, get_byte(hash, 0) # 1) WHERE level = 4 AND idx = 300"
            )


async def test_a_changed_signed_head_is_caught(log10k: EvidenceStack) -> None:
    async with attack(log10k, "tree_heads") as conn:
        await conn.execute(
            "UPDATE tree_heads SET root_hash = set_byte(root_hash, 0, get_byte(root_hash, 0) # 1) WHERE seq = 1"
        )
        try:
            report = await verify(log10k)
            assert report.problem is not None and report.problem.code is AuditCode.HEAD_INVALID
            assert report.problem.message.startswith("head #1 ")
        finally:
            await conn.execute(
                "UPDATE tree_heads SET root_hash = set_byte(root_hash, 0, get_byte(root_hash, 0) # 1) WHERE seq = 1"
            )
    assert (await verify(log10k)).ok


async def test_heads_by_an_untrusted_key_fail_when_trusted_keys_are_given(log10k: EvidenceStack) -> None:
    assert not (await verify(log10k, trusted_key_ids=["0123456789abcdef"])).ok
    keys = await log10k.stub().ListLogKeys(evidence_pb2.ListLogKeysRequest())
    assert (await verify(log10k, trusted_key_ids=[k.key_id for k in keys.items])).ok
