import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kintsugi.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Attribution(_message.Message):
    __slots__ = ("shop_id", "case_id", "sku", "batch_id", "supplier_id", "product_line", "category", "severity", "safety", "risk_kinds", "occurred_at", "order_id", "region")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_LINE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SAFETY_FIELD_NUMBER: _ClassVar[int]
    RISK_KINDS_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    case_id: str
    sku: str
    batch_id: str
    supplier_id: str
    product_line: str
    category: str
    severity: str
    safety: bool
    risk_kinds: _containers.RepeatedScalarFieldContainer[str]
    occurred_at: _timestamp_pb2.Timestamp
    order_id: str
    region: str
    def __init__(self, shop_id: _Optional[str] = ..., case_id: _Optional[str] = ..., sku: _Optional[str] = ..., batch_id: _Optional[str] = ..., supplier_id: _Optional[str] = ..., product_line: _Optional[str] = ..., category: _Optional[str] = ..., severity: _Optional[str] = ..., safety: _Optional[bool] = ..., risk_kinds: _Optional[_Iterable[str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., order_id: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class RecordAttributionsRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Attribution]
    def __init__(self, items: _Optional[_Iterable[_Union[Attribution, _Mapping]]] = ...) -> None: ...

class AttributionResult(_message.Message):
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

class RecordAttributionsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[AttributionResult]
    def __init__(self, results: _Optional[_Iterable[_Union[AttributionResult, _Mapping]]] = ...) -> None: ...

class ScorecardRequest(_message.Message):
    __slots__ = ("scope", "supplier_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    supplier_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., supplier_id: _Optional[str] = ...) -> None: ...

class CategoryCount(_message.Message):
    __slots__ = ("category", "complaints", "rate_per_1000_orders")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_1000_ORDERS_FIELD_NUMBER: _ClassVar[int]
    category: str
    complaints: int
    rate_per_1000_orders: float
    def __init__(self, category: _Optional[str] = ..., complaints: _Optional[int] = ..., rate_per_1000_orders: _Optional[float] = ...) -> None: ...

class SupplierScorecard(_message.Message):
    __slots__ = ("supplier_id", "categories", "grade", "open_inspections", "supplier_name", "as_of", "grade_reason", "replace_recommended", "inspections_passed", "inspections_failed", "periods")
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    OPEN_INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_NAME_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    GRADE_REASON_FIELD_NUMBER: _ClassVar[int]
    REPLACE_RECOMMENDED_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_PASSED_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_FAILED_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    supplier_id: str
    categories: _containers.RepeatedCompositeFieldContainer[CategoryCount]
    grade: str
    open_inspections: int
    supplier_name: str
    as_of: _timestamp_pb2.Timestamp
    grade_reason: str
    replace_recommended: bool
    inspections_passed: int
    inspections_failed: int
    periods: _containers.RepeatedCompositeFieldContainer[ScorecardPeriod]
    def __init__(self, supplier_id: _Optional[str] = ..., categories: _Optional[_Iterable[_Union[CategoryCount, _Mapping]]] = ..., grade: _Optional[str] = ..., open_inspections: _Optional[int] = ..., supplier_name: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., grade_reason: _Optional[str] = ..., replace_recommended: _Optional[bool] = ..., inspections_passed: _Optional[int] = ..., inspections_failed: _Optional[int] = ..., periods: _Optional[_Iterable[_Union[ScorecardPeriod, _Mapping]]] = ...) -> None: ...

class ScorecardPeriod(_message.Message):
    __slots__ = ("days", "first_day", "last_day", "orders", "complaints", "rate_per_1000_orders", "previous_orders", "previous_complaints", "previous_rate_per_1000_orders", "change", "trend", "categories")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    FIRST_DAY_FIELD_NUMBER: _ClassVar[int]
    LAST_DAY_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_1000_ORDERS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ORDERS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_RATE_PER_1000_ORDERS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    days: int
    first_day: str
    last_day: str
    orders: int
    complaints: int
    rate_per_1000_orders: float
    previous_orders: int
    previous_complaints: int
    previous_rate_per_1000_orders: float
    change: int
    trend: str
    categories: _containers.RepeatedCompositeFieldContainer[ScorecardCategory]
    def __init__(self, days: _Optional[int] = ..., first_day: _Optional[str] = ..., last_day: _Optional[str] = ..., orders: _Optional[int] = ..., complaints: _Optional[int] = ..., rate_per_1000_orders: _Optional[float] = ..., previous_orders: _Optional[int] = ..., previous_complaints: _Optional[int] = ..., previous_rate_per_1000_orders: _Optional[float] = ..., change: _Optional[int] = ..., trend: _Optional[str] = ..., categories: _Optional[_Iterable[_Union[ScorecardCategory, _Mapping]]] = ...) -> None: ...

class ScorecardCategory(_message.Message):
    __slots__ = ("category", "complaints", "rate_per_1000_orders", "previous_complaints", "previous_rate_per_1000_orders", "change", "trend")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_1000_ORDERS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_RATE_PER_1000_ORDERS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    category: str
    complaints: int
    rate_per_1000_orders: float
    previous_complaints: int
    previous_rate_per_1000_orders: float
    change: int
    trend: str
    def __init__(self, category: _Optional[str] = ..., complaints: _Optional[int] = ..., rate_per_1000_orders: _Optional[float] = ..., previous_complaints: _Optional[int] = ..., previous_rate_per_1000_orders: _Optional[float] = ..., change: _Optional[int] = ..., trend: _Optional[str] = ...) -> None: ...

class Supplier(_message.Message):
    __slots__ = ("supplier_id", "name", "contact", "updated_at")
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    supplier_id: str
    name: str
    contact: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, supplier_id: _Optional[str] = ..., name: _Optional[str] = ..., contact: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpsertSupplierRequest(_message.Message):
    __slots__ = ("scope", "supplier")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    supplier: Supplier
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., supplier: _Optional[_Union[Supplier, _Mapping]] = ...) -> None: ...

class GetSupplierRequest(_message.Message):
    __slots__ = ("scope", "supplier_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    supplier_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., supplier_id: _Optional[str] = ...) -> None: ...

class ListSuppliersRequest(_message.Message):
    __slots__ = ("scope", "page")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSuppliersResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Supplier]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[Supplier, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class SkuMapping(_message.Message):
    __slots__ = ("sku", "supplier_id", "product_line")
    SKU_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_LINE_FIELD_NUMBER: _ClassVar[int]
    sku: str
    supplier_id: str
    product_line: str
    def __init__(self, sku: _Optional[str] = ..., supplier_id: _Optional[str] = ..., product_line: _Optional[str] = ...) -> None: ...

class UpsertSkuMappingRequest(_message.Message):
    __slots__ = ("scope", "mapping")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    MAPPING_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    mapping: SkuMapping
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., mapping: _Optional[_Union[SkuMapping, _Mapping]] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("batch_id", "sku", "supplier_id", "produced_at")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCED_AT_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    sku: str
    supplier_id: str
    produced_at: _timestamp_pb2.Timestamp
    def __init__(self, batch_id: _Optional[str] = ..., sku: _Optional[str] = ..., supplier_id: _Optional[str] = ..., produced_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpsertBatchRequest(_message.Message):
    __slots__ = ("scope", "batch")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    batch: Batch
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., batch: _Optional[_Union[Batch, _Mapping]] = ...) -> None: ...

class OrderVolume(_message.Message):
    __slots__ = ("sku", "date", "orders")
    SKU_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    sku: str
    date: str
    orders: int
    def __init__(self, sku: _Optional[str] = ..., date: _Optional[str] = ..., orders: _Optional[int] = ...) -> None: ...

class SetOrderVolumesRequest(_message.Message):
    __slots__ = ("scope", "volumes")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    VOLUMES_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    volumes: _containers.RepeatedCompositeFieldContainer[OrderVolume]
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., volumes: _Optional[_Iterable[_Union[OrderVolume, _Mapping]]] = ...) -> None: ...

class SetOrderVolumesResponse(_message.Message):
    __slots__ = ("stored",)
    STORED_FIELD_NUMBER: _ClassVar[int]
    stored: int
    def __init__(self, stored: _Optional[int] = ...) -> None: ...

class ImportCsvChunk(_message.Message):
    __slots__ = ("scope", "kind", "text")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    kind: str
    text: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., kind: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class ImportCsvResponse(_message.Message):
    __slots__ = ("kind", "imported")
    KIND_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    imported: int
    def __init__(self, kind: _Optional[str] = ..., imported: _Optional[int] = ...) -> None: ...

class GetRulesRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ...) -> None: ...

class UpdateRulesRequest(_message.Message):
    __slots__ = ("scope", "overrides_json")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_JSON_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    overrides_json: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., overrides_json: _Optional[str] = ...) -> None: ...

