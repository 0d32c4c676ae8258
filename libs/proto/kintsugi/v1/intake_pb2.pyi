import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kintsugi.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Customer(_message.Message):
    __slots__ = ("id", "tier")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    id: str
    tier: str
    def __init__(self, id: _Optional[str] = ..., tier: _Optional[str] = ...) -> None: ...

class Media(_message.Message):
    __slots__ = ("kind", "sha256", "uri")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    kind: str
    sha256: str
    uri: str
    def __init__(self, kind: _Optional[str] = ..., sha256: _Optional[str] = ..., uri: _Optional[str] = ...) -> None: ...

class FeedbackInput(_message.Message):
    __slots__ = ("channel", "external_id", "text", "rating", "order_id", "customer", "sku", "product_line", "supplier_id", "batch_id", "region", "order_value", "media", "occurred_at", "raw_json", "logistics_event")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_LINE_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    RAW_JSON_FIELD_NUMBER: _ClassVar[int]
    LOGISTICS_EVENT_FIELD_NUMBER: _ClassVar[int]
    channel: str
    external_id: str
    text: str
    rating: int
    order_id: str
    customer: Customer
    sku: str
    product_line: str
    supplier_id: str
    batch_id: str
    region: str
    order_value: _common_pb2.Money
    media: _containers.RepeatedCompositeFieldContainer[Media]
    occurred_at: _timestamp_pb2.Timestamp
    raw_json: str
    logistics_event: str
    def __init__(self, channel: _Optional[str] = ..., external_id: _Optional[str] = ..., text: _Optional[str] = ..., rating: _Optional[int] = ..., order_id: _Optional[str] = ..., customer: _Optional[_Union[Customer, _Mapping]] = ..., sku: _Optional[str] = ..., product_line: _Optional[str] = ..., supplier_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., region: _Optional[str] = ..., order_value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., media: _Optional[_Iterable[_Union[Media, _Mapping]]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., raw_json: _Optional[str] = ..., logistics_event: _Optional[str] = ...) -> None: ...

class SubmitFeedbackRequest(_message.Message):
    __slots__ = ("scope", "item", "idempotency_key", "request_hash")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_HASH_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    item: FeedbackInput
    idempotency_key: str
    request_hash: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., item: _Optional[_Union[FeedbackInput, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., request_hash: _Optional[str] = ...) -> None: ...

class SubmitFeedbackResponse(_message.Message):
    __slots__ = ("id", "status", "created", "revision")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: str
    created: bool
    revision: int
    def __init__(self, id: _Optional[str] = ..., status: _Optional[str] = ..., created: _Optional[bool] = ..., revision: _Optional[int] = ...) -> None: ...

class SubmitFeedbackBatchRequest(_message.Message):
    __slots__ = ("scope", "items")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    items: _containers.RepeatedCompositeFieldContainer[FeedbackInput]
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., items: _Optional[_Iterable[_Union[FeedbackInput, _Mapping]]] = ...) -> None: ...

class FieldError(_message.Message):
    __slots__ = ("field", "message")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    field: str
    message: str
    def __init__(self, field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ("index", "id", "status", "errors")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    index: int
    id: str
    status: str
    errors: _containers.RepeatedCompositeFieldContainer[FieldError]
    def __init__(self, index: _Optional[int] = ..., id: _Optional[str] = ..., status: _Optional[str] = ..., errors: _Optional[_Iterable[_Union[FieldError, _Mapping]]] = ...) -> None: ...

class SubmitFeedbackBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ...) -> None: ...

class GetFeedbackRequest(_message.Message):
    __slots__ = ("scope", "id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., id: _Optional[str] = ...) -> None: ...

class FeedbackItem(_message.Message):
    __slots__ = ("id", "shop_id", "input", "status", "revision", "received_at", "updated_at", "previous_rating")
    ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_RATING_FIELD_NUMBER: _ClassVar[int]
    id: str
    shop_id: str
    input: FeedbackInput
    status: str
    revision: int
    received_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    previous_rating: int
    def __init__(self, id: _Optional[str] = ..., shop_id: _Optional[str] = ..., input: _Optional[_Union[FeedbackInput, _Mapping]] = ..., status: _Optional[str] = ..., revision: _Optional[int] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_rating: _Optional[int] = ...) -> None: ...

class ListCustomerHistoryRequest(_message.Message):
    __slots__ = ("scope", "customer_id", "page")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    customer_id: str
    page: _common_pb2.PageRequest
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., customer_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListCustomerHistoryResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[FeedbackItem]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[FeedbackItem, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class LogisticsThresholds(_message.Message):
    __slots__ = ("overdue_after", "temperature_excursion_after", "humidity_excursion_after", "updated_at")
    OVERDUE_AFTER_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_EXCURSION_AFTER_FIELD_NUMBER: _ClassVar[int]
    HUMIDITY_EXCURSION_AFTER_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    overdue_after: _duration_pb2.Duration
    temperature_excursion_after: _duration_pb2.Duration
    humidity_excursion_after: _duration_pb2.Duration
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, overdue_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., temperature_excursion_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., humidity_excursion_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetLogisticsThresholdsRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ...) -> None: ...

class UpdateLogisticsThresholdsRequest(_message.Message):
    __slots__ = ("scope", "thresholds")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    thresholds: LogisticsThresholds
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., thresholds: _Optional[_Union[LogisticsThresholds, _Mapping]] = ...) -> None: ...

class Reading(_message.Message):
    __slots__ = ("value", "allowed_min", "allowed_max", "unit")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_MIN_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_MAX_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    value: float
    allowed_min: float
    allowed_max: float
    unit: str
    def __init__(self, value: _Optional[float] = ..., allowed_min: _Optional[float] = ..., allowed_max: _Optional[float] = ..., unit: _Optional[str] = ...) -> None: ...

class LogisticsEvent(_message.Message):
    __slots__ = ("event_id", "shop_id", "order_id", "tracking_no", "kind", "occurred_at", "region", "reading", "promised_at", "description")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NO_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    READING_FIELD_NUMBER: _ClassVar[int]
    PROMISED_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    shop_id: str
    order_id: str
    tracking_no: str
    kind: str
    occurred_at: _timestamp_pb2.Timestamp
    region: str
    reading: Reading
    promised_at: _timestamp_pb2.Timestamp
    description: str
    def __init__(self, event_id: _Optional[str] = ..., shop_id: _Optional[str] = ..., order_id: _Optional[str] = ..., tracking_no: _Optional[str] = ..., kind: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region: _Optional[str] = ..., reading: _Optional[_Union[Reading, _Mapping]] = ..., promised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class RejectedEvent(_message.Message):
    __slots__ = ("event_id", "reason", "index")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    reason: str
    index: int
    def __init__(self, event_id: _Optional[str] = ..., reason: _Optional[str] = ..., index: _Optional[int] = ...) -> None: ...

class ReportSummary(_message.Message):
    __slots__ = ("accepted", "duplicate", "rejected", "rejected_events", "rejected_events_omitted")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_EVENTS_OMITTED_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    duplicate: int
    rejected: int
    rejected_events: _containers.RepeatedCompositeFieldContainer[RejectedEvent]
    rejected_events_omitted: int
    def __init__(self, accepted: _Optional[int] = ..., duplicate: _Optional[int] = ..., rejected: _Optional[int] = ..., rejected_events: _Optional[_Iterable[_Union[RejectedEvent, _Mapping]]] = ..., rejected_events_omitted: _Optional[int] = ...) -> None: ...
