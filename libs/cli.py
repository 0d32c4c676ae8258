"""The `kintsugi` command: up, migrate, token (more subcommands arrive with their services)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from pathlib import Path

from libs.settings import GATEWAY_PORT, PARTNER_PORT, SERVICES

DEFAULT_DATA_DIR = Path(os.environ.get("KINTSUGI_DATA_DIR", ".kintsugi"))


def _up(args: argparse.Namespace) -> int:
    from libs.launcher import up

    return asyncio.run(up(gateway_port=args.gateway_port, partner_port=args.partner_port, data_dir=args.data_dir))


def _migrate(args: argparse.Namespace) -> int:
    from libs.launcher import Database, migrate_all

    async def run() -> None:
        services = (args.service,) if args.service else SERVICES
        async with Database(args.data_dir, services) as urls:
            await migrate_all(urls, only=args.service)

    asyncio.run(run())
    print(f"migrated: {args.service or ', '.join(SERVICES)}")
    return 0


def _token(args: argparse.Namespace) -> int:
    from gateway.auth import ROLES, issue_token
    from libs.launcher import dev_jwt_secret

    roles = [r.strip() for r in args.role.split(",") if r.strip()]
    unknown = set(roles) - ROLES
    if unknown:
        print(f"unknown role(s): {', '.join(sorted(unknown))}; choose from {', '.join(sorted(ROLES))}", file=sys.stderr)
        return 2
    secret = os.environ.get("KINTSUGI_JWT_SECRET") or dev_jwt_secret(args.data_dir)
    shops = [s.strip() for s in args.shop.split(",") if s.strip()]
    print(issue_token(secret=secret, subject=args.sub, shops=shops, roles=roles, ttl_seconds=args.ttl))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kintsugi", description="Kintsugi: mend a shop's reputation.")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where the embedded database and local secrets live (default .kintsugi)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("up", help="run every service and the gateway (embedded PostgreSQL if no URL is set)")
    p.add_argument("--gateway-port", type=int, default=GATEWAY_PORT)
    p.add_argument("--partner-port", type=int, default=PARTNER_PORT)
    p.set_defaults(func=_up)

    p = sub.add_parser("migrate", help="apply every service's migrations")
    p.add_argument("--service", choices=SERVICES)
    p.set_defaults(func=_migrate)

    p = sub.add_parser("token", help="print a bearer token the running system accepts")
    p.add_argument("--shop", required=True, help="shop id, comma-separated for several, * for platform staff")
    p.add_argument("--role", required=True, help="agent, supervisor, admin, moderator or auditor (comma-separated)")
    p.add_argument("--sub", default="local-user", help="the user id (JWT subject)")
    p.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    p.set_defaults(func=_token)

    # Each service may add its own commands (services/<name>/cli.py with register(subparsers)).
    for service in SERVICES:
        try:
            module = importlib.import_module(f"services.{service}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"services.{service}.cli":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
