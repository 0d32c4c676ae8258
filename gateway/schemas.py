"""REST request and response bodies exactly as API.md names them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

ShortText = Annotated[str, Field(max_length=128)]


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _rfc3339_text(value: object) -> object:
    """Times arrive as RFC 3339 strings; a bare number (or a numeric string) is not a time here."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date-time string with an offset")
    return value


# An RFC 3339 time with its UTC offset (a naive or numeric time is refused).
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text)]


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_minor: StrictInt = Field(ge=0, le=10**13)
    currency: Literal["CNY"]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: ShortText = ""
    tier: Literal["new", "regular", "vip"] = "regular"


class MediaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["image", "video", "audio", "document"]
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    uri: str = Field(default="", max_length=2048)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal[
        "review", "review_followup", "in_app", "chat", "hotline", "weibo", "douyin", "complaint_platform", "logistics"
    ]
    external_id: str = Field(min_length=1, max_length=128)
    text: str = Field(default="", max_length=5000)
    rating: StrictInt | None = Field(default=None, ge=1, le=5)
    order_id: ShortText = ""
    customer: CustomerIn | None = None
    sku: ShortText = ""
    product_line: ShortText = ""
    supplier_id: ShortText = ""
    batch_id: ShortText = ""
    region: ShortText = ""
    order_value: Money | None = None
    media: list[MediaIn] = Field(default_factory=list, max_length=9)
    occurred_at: Timestamp | None = None


class FeedbackBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Items are validated one by one (each rejected item is named), so they arrive untyped here.
    items: list[dict] = Field(min_length=1, max_length=1000)  # type: ignore[type-arg]


class SubmitOut(BaseModel):
    id: str
    status: str


class FieldErrorOut(BaseModel):
    field: str
    message: str


class BatchResultOut(BaseModel):
    index: int
    id: str | None = None
    status: str | None = None
    error: dict | None = None  # type: ignore[type-arg]


class BatchOut(BaseModel):
    results: list[BatchResultOut]


class AnalysisOut(BaseModel):
    sentiment: float
    intensity: float
    category: str
    risk_terms: list[str]
    language: str


class FeedbackOut(BaseModel):
    id: str
    shop_id: str
    channel: str
    external_id: str
    text: str
    rating: int | None
    order_id: str
    customer: CustomerIn
    sku: str
    product_line: str
    supplier_id: str
    batch_id: str
    region: str
    order_value: Money | None
    media: list[MediaIn]
    occurred_at: datetime | None
    received_at: datetime | None
    revision: int
    previous_rating: int | None = None
    analysis: AnalysisOut | None = None
    case_id: str | None = None


class Page(BaseModel):
    next_page_token: str | None


class HistoryEntry(BaseModel):
    feedback: FeedbackOut
    case_id: str | None = None


class HistoryOut(Page):
    items: list[HistoryEntry]


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] | None = None


class SlaOut(BaseModel):
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_at: datetime | None
    breached: bool


class TimelineOut(BaseModel):
    at: datetime | None
    actor: str
    action: str
    from_state: str
    to_state: str
    note: str


class TaskOut(BaseModel):
    id: str
    kind: str
    due_at: datetime | None
    state: str
    text: str


class CaseOut(BaseModel):
    id: str
    shop_id: str
    feedback_ids: list[str]
    category: str
    sentiment: float
    intensity: float
    risk_terms: list[str]
    priority: Literal["P1", "P2", "P3"]
    priority_factors: list[str]
    state: str
    assignee: str | None
    escalation_level: int
    sla: SlaOut
    created_at: datetime | None
    customer_id: str
    order_id: str
    sku: str
    batch_id: str
    region: str
    product_line: str
    severity: str
    channel: str
    review_updated: bool
    satisfaction: int | None
    timeline: list[TimelineOut] | None = None
    tasks: list[TaskOut] | None = None


class CaseList(Page):
    items: list[CaseOut]


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: str = Field(min_length=1, max_length=128)


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Literal["new", "assigned", "contacted", "awaiting_customer", "resolved", "follow_up", "closed", "reopened"]
    note: str = Field(default="", max_length=2000)


class EscalateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000)


class SatisfactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: StrictInt = Field(ge=1, le=5)


class AlertOut(BaseModel):
    id: str
    kind: str
    severity: str
    case_id: str | None
    message: str
    details: dict  # type: ignore[type-arg]
    created_at: datetime | None


class AlertList(Page):
    items: list[AlertOut]


class IncidentOut(BaseModel):
    id: str
    scope: str
    value: str
    category: str
    state: str
    case_ids: list[str]
    opened_at: datetime | None


class IncidentList(Page):
    items: list[IncidentOut]


class HeatmapOut(BaseModel):
    rows: list[str]
    cols: list[str]
    cells: list[list[int]]


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200)
    level: Literal[1, 2, 3] = 1
    active: StrictBool = True


class AgentOut(BaseModel):
    id: str
    name: str
    level: int
    active: bool
    open_cases: int = 0


class AgentList(BaseModel):
    items: list[AgentOut]


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: str = Field(min_length=1, max_length=128)


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    starts_at: Timestamp
    ends_at: Timestamp


class TriageSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    calendar: dict = Field(default_factory=dict)  # type: ignore[type-arg]
    risk_overrides: dict = Field(default_factory=dict)  # type: ignore[type-arg]
    category_overrides: dict = Field(default_factory=dict)  # type: ignore[type-arg]
