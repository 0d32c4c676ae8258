from kintsugi.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

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
