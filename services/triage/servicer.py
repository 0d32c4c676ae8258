"""Triage's gRPC surface: translate, call one use case, translate back."""

from __future__ import annotations

from kintsugi.v1 import triage_pb2, triage_pb2_grpc

from libs.batching import parsed_then_together
from libs.errors import InvalidArgument
from libs.grpc_server import item_error
from libs.scope import SHOP_ID, shop_of
from libs.timeutil import from_ts
from services.triage.adapters.proto_mapping import (
    alert_to_proto,
    case_to_proto,
    incident_to_proto,
    incoming_from_proto,
    outcome_to_proto,
    settings_to_proto,
)
from services.triage.application.cases import CaseWork
from services.triage.application.insights import Insights, analyses_of
from services.triage.application.intake_flow import IncomingFeedback, TriageFeedback


def _incoming(feedback) -> IncomingFeedback:  # type: ignore[no-untyped-def]
    if not SHOP_ID.match(feedback.shop_id) or not feedback.id:
        raise InvalidArgument.on("feedback", "needs a shop id and an id")
    return incoming_from_proto(feedback)


def _failed(exc: Exception) -> triage_pb2.TriageFeedbackResult:
    """One item's refusal, as the status the single call would have answered."""
    code, why = item_error(exc)
    return triage_pb2.TriageFeedbackResult(error_code=code, error=why)


def _actor(scope) -> str:  # type: ignore[no-untyped-def]
    return scope.actor_id or "unknown"


