"""Compensation's gRPC surface: translate, call one use case, translate back."""

from __future__ import annotations

from kintsugi.v1 import common_pb2, compensation_pb2, compensation_pb2_grpc

from libs.batching import parsed_then_together
from libs.grpc_server import item_error
from libs.scope import shop_of
from services.compensation.adapters.proto_mapping import (
    budget_to_proto,
    case_from_proto,
    money_in,
    offer_to_proto,
    optional_money,
    payout_to_proto,
    policy_to_proto,
    report_to_proto,
)
from services.compensation.application.budgets import BudgetWork
from services.compensation.application.cases import ReceiveCase
from services.compensation.application.common import actor_of
from services.compensation.application.offers import OfferWork, ProposeCommand
from services.compensation.application.reports import Reports
from services.compensation.domain.offer import Actor


def _refused(case_id: str, exc: Exception) -> compensation_pb2.CaseReceipt:
    """One case's refusal, as the status the single call would have answered."""
    code, why = item_error(exc)
    return compensation_pb2.CaseReceipt(case_id=case_id, error_code=code, error=why)


def _actor(scope: common_pb2.ShopScope) -> Actor:
    return actor_of(scope.actor_id, scope.actor_roles)


class CompensationServicer(compensation_pb2_grpc.CompensationServicer):
    def __init__(self, receive_case: ReceiveCase, offers: OfferWork, budgets: BudgetWork, reports: Reports) -> None:
        self.receive_case = receive_case
        self.offers = offers
        self.budgets = budgets
        self.reports = reports

    async def ReceiveCase(self, request, context):  # noqa: N802
        outcome = await self.receive_case(case_from_proto(request))
        return common_pb2.Ack(duplicate=outcome.duplicate)

    async def ReceiveCases(self, request, context):  # noqa: N802
        outcomes = await parsed_then_together(request.items, case_from_proto, self.receive_case.many)
        return compensation_pb2.ReceiveCasesResponse(
            results=[
                _refused(item.case_id, outcome)
                if isinstance(outcome, Exception)
                else compensation_pb2.CaseReceipt(case_id=item.case_id, duplicate=outcome.duplicate)
                for item, outcome in zip(request.items, outcomes, strict=True)
            ]
        )

    async def GetBudget(self, request, context):  # noqa: N802
        return budget_to_proto(await self.budgets.budget(shop_id=shop_of(request.scope)))

    async def SetBudgetCap(self, request, context):  # noqa: N802
        shop_id = shop_of(request.scope)
        cap = money_in(request.cap, "cap")
        return budget_to_proto(await self.budgets.set_cap(shop_id=shop_id, actor=_actor(request.scope), cap=cap))

    async def ProposeCompensation(self, request, context):  # noqa: N802
        shop_id = shop_of(request.scope)
        command = ProposeCommand(
            shop_id=shop_id,
            case_id=request.case_id,
            actor=_actor(request.scope),
            level=request.level if request.HasField("level") else None,
            amount=optional_money(request, "amount"),
            shipping_fee=optional_money(request, "shipping_fee"),
            order_value=optional_money(request, "order_value"),
            note=request.note,
            idempotency_key=request.idempotency_key,
        )
        return offer_to_proto(await self.offers.propose(command))

    async def GetOffer(self, request, context):  # noqa: N802
        return offer_to_proto(await self.offers.get(shop_id=shop_of(request.scope), offer_id=request.offer_id))

    async def ListOffers(self, request, context):  # noqa: N802
        items, token = await self.offers.list(
            shop_id=shop_of(request.scope),
            size=request.page.page_size,
            token=request.page.page_token,
            case_id=request.case_id,
            state=request.state,
        )
        return compensation_pb2.ListOffersResponse(
            items=[offer_to_proto(o) for o in items], page=common_pb2.PageInfo(next_page_token=token)
        )

    async def Approve(self, request, context):  # noqa: N802
        shop_id = shop_of(request.scope)
        offer = await self.offers.approve(
            shop_id=shop_id, offer_id=request.offer_id, actor=_actor(request.scope), note=request.note
        )
        return offer_to_proto(offer)

    async def Reject(self, request, context):  # noqa: N802
        shop_id = shop_of(request.scope)
        offer = await self.offers.reject(
            shop_id=shop_id, offer_id=request.offer_id, actor=_actor(request.scope), reason=request.reason
        )
        return offer_to_proto(offer)

    async def Pay(self, request, context):  # noqa: N802
        shop_id = shop_of(request.scope)
        result = await self.offers.pay(
            shop_id=shop_id,
            offer_id=request.offer_id,
            actor=_actor(request.scope),
            idempotency_key=request.idempotency_key,
        )
        return payout_to_proto(result.payout, replayed=result.replayed)

    async def ReversePayout(self, request, context):  # noqa: N802
        shop_id = shop_of(request.scope)
        payout = await self.offers.reverse(
            shop_id=shop_id, offer_id=request.offer_id, actor=_actor(request.scope), reason=request.reason
        )
        return payout_to_proto(payout)

    async def GetPolicy(self, request, context):  # noqa: N802
        return policy_to_proto(await self.budgets.policy(shop_id=shop_of(request.scope)))

    async def SetPolicy(self, request, context):  # noqa: N802
        shop_id = shop_of(request.scope)
        stored = await self.budgets.set_policy(
            shop_id=shop_id, actor=_actor(request.scope), policy_json=request.policy_json
        )
        return policy_to_proto(stored)

    async def Reconcile(self, request, context):  # noqa: N802
        report = await self.reports.reconcile(shop_id=shop_of(request.scope), period=request.period)
        return report_to_proto(report)

    async def ExportPayoutInstructions(self, request, context):  # noqa: N802
        content_type, data, count, token = await self.reports.export_instructions(
            shop_id=shop_of(request.scope),
            period=request.period,
            fmt=request.format,
            size=request.page.page_size,
            token=request.page.page_token,
        )
        return compensation_pb2.PayoutExport(
            content_type=content_type, data=data, count=count, page=common_pb2.PageInfo(next_page_token=token)
        )
