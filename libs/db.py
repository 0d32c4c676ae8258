"""Async engine, session factory and the unit of work every use case runs in."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def asyncpg_url(url: str) -> str:
    """Accepts postgres://, postgresql:// (as CloudNativePG writes it) or postgresql+asyncpg://."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('://')[0]}://…")


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An asyncpg-backed engine with a bounded pool."""
    return create_async_engine(
        asyncpg_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs three round trips per checkout. A connection found dead raises, SQLAlchemy
        # drops the pool, the service answers UNAVAILABLE and idempotent callers retry.
        pool_recycle=1800,
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """One transaction: leaving the block without commit() rolls back, so every commit is explicit."""

    session: AsyncSession

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._after_commit: list = []

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self._after_commit = []
        self.bind_repositories()
        return self

    def bind_repositories(self) -> None:
        """Subclasses create their repositories on self.session here."""

    def after_commit(self, callback) -> None:  # type: ignore[no-untyped-def]
        """Run callback() once the transaction has committed (e.g. wake the outbox relay)."""
        self._after_commit.append(callback)

    async def commit(self) -> None:
        await self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    async def rollback(self) -> None:
        await self.session.rollback()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()
