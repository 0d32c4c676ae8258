"""`kintsugi partner add NAME --shops S1,S2` (prints the partner's token once) and `kintsugi partner list`.

Writes to intake's database: KINTSUGI_INTAKE_DATABASE_URL, or the embedded server under --data-dir
(the one a running `kintsugi up` uses, or started just for this command, as `kintsugi migrate` does).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the database stack is imported only when a partner command runs
    from services.intake.application.partners import PartnerUseCases
    from services.intake.domain.partner import Partner

T = TypeVar("T")


@asynccontextmanager
async def intake_database(data_dir: Path) -> AsyncIterator[str]:
    """Intake's database URL: from the environment, else the embedded server (migrated to head)."""
    from libs import migrations
    from libs.launcher import Database, database_url_env

    url = os.environ.get(database_url_env("intake"))
    if url:
        yield url
        return
    from libs.embedded_pg import EmbeddedPostgres
    from libs.provision import provision_services

    running = EmbeddedPostgres(data_dir).running_leftover()
    if running is not None and running.port:
        # `kintsugi up` is running on this data folder: use its server rather than restarting it.
        admin = f"postgresql://postgres@127.0.0.1:{running.port}/postgres"
        url = (await provision_services(admin, ["intake"]))["intake"]
        await migrations.upgrade("intake", url)
        yield url
        return
    async with Database(data_dir) as urls:
        await migrations.upgrade("intake", urls["intake"])
        yield urls["intake"]


async def with_partners(url: str, work: Callable[[PartnerUseCases], Awaitable[T]]) -> T:
    """Runs work with partner use cases on intake's database at url."""
    from libs.db import make_engine, make_session_factory
    from services.intake.application.partners import PartnerUseCases
    from services.intake.application.unit_of_work import IntakeUnitOfWork

    engine = make_engine(url, pool_size=1)
    try:
        factory = make_session_factory(engine)
        return await work(PartnerUseCases(lambda: IntakeUnitOfWork(factory)))
    finally:
        await engine.dispose()


async def add_partner(url: str, name: str, shops: list[str]) -> tuple[Partner, str]:
    """Creates a partner in intake's database; returns it with its token (shown once, never stored)."""
    return await with_partners(url, lambda uc: uc.add(name=name, shops=shops))


async def list_partners(url: str) -> list[Partner]:
    return await with_partners(url, lambda uc: uc.list())


def _add(args: argparse.Namespace) -> int:
    from libs.errors import DomainError

    shops = [s.strip() for s in args.shops.split(",") if s.strip()]

    async def run() -> tuple[Partner, str]:
        async with intake_database(args.data_dir) as url:
            return await add_partner(url, args.name, shops)

    try:
        partner, token = asyncio.run(run())
    except DomainError as exc:
        print(f"kintsugi partner add: {exc.message}", file=sys.stderr)
        return 2
    print(
        f"partner {partner.id} ({partner.name}) serves {', '.join(sorted(partner.shops))}.\n"
        "Its token follows; it is shown this once and cannot be recovered (add a new partner to replace it).",
        file=sys.stderr,
    )
    print(token)
    return 0


def _list(args: argparse.Namespace) -> int:
    async def run() -> list[Partner]:
        async with intake_database(args.data_dir) as url:
            return await list_partners(url)

    partners = asyncio.run(run())
    if not partners:
        print("no partners yet: kintsugi partner add NAME --shops S1,S2", file=sys.stderr)
    for p in partners:
        print(f"{p.id}\t{p.name}\t{','.join(sorted(p.shops))}\t{p.created_at.isoformat(timespec='seconds')}")
    return 0


def register(subparsers) -> None:  # type: ignore[no-untyped-def]
    """Adds `kintsugi partner add|list`."""
    parser = subparsers.add_parser("partner", help="logistics partners who report events on the partner port")
    commands = parser.add_subparsers(dest="partner_command", required=True)
    p = commands.add_parser("add", help="add a partner serving some shops; prints its bearer token once")
    p.add_argument("name", help="the partner's name, e.g. SF-Express")
    p.add_argument("--shops", required=True, help="comma-separated shop ids the partner reports for")
    p.set_defaults(func=_add)
    p = commands.add_parser("list", help="list partners and their shops (tokens are never shown)")
    p.set_defaults(func=_list)
