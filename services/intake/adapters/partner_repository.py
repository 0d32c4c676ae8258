"""Partner persistence: credentials (a token digest, never the token) and the shops each partner serves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.adapters.tables import partner_shops, partners
from services.intake.domain.partner import Partner


def _partner(row: Any, shops: list[str]) -> Partner:
    return Partner(id=row.id, name=row.name, shops=frozenset(shops), created_at=row.created_at)


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *, partner: Partner, digest: bytes) -> bool:
        """Stores a new partner and its shops; False when the name is taken."""
        inserted = (
            await self.session.execute(
                postgresql.insert(partners)
                .values(id=partner.id, name=partner.name, token_sha256=digest, created_at=partner.created_at)
                .on_conflict_do_nothing(constraint="uq_partners_name")
                .returning(partners.c.id)
            )
        ).first()
        if inserted is None:
            return False
        await self.session.execute(
            partner_shops.insert(), [{"partner_id": partner.id, "shop_id": s} for s in sorted(partner.shops)]
        )
        return True

    async def credentials(self, *, partner_id: str) -> tuple[Partner, bytes] | None:
        """The partner and its stored token digest."""
        row = (await self.session.execute(sa.select(partners).where(partners.c.id == partner_id))).first()
        if row is None:
            return None
        shops = (
            await self.session.scalars(sa.select(partner_shops.c.shop_id).where(partner_shops.c.partner_id == row.id))
        ).all()
        return _partner(row, list(shops)), bytes(row.token_sha256)

    async def list(self) -> list[Partner]:
        """Every partner by name, with its shops."""
        rows = (
            await self.session.execute(
                sa.select(partners.c.id, partners.c.name, partners.c.created_at).order_by(partners.c.name)
            )
        ).all()
        links = (await self.session.execute(sa.select(partner_shops))).all()
        shops: dict[str, list[str]] = {}
        for link in links:
            shops.setdefault(link.partner_id, []).append(link.shop_id)
        return [_partner(r, shops.get(r.id, [])) for r in rows]
