"""Evidence through the gateway over real HTTP: appending (roles, Idempotency-Key, validation), signed heads and
proofs for any token, appeals and their lifecycle, the registry, tenancy (another shop's data is 404), and an
exported bundle checked offline by `kintsugi verify-bundle` run as a separate process, tampered copies included.

Evidence runs on its own here (a fresh database and one replica behind the gateway), so these tests do not
depend on the other services."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from services.evidence.domain.merkle import verify_consistency, verify_inclusion
from services.evidence.domain.signing import PublicKey, SignedTreeHead, SigningKey, TreeHead, b64encode
from tests.evidence.factories import evidence_body
from tests.evidence.stack import EvidenceStack
from tests.harness import new_shop, token

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = Path(sys.executable).with_name("kintsugi")
KINTSUGI = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "libs.cli"]
PROBLEM = "application/problem+json"


@pytest_asyncio.fixture(scope="module")
async def api(pg_admin_url: str, tmp_path_factory) -> AsyncIterator[EvidenceStack]:  # type: ignore[no-untyped-def]
    stack = EvidenceStack(pg_admin_url, tmp_path_factory.mktemp("gateway-evidence-keys"))
    await stack.start(gateway=True)
    try:
        yield stack
    finally:
        await stack.stop()


def agent(shop: str) -> str:
    return token([shop], ["agent"], sub="agent-7")


MODERATOR = token(["*"], ["moderator"], sub="mod-1")


async def append(api: EvidenceStack, shop: str, **override) -> dict:  # type: ignore[no-untyped-def, type-arg]
    async with api.http(agent(shop)) as http:
        response = await http.post(f"/v1/shops/{shop}/evidence", json=evidence_body(**override))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_appending_evidence(api: EvidenceStack) -> None:
    shop = new_shop()
    body = evidence_body()
    async with api.http(agent(shop)) as http:
        first = await http.post(f"/v1/shops/{shop}/evidence", json=body, headers={"Idempotency-Key": "video-1"})
        assert first.status_code == 201, first.text
        assert set(first.json()) == {"index", "leaf_hash", "entry_hash"}
        replay = await http.post(f"/v1/shops/{shop}/evidence", json=body, headers={"Idempotency-Key": "video-1"})
        assert (replay.status_code, replay.json()) == (201, first.json())
        other = await http.post(
            f"/v1/shops/{shop}/evidence", json={**body, "description": "另一段"}, headers={"Idempotency-Key": "video-1"}
        )
        assert other.status_code == 409 and other.headers["content-type"] == PROBLEM
        entry = (await http.get(f"/v1/shops/{shop}/evidence/{first.json()['index']}")).json()
        assert entry["recorder"] == "agent-7" and entry["sha256"] == body["sha256"]
        assert entry["captured_at"] == "2026-11-23T13:05:00Z" and entry["leaf_hash"] == first.json()["leaf_hash"]
        listed = (await http.get(f"/v1/shops/{shop}/evidence", params={"case_id": "case-7"})).json()
        assert [e["index"] for e in listed["items"]] == [first.json()["index"]] and listed["next_page_token"] is None

        bad = await http.post(f"/v1/shops/{shop}/evidence", json={**body, "kind": "selfie", "sha256": "XYZ"})
        assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"kind", "sha256"}
        naive = await http.post(f"/v1/shops/{shop}/evidence", json={**body, "captured_at": "2026-11-23T21:05:00"})
        assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "captured_at"
        service_side = await http.post(f"/v1/shops/{shop}/evidence", json={**body, "content_type": "Video/MP4"})
        assert service_side.status_code == 422 and service_side.json()["errors"][0]["field"] == "content_type"
        batch = await http.post(f"/v1/shops/{shop}/evidence:batch", json={"items": [evidence_body() for _ in range(3)]})
        assert batch.status_code == 201
        indexes = [r["index"] for r in batch.json()["results"]]
        assert indexes == list(range(indexes[0], indexes[0] + 3))
    async with api.http(token([shop], ["auditor"])) as http:
        assert (await http.post(f"/v1/shops/{shop}/evidence", json=evidence_body())).status_code == 403
        assert (await http.get(f"/v1/shops/{shop}/evidence/{first.json()['index']}")).status_code == 200
    async with api.http() as http:
        assert (await http.post(f"/v1/shops/{shop}/evidence", json=evidence_body())).status_code == 401


async def test_heads_and_proofs_need_a_token_but_no_shop(api: EvidenceStack) -> None:
    shop = new_shop()
    first = await append(api, shop)
    async with api.http(token([], ["auditor"])) as http:
        head1 = (await http.get("/v1/log/head")).json()
        assert set(head1) == {"tree_size", "root_hash", "prev_head_hash", "timestamp", "signature", "key_id"}
        assert head1["tree_size"] > first["index"]
        second = await append(api, shop)
        head2 = (await http.get("/v1/log/head")).json()
        keys = (await http.get("/v1/log/keys")).json()["items"]
        key = PublicKey.from_raw_base64(next(k["raw_base64"] for k in keys if k["key_id"] == head2["key_id"]))
        for head in (head1, head2):
            key.verify_head(SignedTreeHead.from_dict(head))
        heads = (await http.get("/v1/log/heads", params={"page_size": 200})).json()["items"]
        assert heads[-1] == head2 and head2["prev_head_hash"] == SignedTreeHead.from_dict(heads[-2]).head_hash().hex()

        proof = (
            await http.get(
                "/v1/log/proof/inclusion", params={"index": second["index"], "tree_size": head2["tree_size"]}
            )
        ).json()
        assert (proof["leaf_index"], proof["tree_size"]) == (second["index"], head2["tree_size"])
        assert verify_inclusion(
            bytes.fromhex(second["leaf_hash"]),
            second["index"],
            head2["tree_size"],
            [bytes.fromhex(h) for h in proof["hashes"]],
            bytes.fromhex(head2["root_hash"]),
        )
        consistency = (
            await http.get("/v1/log/proof/consistency", params={"from": head1["tree_size"], "to": head2["tree_size"]})
        ).json()
        assert set(consistency) == {"hashes"}
        assert verify_consistency(
            head1["tree_size"],
            head2["tree_size"],
            bytes.fromhex(head1["root_hash"]),
            bytes.fromhex(head2["root_hash"]),
            [bytes.fromhex(h) for h in consistency["hashes"]],
        )
        beyond = await http.get("/v1/log/proof/inclusion", params={"index": 0, "tree_size": 10**9})
        assert beyond.status_code == 422 and beyond.json()["errors"][0]["field"] == "tree_size"
        assert (await http.get("/v1/log/proof/consistency", params={"from": 3})).status_code == 422
    async with api.http() as http:
        assert (await http.get("/v1/log/head")).status_code == 401


async def _verify_bundle(path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *KINTSUGI,
        "verify-bundle",
        str(path),
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "KINTSUGI_EVIDENCE_TRUSTED_KEY_IDS": "", **(env or {})},
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


def _resigned(doc: dict, key: SigningKey) -> dict:  # type: ignore[type-arg]
    """The same head re-signed by ``key``, shipped with that key: self-consistent, but not the log's."""
    forged = copy.deepcopy(doc)
    head = TreeHead.from_dict({k: v for k, v in doc["head"].items() if k != "signature"})
    head = TreeHead(head.tree_size, head.root_hash, head.prev_head_hash, head.timestamp, key.key_id)
    forged["head"] = {**head.to_dict(), "signature": b64encode(key.sign(head.canonical_bytes()))}
    forged["public_key"] = {"algorithm": "Ed25519", "key_id": key.key_id, "raw_base64": key.public_key.raw_base64}
    return forged