class AuditRules(_message.Message):
    __slots__ = ("effective_json", "overrides_json", "updated_at")
    EFFECTIVE_JSON_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_JSON_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    effective_json: str
    overrides_json: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, effective_json: _Optional[str] = ..., overrides_json: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("id", "description", "severity", "recorded_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    description: str
    severity: str
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., description: _Optional[str] = ..., severity: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CorrectiveAction(_message.Message):
    __slots__ = ("id", "kind", "description", "owner", "due_at", "created_at", "completed_at", "cancelled_at", "overdue_alerted_at", "status")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ALERTED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    description: str
    owner: str
    due_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    cancelled_at: _timestamp_pb2.Timestamp
    overdue_alerted_at: _timestamp_pb2.Timestamp
    status: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ..., owner: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overdue_alerted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ...) -> None: ...

class StatusChange(_message.Message):
    __slots__ = ("from_status", "to_status", "at", "note", "actor")
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    from_status: str
    to_status: str
    at: _timestamp_pb2.Timestamp
    note: str
    actor: str
    def __init__(self, from_status: _Optional[str] = ..., to_status: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class Inspection(_message.Message):
    __slots__ = ("id", "supplier_id", "category", "status", "opened_at", "case_ids", "reason", "findings", "actions", "history", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    CASE_IDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    supplier_id: str
    category: str
    status: str
    opened_at: _timestamp_pb2.Timestamp
    case_ids: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    actions: _containers.RepeatedCompositeFieldContainer[CorrectiveAction]
    history: _containers.RepeatedCompositeFieldContainer[StatusChange]
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., supplier_id: _Optional[str] = ..., category: _Optional[str] = ..., status: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., case_ids: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[CorrectiveAction, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[StatusChange, _Mapping]]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListInspectionsRequest(_message.Message):
    __slots__ = ("scope", "page", "status", "supplier_id", "category")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    status: str
    supplier_id: str
    category: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., status: _Optional[str] = ..., supplier_id: _Optional[str] = ..., category: _Optional[str] = ...) -> None: ...

class ListInspectionsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Inspection]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[Inspection, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetInspectionRequest(_message.Message):
    __slots__ = ("scope", "id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., id: _Optional[str] = ...) -> None: ...

class NewFinding(_message.Message):
    __slots__ = ("description", "severity")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    description: str
    severity: str
    def __init__(self, description: _Optional[str] = ..., severity: _Optional[str] = ...) -> None: ...

class NewAction(_message.Message):
    __slots__ = ("kind", "description", "owner", "due_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    description: str
    owner: str
    due_at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[str] = ..., description: _Optional[str] = ..., owner: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpdateInspectionRequest(_message.Message):
    __slots__ = ("scope", "id", "add_findings", "add_actions", "complete_actions", "cancel_actions", "status", "note")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    ADD_FINDINGS_FIELD_NUMBER: _ClassVar[int]
    ADD_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    CANCEL_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    id: str
    add_findings: _containers.RepeatedCompositeFieldContainer[NewFinding]
    add_actions: _containers.RepeatedCompositeFieldContainer[NewAction]
    complete_actions: _containers.RepeatedScalarFieldContainer[str]
    cancel_actions: _containers.RepeatedScalarFieldContainer[str]
    status: str
    note: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., id: _Optional[str] = ..., add_findings: _Optional[_Iterable[_Union[NewFinding, _Mapping]]] = ..., add_actions: _Optional[_Iterable[_Union[NewAction, _Mapping]]] = ..., complete_actions: _Optional[_Iterable[str]] = ..., cancel_actions: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Recall(_message.Message):
    __slots__ = ("id", "batch_id", "sku", "supplier_id", "trigger", "affected_orders", "case_ids", "created_at", "reason", "status", "resolved_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    AFFECTED_ORDERS_FIELD_NUMBER: _ClassVar[int]
    CASE_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    batch_id: str
    sku: str
    supplier_id: str
    trigger: str
    affected_orders: int
    case_ids: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    reason: str
    status: str
    resolved_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., batch_id: _Optional[str] = ..., sku: _Optional[str] = ..., supplier_id: _Optional[str] = ..., trigger: _Optional[str] = ..., affected_orders: _Optional[int] = ..., case_ids: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., status: _Optional[str] = ..., resolved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRecallsRequest(_message.Message):
    __slots__ = ("scope", "page", "status", "batch_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    status: str
    batch_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., status: _Optional[str] = ..., batch_id: _Optional[str] = ...) -> None: ...

class ListRecallsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Recall]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[Recall, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class UpdateRecallRequest(_message.Message):
    __slots__ = ("scope", "id", "status")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    id: str
    status: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class AuditAlert(_message.Message):
    __slots__ = ("id", "kind", "severity", "inspection_id", "action_id", "supplier_id", "message", "details_json", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    severity: str
    inspection_id: str
    action_id: str
    supplier_id: str
    message: str
    details_json: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., severity: _Optional[str] = ..., inspection_id: _Optional[str] = ..., action_id: _Optional[str] = ..., supplier_id: _Optional[str] = ..., message: _Optional[str] = ..., details_json: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuditAlertsRequest(_message.Message):
    __slots__ = ("scope", "page")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAuditAlertsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[AuditAlert]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[AuditAlert, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ImprovementReportRequest(_message.Message):
    __slots__ = ("scope", "week", "format")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    WEEK_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    week: str
    format: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., week: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class ImprovementReportResponse(_message.Message):
    __slots__ = ("week", "report_json", "markdown")
    WEEK_FIELD_NUMBER: _ClassVar[int]
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    week: str
    report_json: str
    markdown: str
    def __init__(self, week: _Optional[str] = ..., report_json: _Optional[str] = ..., markdown: _Optional[str] = ...) -> None: ...
