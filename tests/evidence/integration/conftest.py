from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.evidence.stack import EvidenceStack


@pytest_asyncio.fixture(scope="session")
async def evidence(pg_admin_url: str, tmp_path_factory) -> AsyncIterator[EvidenceStack]:  # type: ignore[no-untyped-def]
    """One evidence replica on a database of its own, shared by the tests that do not count indexes."""
    stack = EvidenceStack(pg_admin_url, tmp_path_factory.mktemp("evidence-keys"))
    await stack.start()
    try:
        yield stack
    finally:
        await stack.stop()
