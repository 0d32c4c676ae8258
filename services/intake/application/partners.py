"""Partner use cases: add a partner (its token is returned once), list partners, authenticate a token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from libs.errors import AlreadyExists, Unauthenticated
from libs.ids import new_id
from libs.timeutil import utcnow
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.domain.partner import (
    Partner,
    new_token,
    partner_id_of,
    token_digest,
    token_matches,
    validate_new_partner,
)


class PartnerUseCases:
    def __init__(self, uow_factory: Callable[[], IntakeUnitOfWork], *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def add(self, *, name: str, shops: list[str]) -> tuple[Partner, str]:
        """Creates a partner serving these shops; returns it with its token, which is never stored or shown again."""
        name, shop_set = validate_new_partner(name, shops)
        partner = Partner(id=new_id("pt"), name=name, shops=shop_set, created_at=self._clock())
        token = new_token(partner.id)
        async with self._uow() as uow:
            if not await uow.partners.add(partner=partner, digest=token_digest(token)):
                raise AlreadyExists(f"a partner named {name!r} already exists")
            await uow.commit()
        return partner, token

    async def list(self) -> list[Partner]:
        """Every partner with its shops (never a token)."""
        async with self._uow() as uow:
            return await uow.partners.list()

    async def authenticate(self, token: str) -> Partner:
        """The partner a bearer token belongs to, or UNAUTHENTICATED."""
        found = None
        partner_id = partner_id_of(token)
        if partner_id:
            async with self._uow() as uow:
                found = await uow.partners.credentials(partner_id=partner_id)
        if not token_matches(token, found[1] if found else None) or found is None:
            raise Unauthenticated("a valid partner token is required")
        return found[0]
