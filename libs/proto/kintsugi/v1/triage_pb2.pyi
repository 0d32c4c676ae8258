import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kintsugi.v1 import common_pb2 as _common_pb2
from kintsugi.v1 import intake_pb2 as _intake_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TriageFeedbackRequest(_message.Message):
    __slots__ = ("feedback",)
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    feedback: _intake_pb2.FeedbackItem
    def __init__(self, feedback: _Optional[_Union[_intake_pb2.FeedbackItem, _Mapping]] = ...) -> None: ...

class TriageFeedbackResponse(_message.Message):
    __slots__ = ("case_id", "duplicate")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    duplicate: bool
    def __init__(self, case_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class TriageFeedbackBatchRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[TriageFeedbackRequest]
    def __init__(self, items: _Optional[_Iterable[_Union[TriageFeedbackRequest, _Mapping]]] = ...) -> None: ...

class TriageFeedbackResult(_message.Message):
    __slots__ = ("case_id", "duplicate", "error_code", "error")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    duplicate: bool
    error_code: str
    error: str
    def __init__(self, case_id: _Optional[str] = ..., duplicate: _Optional[bool] = ..., error_code: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class TriageFeedbackBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[TriageFeedbackResult]
    def __init__(self, results: _Optional[_Iterable[_Union[TriageFeedbackResult, _Mapping]]] = ...) -> None: ...

class Analysis(_message.Message):
    __slots__ = ("sentiment", "intensity", "category", "risk_terms", "language")
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RISK_TERMS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    sentiment: float
    intensity: float
    category: str
    risk_terms: _containers.RepeatedScalarFieldContainer[str]
    language: str
    def __init__(self, sentiment: _Optional[float] = ..., intensity: _Optional[float] = ..., category: _Optional[str] = ..., risk_terms: _Optional[_Iterable[str]] = ..., language: _Optional[str] = ...) -> None: ...

class FeedbackOutcome(_message.Message):
    __slots__ = ("feedback_id", "analysis", "case_id")
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    feedback_id: str
    analysis: Analysis
    case_id: str
    def __init__(self, feedback_id: _Optional[str] = ..., analysis: _Optional[_Union[Analysis, _Mapping]] = ..., case_id: _Optional[str] = ...) -> None: ...

class GetAnalysesRequest(_message.Message):
    __slots__ = ("scope", "feedback_ids")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_IDS_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    feedback_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., feedback_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetAnalysesResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[FeedbackOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[FeedbackOutcome, _Mapping]]] = ...) -> None: ...

class Sla(_message.Message):
    __slots__ = ("first_response_due", "resolution_due", "first_response_at", "breached")
    FIRST_RESPONSE_DUE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_DUE_FIELD_NUMBER: _ClassVar[int]
    FIRST_RESPONSE_AT_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    first_response_due: _timestamp_pb2.Timestamp
    resolution_due: _timestamp_pb2.Timestamp
    first_response_at: _timestamp_pb2.Timestamp
    breached: bool
    def __init__(self, first_response_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_response_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., breached: _Optional[bool] = ...) -> None: ...