async def test_an_appeal_bundle_verifies_offline_and_tampered_copies_fail(api: EvidenceStack, tmp_path: Path) -> None:
    shop = new_shop()
    entries = [await append(api, shop, description=f"证据 {i}") for i in range(3)]
    cited = [entries[0]["index"], entries[2]["index"]]
    async with api.http(agent(shop)) as http:
        body = {"review_feedback_id": "fb_77", "reason": "extortion", "evidence_indexes": cited}
        created = await http.post(
            f"/v1/shops/{shop}/appeals",
            json={**body, "reviewer_account_id": "buyer-77"},
            headers={"Idempotency-Key": "a1"},
        )
        assert created.status_code == 201, created.text
        appeal = created.json()
        assert (appeal["state"], appeal["evidence_indexes"]) == ("draft", cited)
        bundle_response = await http.get(f"/v1/shops/{shop}/appeals/{appeal['id']}/bundle")
        keys = (await http.get("/v1/log/keys")).json()["items"]
    assert bundle_response.status_code == 200 and bundle_response.headers["content-type"] == "application/json"
    log_key = next(k["key_id"] for k in keys if k["current"])
    doc = bundle_response.json()

    edited = copy.deepcopy(doc)
    edited["entries"][1]["entry"]["description"] = "证据 1 (edited)"
    proof_changed = copy.deepcopy(doc)
    first_hash = proof_changed["entries"][0]["inclusion_proof"]["hashes"][0]
    proof_changed["entries"][0]["inclusion_proof"]["hashes"][0] = ("0" if first_hash[0] != "0" else "1") + first_hash[
        1:
    ]
    removed = copy.deepcopy(doc)
    del removed["entries"][0]
    forged = _resigned(doc, SigningKey.generate())
    files = {}
    for name, content in {
        "good": bundle_response.content,
        "edited": json.dumps(edited, ensure_ascii=False).encode(),
        "proof": json.dumps(proof_changed).encode(),
        "removed": json.dumps(removed).encode(),
        "forged": json.dumps(forged).encode(),
    }.items():
        files[name] = tmp_path / f"{name}.json"
        files[name].write_bytes(content)

    # One process per copy, as a user would run it (each ~1 CPU-second: `kintsugi` loads every command).
    good, trusted, edit, proof, gone, forged_cli = await asyncio.gather(
        _verify_bundle(files["good"]),
        _verify_bundle(files["good"], env={"KINTSUGI_EVIDENCE_TRUSTED_KEY_IDS": f"abcdef0123456789,{log_key}"}),
        _verify_bundle(files["edited"], "--trusted-key-id", log_key),
        _verify_bundle(files["proof"], "--trusted-key-id", log_key),
        _verify_bundle(files["removed"], "--trusted-key-id", log_key),
        _verify_bundle(files["forged"], "--trusted-key-id", "abcdef0123456789", "--trusted-key-id", log_key),
    )
    assert good[0] == 0 and good[1].startswith("VALID") and "NOTE: only self-consistency" in good[1], good
    assert trusted[0] == 0 and "NOTE" not in trusted[1] and f"key {log_key} is one of the trusted" in trusted[1]
    i0, i2 = cited
    assert edit[0] == 1 and f"leaf_hash_mismatch: entry {i2}: the entry's canonical bytes hash to" in edit[1], edit
    assert proof[0] == 1 and f"root_mismatch: entry {i0}: the inclusion proof leads to root" in proof[1], proof
    assert gone[0] == 1 and f"missing_entry: the appeal cites evidence index {i0}" in gone[1], gone
    assert forged_cli[0] == 1, forged_cli
    assert "untrusted_key: the bundle's public key" in forged_cli[1] and "is not a trusted log key" in forged_cli[1]
    # Without a trusted key id the forgery is self-consistent: exactly what the NOTE of a valid run warns about.
    from services.evidence.domain.bundle import verify_bundle

    assert verify_bundle(forged).ok and not verify_bundle(forged, trusted_key_ids=[log_key]).ok


