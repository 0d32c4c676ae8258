import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kintsugi.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CaseHandoff(_message.Message):
    __slots__ = ("shop_id", "case_id", "category", "severity", "priority", "customer_id", "customer_tier", "order_id", "order_value", "media", "feedback_ids", "created_at", "risk_kinds")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TIER_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    RISK_KINDS_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    case_id: str
    category: str
    severity: str
    priority: str
    customer_id: str
    customer_tier: str
    order_id: str
    order_value: _common_pb2.Money
    media: _containers.RepeatedCompositeFieldContainer[_common_pb2.MediaRef]
    feedback_ids: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    risk_kinds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, shop_id: _Optional[str] = ..., case_id: _Optional[str] = ..., category: _Optional[str] = ..., severity: _Optional[str] = ..., priority: _Optional[str] = ..., customer_id: _Optional[str] = ..., customer_tier: _Optional[str] = ..., order_id: _Optional[str] = ..., order_value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., media: _Optional[_Iterable[_Union[_common_pb2.MediaRef, _Mapping]]] = ..., feedback_ids: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., risk_kinds: _Optional[_Iterable[str]] = ...) -> None: ...

class GetBudgetRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ...) -> None: ...

class Budget(_message.Message):
    __slots__ = ("period", "cap", "spent", "reserved", "remaining")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    SPENT_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    period: str
    cap: _common_pb2.Money
    spent: _common_pb2.Money
    reserved: _common_pb2.Money
    remaining: _common_pb2.Money
    def __init__(self, period: _Optional[str] = ..., cap: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., spent: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reserved: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., remaining: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...