class TriageServicer(triage_pb2_grpc.TriageServicer):
    def __init__(self, triage_feedback: TriageFeedback, cases: CaseWork, insights: Insights, uow_factory) -> None:  # type: ignore[no-untyped-def]
        self.triage_feedback = triage_feedback
        self.cases = cases
        self.insights = insights
        self.uow_factory = uow_factory

    async def TriageFeedback(self, request, context):  # noqa: N802
        outcome = await self.triage_feedback(_incoming(request.feedback))
        return triage_pb2.TriageFeedbackResponse(case_id=outcome.case_id, duplicate=outcome.duplicate)

    async def TriageFeedbackBatch(self, request, context):  # noqa: N802
        outcomes = await parsed_then_together(
            request.items, lambda entry: _incoming(entry.feedback), self.triage_feedback.many
        )
        return triage_pb2.TriageFeedbackBatchResponse(
            results=[
                _failed(outcome)
                if isinstance(outcome, Exception)
                else triage_pb2.TriageFeedbackResult(case_id=outcome.case_id, duplicate=outcome.duplicate)
                for outcome in outcomes
            ]
        )

    async def GetAnalyses(self, request, context):  # noqa: N802
        rows = await analyses_of(self.uow_factory, shop_of(request.scope), list(request.feedback_ids))
        return triage_pb2.GetAnalysesResponse(outcomes=[outcome_to_proto(r) for r in rows])

    async def GetCase(self, request, context):  # noqa: N802
        return case_to_proto(await self.cases.get(shop_id=shop_of(request.scope), case_id=request.id))

    async def ListCases(self, request, context):  # noqa: N802
        items, token = await self.cases.list(
            shop_id=shop_of(request.scope),
            size=request.page.page_size,
            token=request.page.page_token,
            state=request.state,
            priority=request.priority,
            category=request.category,
            assignee=request.assignee,
            breached_only=request.breached_only,
            customer_id=request.customer_id,
        )
        return triage_pb2.ListCasesResponse(items=[case_to_proto(c) for c in items], page={"next_page_token": token})

    async def Assign(self, request, context):  # noqa: N802
        case = await self.cases.assign(
            shop_id=shop_of(request.scope),
            case_id=request.case_id,
            agent_id=request.agent_id,
            actor=_actor(request.scope),
        )
        return case_to_proto(case)

    async def Transition(self, request, context):  # noqa: N802
        case = await self.cases.transition(
            shop_id=shop_of(request.scope),
            case_id=request.case_id,
            to=request.to,
            note=request.note,
            actor=_actor(request.scope),
        )
        return case_to_proto(case)

    async def Escalate(self, request, context):  # noqa: N802
        case = await self.cases.escalate(
            shop_id=shop_of(request.scope), case_id=request.case_id, reason=request.reason, actor=_actor(request.scope)
        )
        return case_to_proto(case)

    async def AddNote(self, request, context):  # noqa: N802
        case = await self.cases.add_note(
            shop_id=shop_of(request.scope), case_id=request.case_id, note=request.note, actor=_actor(request.scope)
        )
        return case_to_proto(case)

    async def RecordSatisfaction(self, request, context):  # noqa: N802
        case = await self.cases.record_satisfaction(
            shop_id=shop_of(request.scope), case_id=request.case_id, score=request.score, actor=_actor(request.scope)
        )
        return case_to_proto(case)

    async def ListAlerts(self, request, context):  # noqa: N802
        rows, token = await self.insights.alerts(
            shop_id=shop_of(request.scope),
            size=request.page.page_size,
            token=request.page.page_token,
            kind=request.kind,
        )
        return triage_pb2.ListAlertsResponse(items=[alert_to_proto(r) for r in rows], page={"next_page_token": token})

    async def ListIncidents(self, request, context):  # noqa: N802
        rows, token = await self.insights.incidents(
            shop_id=shop_of(request.scope), size=request.page.page_size, token=request.page.page_token
        )
        return triage_pb2.ListIncidentsResponse(
            items=[incident_to_proto(r) for r in rows], page={"next_page_token": token}
        )

    async def Heatmap(self, request, context):  # noqa: N802
        rows, cols, cells = await self.insights.heatmap(
            shop_id=shop_of(request.scope),
            rows=request.rows,
            cols=request.cols,
            since=from_ts(request.__getattribute__("from")) if request.HasField("from") else None,
            until=from_ts(request.to) if request.HasField("to") else None,
        )
        return triage_pb2.HeatmapResponse(rows=rows, cols=cols, cells=[triage_pb2.HeatmapRow(cells=r) for r in cells])

    async def TopTerms(self, request, context):  # noqa: N802
        rows = await self.insights.top_terms(
            shop_id=shop_of(request.scope), dimension=request.dimension, days=request.days, limit=request.limit
        )
        return triage_pb2.TopTermsResponse(
            items=[triage_pb2.TermCount(term=t, count=n, previous_count=p) for t, n, p in rows]
        )

    async def UpsertAgent(self, request, context):  # noqa: N802
        a = request.agent
        row = await self.insights.upsert_agent(
            shop_id=shop_of(request.scope), agent_id=a.id, name=a.name, level=a.level or 1, active=a.active
        )
        return triage_pb2.Agent(id=row.id, name=row.name, level=row.level, active=row.active)

    async def ListAgents(self, request, context):  # noqa: N802
        rows = await self.insights.agents(shop_id=shop_of(request.scope))
        return triage_pb2.ListAgentsResponse(
            items=[
                triage_pb2.Agent(id=r.id, name=r.name, level=r.level, active=r.active, open_cases=n) for r, n in rows
            ]
        )

    async def SetProductLineOwner(self, request, context):  # noqa: N802
        o = request.owner
        await self.insights.set_owner(shop_id=shop_of(request.scope), product_line=o.product_line, agent_id=o.agent_id)
        return o

    async def AddShift(self, request, context):  # noqa: N802
        s = request.shift
        await self.insights.add_shift(
            shop_id=shop_of(request.scope),
            agent_id=s.agent_id,
            starts_at=from_ts(s.starts_at),
            ends_at=from_ts(s.ends_at),
        )
        return s

    async def GetShopSettings(self, request, context):  # noqa: N802
        return settings_to_proto(await self.insights.settings(shop_id=shop_of(request.scope)))

    async def UpdateShopSettings(self, request, context):  # noqa: N802
        s = request.settings
        doc = await self.insights.update_settings(
            shop_id=shop_of(request.scope),
            calendar_json=s.calendar_json,
            risk_json=s.risk_overrides_json,
            category_json=s.category_overrides_json,
        )
        return settings_to_proto(doc)