async def test_appeal_lifecycle_and_the_registry_through_the_gateway(api: EvidenceStack) -> None:
    shop, other = new_shop(), new_shop()
    entry = await append(api, shop)
    async with api.http(agent(shop)) as http:
        appeal = (
            await http.post(
                f"/v1/shops/{shop}/appeals",
                json={
                    "review_feedback_id": "fb_5",
                    "reason": "competitor_attack",
                    "evidence_indexes": [entry["index"]],
                    "reviewer_account_id": "rival-account-5",
                },
            )
        ).json()
        base = f"/v1/shops/{shop}/appeals/{appeal['id']}"
        assert (await http.post(f"{base}/accept")).status_code == 403
        early = await http.post(f"{base}/submit")
        assert early.status_code == 200 and early.json()["state"] == "submitted"
        again = await http.post(f"{base}/submit")
        assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
        assert (await http.get("/v1/malicious-actors")).status_code == 403
        assert [a["id"] for a in (await http.get(f"/v1/shops/{shop}/appeals")).json()["items"]] == [appeal["id"]]
    async with api.http(MODERATOR) as http:
        accepted = await http.post(f"{base}/accept", json={"note": "竞争对手恶意差评"})
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
        assert (await http.post(f"{base}/reject")).status_code == 409
        registry = await http.get("/v1/malicious-actors", params={"page_size": 200})
        assert registry.status_code == 200
        assert "rival-account-5" not in registry.text
        assert all(len(a["account_hash"]) == 64 for a in registry.json()["items"])
        assert any(a["reasons"] == ["competitor_attack"] for a in registry.json()["items"])
    async with api.http(agent(other)) as http:
        status = (await http.get(f"/v1/shops/{other}/malicious-actors/rival-account-5")).json()
        assert status["listed"] and status["reasons"] == ["competitor_attack"] and "shop" not in json.dumps(status)
        assert not (await http.get(f"/v1/shops/{other}/malicious-actors/someone-else")).json()["listed"]


