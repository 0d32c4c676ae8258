"""`kintsugi suppliers import FILE`: load a CSV file into the running supplier_audit service over gRPC.

It talks to the service (not its database) so a file is checked exactly as the API checks it:
accepted whole or refused whole with every problem named, and nothing written on refusal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from kintsugi.v1 import common_pb2, supplier_audit_pb2_grpc
from kintsugi.v1 import supplier_audit_pb2 as pb

from libs.grpc_client import make_channel
from libs.scope import SHOP_ID
from libs.settings import Endpoints

KINDS = ("suppliers", "skus", "batches", "volumes")
CHUNK = 1024 * 1024
TIMEOUT_SECONDS = 600.0

DESCRIPTION = """\
Load one CSV file into supplier audit. The file goes to the running supplier_audit service over
gRPC (target: --target, else KINTSUGI_SUPPLIER_AUDIT_TARGET, else 127.0.0.1:50064), which checks
it like the REST API does: the whole file is stored, or nothing is and every problem is listed.
Load suppliers first, then skus (the SKU map), then batches and volumes.

Columns (a header row, any order):
  suppliers  supplier_id, name, contact (optional)
  skus       sku, supplier_id, product_line
  batches    batch_id, sku, supplier_id, produced_at (RFC 3339, or YYYY-MM-DD in the shop's zone)
  volumes    sku, date (YYYY-MM-DD, shop-local), orders

Exit status: 0 stored, 1 refused (problems on stderr), 2 cannot reach the service or read the file.
"""


async def _send(target: str, shop: str, kind: str, text: str) -> pb.ImportCsvResponse:
    scope = common_pb2.ShopScope(shop_id=shop, actor_id="cli", actor_roles=["admin"])
    chunks = [pb.ImportCsvChunk(scope=scope, kind=kind, text=text[:CHUNK])]
    chunks += [pb.ImportCsvChunk(text=text[i : i + CHUNK]) for i in range(CHUNK, len(text), CHUNK)]
    channel = make_channel(target)
    try:
        stub = supplier_audit_pb2_grpc.SupplierAuditStub(channel)
        return await stub.ImportCsv(iter(chunks), timeout=TIMEOUT_SECONDS)
    finally:
        await channel.close()


def _field_errors(exc: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    """The BadRequest field violations the service attached to INVALID_ARGUMENT."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    errors: list[tuple[str, str]] = []
    for detail in status.details if status is not None else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            errors.extend((v.field, v.description) for v in bad.field_violations)
    return errors


def _import(args: argparse.Namespace) -> int:
    if not SHOP_ID.match(args.shop):
        print(f"--shop: {args.shop!r} is not a shop id", file=sys.stderr)
        return 2
    try:
        text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    target = args.target or Endpoints().supplier_audit_target
    try:
        reply = asyncio.run(_send(target, args.shop, args.kind, text))
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.INVALID_ARGUMENT:
            print(exc.details(), file=sys.stderr)
            for field, message in _field_errors(exc):
                print(f"  {field}: {message}", file=sys.stderr)
            return 1
        if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            print(f"supplier_audit at {target} is not reachable ({exc.code().name}); is it running?", file=sys.stderr)
            return 2
        print(f"{exc.code().name}: {exc.details()}", file=sys.stderr)
        return 1
    print(f"imported {reply.imported} {reply.kind} row(s) into shop {args.shop}")
    return 0


def register(subparsers) -> None:  # type: ignore[no-untyped-def]
    """Adds `kintsugi suppliers import FILE`."""
    parser = subparsers.add_parser(
        "suppliers", help="supplier audit master data (suppliers, SKU map, batches, volumes)"
    )
    commands = parser.add_subparsers(dest="suppliers_command", required=True)
    p = commands.add_parser(
        "import",
        help="load a CSV file through the running supplier_audit service (gRPC)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, help="the CSV file (UTF-8), or - for standard input")
    p.add_argument("--shop", required=True, help="the shop id")
    p.add_argument("--kind", choices=KINDS, default="suppliers", help="what the file holds (default suppliers)")
    p.add_argument(
        "--target", default="", help="host:port of supplier_audit (default from KINTSUGI_SUPPLIER_AUDIT_TARGET)"
    )
    p.set_defaults(func=_import)