class TimelineEntry(_message.Message):
    __slots__ = ("at", "actor", "action", "from_state", "to_state", "note")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    actor: str
    action: str
    from_state: str
    to_state: str
    note: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("id", "shop_id", "feedback_ids", "category", "sentiment", "intensity", "risk_terms", "priority", "state", "assignee", "escalation_level", "sla", "created_at", "priority_factors", "timeline", "customer_id", "order_id", "sku", "batch_id", "region", "product_line", "severity", "review_updated", "satisfaction", "channel", "tasks")
    ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_IDS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    INTENSITY_FIELD_NUMBER: _ClassVar[int]
    RISK_TERMS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    SLA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FACTORS_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_LINE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    REVIEW_UPDATED_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    id: str
    shop_id: str
    feedback_ids: _containers.RepeatedScalarFieldContainer[str]
    category: str
    sentiment: float
    intensity: float
    risk_terms: _containers.RepeatedScalarFieldContainer[str]
    priority: str
    state: str
    assignee: str
    escalation_level: int
    sla: Sla
    created_at: _timestamp_pb2.Timestamp
    priority_factors: _containers.RepeatedScalarFieldContainer[str]
    timeline: _containers.RepeatedCompositeFieldContainer[TimelineEntry]
    customer_id: str
    order_id: str
    sku: str
    batch_id: str
    region: str
    product_line: str
    severity: str
    review_updated: bool
    satisfaction: int
    channel: str
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    def __init__(self, id: _Optional[str] = ..., shop_id: _Optional[str] = ..., feedback_ids: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., sentiment: _Optional[float] = ..., intensity: _Optional[float] = ..., risk_terms: _Optional[_Iterable[str]] = ..., priority: _Optional[str] = ..., state: _Optional[str] = ..., assignee: _Optional[str] = ..., escalation_level: _Optional[int] = ..., sla: _Optional[_Union[Sla, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., priority_factors: _Optional[_Iterable[str]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., customer_id: _Optional[str] = ..., order_id: _Optional[str] = ..., sku: _Optional[str] = ..., batch_id: _Optional[str] = ..., region: _Optional[str] = ..., product_line: _Optional[str] = ..., severity: _Optional[str] = ..., review_updated: _Optional[bool] = ..., satisfaction: _Optional[int] = ..., channel: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("id", "kind", "due_at", "state", "text")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    due_at: _timestamp_pb2.Timestamp
    state: str
    text: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("scope", "id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., id: _Optional[str] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ("scope", "page", "state", "priority", "category", "assignee", "breached_only", "customer_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    BREACHED_ONLY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    state: str
    priority: str
    category: str
    assignee: str
    breached_only: bool
    customer_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., state: _Optional[str] = ..., priority: _Optional[str] = ..., category: _Optional[str] = ..., assignee: _Optional[str] = ..., breached_only: _Optional[bool] = ..., customer_id: _Optional[str] = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Case]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class AssignRequest(_message.Message):
    __slots__ = ("scope", "case_id", "agent_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    case_id: str
    agent_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., case_id: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class TransitionRequest(_message.Message):
    __slots__ = ("scope", "case_id", "to", "note")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    case_id: str
    to: str
    note: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., case_id: _Optional[str] = ..., to: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class EscalateRequest(_message.Message):
    __slots__ = ("scope", "case_id", "reason")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    case_id: str
    reason: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AddNoteRequest(_message.Message):
    __slots__ = ("scope", "case_id", "note")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    case_id: str
    note: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., case_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RecordSatisfactionRequest(_message.Message):
    __slots__ = ("scope", "case_id", "score")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    case_id: str
    score: int
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., case_id: _Optional[str] = ..., score: _Optional[int] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("id", "kind", "severity", "case_id", "message", "details_json", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    severity: str
    case_id: str
    message: str
    details_json: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., severity: _Optional[str] = ..., case_id: _Optional[str] = ..., message: _Optional[str] = ..., details_json: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAlertsRequest(_message.Message):
    __slots__ = ("scope", "page", "kind")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    kind: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., kind: _Optional[str] = ...) -> None: ...

class ListAlertsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Alert]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class Incident(_message.Message):
    __slots__ = ("id", "scope", "value", "category", "state", "case_ids", "opened_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CASE_IDS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    scope: str
    value: str
    category: str
    state: str
    case_ids: _containers.RepeatedScalarFieldContainer[str]
    opened_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., scope: _Optional[str] = ..., value: _Optional[str] = ..., category: _Optional[str] = ..., state: _Optional[str] = ..., case_ids: _Optional[_Iterable[str]] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListIncidentsRequest(_message.Message):
    __slots__ = ("scope", "page")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListIncidentsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Incident]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[Incident, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class HeatmapRequest(_message.Message):
    __slots__ = ("scope", "rows", "cols", "to")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    COLS_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    rows: str
    cols: str
    to: _timestamp_pb2.Timestamp
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., rows: _Optional[str] = ..., cols: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class HeatmapRow(_message.Message):
    __slots__ = ("cells",)
    CELLS_FIELD_NUMBER: _ClassVar[int]
    cells: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, cells: _Optional[_Iterable[int]] = ...) -> None: ...

class HeatmapResponse(_message.Message):
    __slots__ = ("rows", "cols", "cells")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    COLS_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedScalarFieldContainer[str]
    cols: _containers.RepeatedScalarFieldContainer[str]
    cells: _containers.RepeatedCompositeFieldContainer[HeatmapRow]
    def __init__(self, rows: _Optional[_Iterable[str]] = ..., cols: _Optional[_Iterable[str]] = ..., cells: _Optional[_Iterable[_Union[HeatmapRow, _Mapping]]] = ...) -> None: ...

class Agent(_message.Message):
    __slots__ = ("id", "name", "level", "active", "open_cases")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    OPEN_CASES_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    level: int
    active: bool
    open_cases: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., level: _Optional[int] = ..., active: _Optional[bool] = ..., open_cases: _Optional[int] = ...) -> None: ...

class UpsertAgentRequest(_message.Message):
    __slots__ = ("scope", "agent")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    AGENT_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    agent: Agent
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., agent: _Optional[_Union[Agent, _Mapping]] = ...) -> None: ...

class ListAgentsRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ...) -> None: ...

class ListAgentsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Agent]
    def __init__(self, items: _Optional[_Iterable[_Union[Agent, _Mapping]]] = ...) -> None: ...

