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
    __slots__ = ("supplier_id", "categories", "grade", "open_inspections")
    SUPPLIER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    GRADE_FIELD_NUMBER: _ClassVar[int]
    OPEN_INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    supplier_id: str
    categories: _containers.RepeatedCompositeFieldContainer[CategoryCount]
    grade: str
    open_inspections: int
    def __init__(self, supplier_id: _Optional[str] = ..., categories: _Optional[_Iterable[_Union[CategoryCount, _Mapping]]] = ..., grade: _Optional[str] = ..., open_inspections: _Optional[int] = ...) -> None: ...
