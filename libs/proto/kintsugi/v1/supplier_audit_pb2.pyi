from kintsugi.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