async def test_another_shops_entries_appeals_and_bundles_are_404(api: EvidenceStack) -> None:
    shop, other = new_shop(), new_shop()
    entry = await append(api, shop)
    async with api.http(agent(shop)) as http:
        appeal = (
            await http.post(
                f"/v1/shops/{shop}/appeals",
                json={
                    "review_feedback_id": "fb_x",
                    "reason": "no_purchase",
                    "evidence_indexes": [entry["index"]],
                    "reviewer_account_id": "buyer-x",
                },
            )
        ).json()
    paths = [
        f"/v1/shops/{shop}/evidence/{entry['index']}",
        f"/v1/shops/{shop}/appeals/{appeal['id']}",
        f"/v1/shops/{shop}/appeals/{appeal['id']}/bundle",
        f"/v1/shops/{shop}/evidence",
    ]
    async with api.http(agent(other)) as http:
        for path in paths:  # a shop not in the token
            assert (await http.get(path)).status_code == 404, path
        own = f"/v1/shops/{other}"
        for path in (
            f"{own}/evidence/{entry['index']}",
            f"{own}/appeals/{appeal['id']}",
            f"{own}/appeals/{appeal['id']}/bundle",
        ):
            response = await http.get(path)  # the other shop asking under its own id
            assert response.status_code == 404 and response.headers["content-type"] == PROBLEM, path
        assert (await http.get(f"{own}/evidence")).json()["items"] == []
        cite = await http.post(
            f"{own}/appeals",
            json={
                "review_feedback_id": "fb_y",
                "reason": "off_topic",
                "evidence_indexes": [entry["index"]],
                "reviewer_account_id": "buyer-y",
            },
        )
        assert cite.status_code == 422 and cite.json()["errors"][0]["field"] == "evidence_indexes"


def test_verify_bundle_loads_no_database_or_network_code(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from services.evidence.domain.bundle import Appeal, build_bundle, bundle_bytes
    from services.evidence.domain.chain import chain_entries
    from services.evidence.domain.entry import EvidenceEntry
    from services.evidence.domain.merkle import InMemoryTree

    at = datetime(2026, 11, 23, tzinfo=UTC)
    records = chain_entries(
        EvidenceEntry(i, "shop-1", "case-1", "chat_log", "a" * 64, "text/plain", "", at, at, "agent-1")
        for i in range(5)
    )
    tree = InMemoryTree()
    tree.append(r.leaf for r in records)
    key = SigningKey.generate()
    head = key.sign_head(5, tree.root(), at)
    doc = build_bundle(
        Appeal("apl-1", "shop-1", "fb-1", "extortion", (1, 3)),
        records,
        {i: tree.inclusion_proof(i, 5) for i in (1, 3)},
        head,
        key.public_key,
    )
    path = tmp_path / "bundle.json"
    path.write_bytes(bundle_bytes(doc))
    script = (
        "import sys, argparse\n"
        "from services.evidence import cli\n"
        "parser = argparse.ArgumentParser(); sub = parser.add_subparsers(); cli.register(sub)\n"
        f"args = parser.parse_args(['verify-bundle', {str(path)!r}])\n"
        "code = args.func(args)\n"
        "print(code, [m for m in ('asyncpg', 'sqlalchemy', 'grpc', 'httpx', 'libs.db') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout + out.stderr
