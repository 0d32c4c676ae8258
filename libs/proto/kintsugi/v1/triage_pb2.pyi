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
    __slots__ = ("id", "shop_id", "feedback_ids", "category", "sentiment", "intensity", "risk_terms", "priority", "state", "assignee", "escalation_level", "sla", "created_at", "priority_factors", "timeline", "customer_id")
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
    def __init__(self, id: _Optional[str] = ..., shop_id: _Optional[str] = ..., feedback_ids: _Optional[_Iterable[str]] = ..., category: _Optional[str] = ..., sentiment: _Optional[float] = ..., intensity: _Optional[float] = ..., risk_terms: _Optional[_Iterable[str]] = ..., priority: _Optional[str] = ..., state: _Optional[str] = ..., assignee: _Optional[str] = ..., escalation_level: _Optional[int] = ..., sla: _Optional[_Union[Sla, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., priority_factors: _Optional[_Iterable[str]] = ..., timeline: _Optional[_Iterable[_Union[TimelineEntry, _Mapping]]] = ..., customer_id: _Optional[str] = ...) -> None: ...

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