class ProductLineOwner(_message.Message):
    __slots__ = ("product_line", "agent_id")
    PRODUCT_LINE_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    product_line: str
    agent_id: str
    def __init__(self, product_line: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class SetProductLineOwnerRequest(_message.Message):
    __slots__ = ("scope", "owner")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    owner: ProductLineOwner
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., owner: _Optional[_Union[ProductLineOwner, _Mapping]] = ...) -> None: ...

class Shift(_message.Message):
    __slots__ = ("agent_id", "starts_at", "ends_at")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    def __init__(self, agent_id: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddShiftRequest(_message.Message):
    __slots__ = ("scope", "shift")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    shift: Shift
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., shift: _Optional[_Union[Shift, _Mapping]] = ...) -> None: ...

class ShopSettings(_message.Message):
    __slots__ = ("calendar_json", "risk_overrides_json", "category_overrides_json")
    CALENDAR_JSON_FIELD_NUMBER: _ClassVar[int]
    RISK_OVERRIDES_JSON_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_OVERRIDES_JSON_FIELD_NUMBER: _ClassVar[int]
    calendar_json: str
    risk_overrides_json: str
    category_overrides_json: str
    def __init__(self, calendar_json: _Optional[str] = ..., risk_overrides_json: _Optional[str] = ..., category_overrides_json: _Optional[str] = ...) -> None: ...

class GetShopSettingsRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ...) -> None: ...

class UpdateShopSettingsRequest(_message.Message):
    __slots__ = ("scope", "settings")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    settings: ShopSettings
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., settings: _Optional[_Union[ShopSettings, _Mapping]] = ...) -> None: ...

class TopTermsRequest(_message.Message):
    __slots__ = ("scope", "dimension", "days", "limit")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    dimension: str
    days: int
    limit: int
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., dimension: _Optional[str] = ..., days: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class TermCount(_message.Message):
    __slots__ = ("term", "count", "previous_count")
    TERM_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_COUNT_FIELD_NUMBER: _ClassVar[int]
    term: str
    count: int
    previous_count: int
    def __init__(self, term: _Optional[str] = ..., count: _Optional[int] = ..., previous_count: _Optional[int] = ...) -> None: ...

class TopTermsResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[TermCount]
    def __init__(self, items: _Optional[_Iterable[_Union[TermCount, _Mapping]]] = ...) -> None: ...
