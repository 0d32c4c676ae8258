import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kintsugi.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AppendEvidenceRequest(_message.Message):
    __slots__ = ("scope", "case_id", "kind", "sha256", "content_type", "description", "captured_at", "idempotency_key", "recorder")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    RECORDER_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    case_id: str
    kind: str
    sha256: str
    content_type: str
    description: str
    captured_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    recorder: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., case_id: _Optional[str] = ..., kind: _Optional[str] = ..., sha256: _Optional[str] = ..., content_type: _Optional[str] = ..., description: _Optional[str] = ..., captured_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., recorder: _Optional[str] = ...) -> None: ...

class AppendEvidenceResponse(_message.Message):
    __slots__ = ("index", "leaf_hash", "entry_hash")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    LEAF_HASH_FIELD_NUMBER: _ClassVar[int]
    ENTRY_HASH_FIELD_NUMBER: _ClassVar[int]
    index: int
    leaf_hash: str
    entry_hash: str
    def __init__(self, index: _Optional[int] = ..., leaf_hash: _Optional[str] = ..., entry_hash: _Optional[str] = ...) -> None: ...

class SuspectedReview(_message.Message):
    __slots__ = ("shop_id", "feedback_id", "case_id", "reviewer_id", "score", "reasons", "text_sha256", "occurred_at")
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    TEXT_SHA256_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    shop_id: str
    feedback_id: str
    case_id: str
    reviewer_id: str
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    text_sha256: str
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, shop_id: _Optional[str] = ..., feedback_id: _Optional[str] = ..., case_id: _Optional[str] = ..., reviewer_id: _Optional[str] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ..., text_sha256: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetSignedHeadRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SignedTreeHead(_message.Message):
    __slots__ = ("tree_size", "root_hash", "prev_head_hash", "timestamp", "signature", "key_id")
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    PREV_HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    tree_size: int
    root_hash: str
    prev_head_hash: str
    timestamp: str
    signature: str
    key_id: str
    def __init__(self, tree_size: _Optional[int] = ..., root_hash: _Optional[str] = ..., prev_head_hash: _Optional[str] = ..., timestamp: _Optional[str] = ..., signature: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...
