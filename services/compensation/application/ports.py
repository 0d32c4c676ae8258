"""What the application needs from the outside world, as interfaces (the adapters implement them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.compensation.domain.money import Money


@dataclass(frozen=True)
class PayoutInstruction:
    """Money to move to (``pay``) or back from (``reverse``) a customer, for one payout."""

    instruction_id: str
    shop_id: str
    payout_id: str
    action: str  # pay | reverse
    offer_id: str
    case_id: str
    customer_id: str
    order_id: str
    kind: str  # the offer kind: coupon, shipping_refund, partial_refund, ...
    period: str
    amount: Money
    memo: str
    created_at: datetime


class InstructionLog(Protocol):
    def add(self, values: dict[str, Any]) -> None: ...


class RecordsInstructions(Protocol):
    """What a payout provider writes into: the unit of work, or the payment being recorded."""

    @property
    def instructions(self) -> InstructionLog: ...


class PayoutProvider(Protocol):
    """The platform's refund API as the application sees it.

    ``submit`` runs inside the use case's transaction and must not call out of the process: an adapter
    for a real refund API records the instruction (e.g. as an outbox message) and delivers it after the
    commit with ``instruction.payout_id`` as the API's idempotency key. Returns the provider's reference.
    """

    name: str

    async def submit(self, into: RecordsInstructions, instruction: PayoutInstruction) -> str: ...
