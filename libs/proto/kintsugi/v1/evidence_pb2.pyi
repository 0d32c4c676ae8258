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

class AppendEvidenceBatchRequest(_message.Message):
    __slots__ = ("scope", "items")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    items: _containers.RepeatedCompositeFieldContainer[AppendEvidenceRequest]
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., items: _Optional[_Iterable[_Union[AppendEvidenceRequest, _Mapping]]] = ...) -> None: ...

class AppendEvidenceBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[AppendEvidenceResponse]
    def __init__(self, results: _Optional[_Iterable[_Union[AppendEvidenceResponse, _Mapping]]] = ...) -> None: ...

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

class ListTreeHeadsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListTreeHeadsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[SignedTreeHead]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[SignedTreeHead, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ListLogKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogKey(_message.Message):
    __slots__ = ("key_id", "algorithm", "raw_base64", "pem", "current", "first_used_at")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    RAW_BASE64_FIELD_NUMBER: _ClassVar[int]
    PEM_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    FIRST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    algorithm: str
    raw_base64: str
    pem: str
    current: bool
    first_used_at: _timestamp_pb2.Timestamp
    def __init__(self, key_id: _Optional[str] = ..., algorithm: _Optional[str] = ..., raw_base64: _Optional[str] = ..., pem: _Optional[str] = ..., current: _Optional[bool] = ..., first_used_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListLogKeysResponse(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[LogKey]
    def __init__(self, items: _Optional[_Iterable[_Union[LogKey, _Mapping]]] = ...) -> None: ...

class GetInclusionProofRequest(_message.Message):
    __slots__ = ("leaf_index", "tree_size")
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    leaf_index: int
    tree_size: int
    def __init__(self, leaf_index: _Optional[int] = ..., tree_size: _Optional[int] = ...) -> None: ...

class InclusionProof(_message.Message):
    __slots__ = ("leaf_index", "tree_size", "hashes")
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    leaf_index: int
    tree_size: int
    hashes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, leaf_index: _Optional[int] = ..., tree_size: _Optional[int] = ..., hashes: _Optional[_Iterable[str]] = ...) -> None: ...

class GetConsistencyProofRequest(_message.Message):
    __slots__ = ("first_size", "second_size")
    FIRST_SIZE_FIELD_NUMBER: _ClassVar[int]
    SECOND_SIZE_FIELD_NUMBER: _ClassVar[int]
    first_size: int
    second_size: int
    def __init__(self, first_size: _Optional[int] = ..., second_size: _Optional[int] = ...) -> None: ...

class ConsistencyProof(_message.Message):
    __slots__ = ("first_size", "second_size", "hashes")
    FIRST_SIZE_FIELD_NUMBER: _ClassVar[int]
    SECOND_SIZE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    first_size: int
    second_size: int
    hashes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, first_size: _Optional[int] = ..., second_size: _Optional[int] = ..., hashes: _Optional[_Iterable[str]] = ...) -> None: ...

class GetEvidenceRequest(_message.Message):
    __slots__ = ("scope", "index")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    index: int
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., index: _Optional[int] = ...) -> None: ...

class EvidenceRecord(_message.Message):
    __slots__ = ("index", "shop_id", "case_id", "kind", "sha256", "content_type", "description", "captured_at", "recorded_at", "recorder", "leaf_hash", "prev_entry_hash", "entry_hash")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDER_FIELD_NUMBER: _ClassVar[int]
    LEAF_HASH_FIELD_NUMBER: _ClassVar[int]
    PREV_ENTRY_HASH_FIELD_NUMBER: _ClassVar[int]
    ENTRY_HASH_FIELD_NUMBER: _ClassVar[int]
    index: int
    shop_id: str
    case_id: str
    kind: str
    sha256: str
    content_type: str
    description: str
    captured_at: _timestamp_pb2.Timestamp
    recorded_at: _timestamp_pb2.Timestamp
    recorder: str
    leaf_hash: str
    prev_entry_hash: str
    entry_hash: str
    def __init__(self, index: _Optional[int] = ..., shop_id: _Optional[str] = ..., case_id: _Optional[str] = ..., kind: _Optional[str] = ..., sha256: _Optional[str] = ..., content_type: _Optional[str] = ..., description: _Optional[str] = ..., captured_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorder: _Optional[str] = ..., leaf_hash: _Optional[str] = ..., prev_entry_hash: _Optional[str] = ..., entry_hash: _Optional[str] = ...) -> None: ...

class ListEvidenceRequest(_message.Message):
    __slots__ = ("scope", "page", "case_id", "kind")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    case_id: str
    kind: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., case_id: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class ListEvidenceResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[EvidenceRecord]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[EvidenceRecord, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class Appeal(_message.Message):
    __slots__ = ("id", "shop_id", "review_feedback_id", "reason", "evidence_indexes", "state", "reviewer_account_id", "created_by", "created_at", "submitted_at", "decided_at", "decided_by", "decision_note")
    ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_INDEXES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECISION_NOTE_FIELD_NUMBER: _ClassVar[int]
    id: str
    shop_id: str
    review_feedback_id: str
    reason: str
    evidence_indexes: _containers.RepeatedScalarFieldContainer[int]
    state: str
    reviewer_account_id: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    submitted_at: _timestamp_pb2.Timestamp
    decided_at: _timestamp_pb2.Timestamp
    decided_by: str
    decision_note: str
    def __init__(self, id: _Optional[str] = ..., shop_id: _Optional[str] = ..., review_feedback_id: _Optional[str] = ..., reason: _Optional[str] = ..., evidence_indexes: _Optional[_Iterable[int]] = ..., state: _Optional[str] = ..., reviewer_account_id: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_by: _Optional[str] = ..., decision_note: _Optional[str] = ...) -> None: ...

class CreateAppealRequest(_message.Message):
    __slots__ = ("scope", "review_feedback_id", "reason", "evidence_indexes", "reviewer_account_id", "idempotency_key")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_INDEXES_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    review_feedback_id: str
    reason: str
    evidence_indexes: _containers.RepeatedScalarFieldContainer[int]
    reviewer_account_id: str
    idempotency_key: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., review_feedback_id: _Optional[str] = ..., reason: _Optional[str] = ..., evidence_indexes: _Optional[_Iterable[int]] = ..., reviewer_account_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetAppealRequest(_message.Message):
    __slots__ = ("scope", "appeal_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    appeal_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., appeal_id: _Optional[str] = ...) -> None: ...

class ListAppealsRequest(_message.Message):
    __slots__ = ("scope", "page", "state")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    state: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., state: _Optional[str] = ...) -> None: ...

class ListAppealsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Appeal]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[Appeal, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class AppealActionRequest(_message.Message):
    __slots__ = ("scope", "appeal_id", "note")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    appeal_id: str
    note: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., appeal_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ExportAppealBundleRequest(_message.Message):
    __slots__ = ("scope", "appeal_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    appeal_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., appeal_id: _Optional[str] = ...) -> None: ...

class AppealBundle(_message.Message):
    __slots__ = ("bundle_json",)
    BUNDLE_JSON_FIELD_NUMBER: _ClassVar[int]
    bundle_json: bytes
    def __init__(self, bundle_json: _Optional[bytes] = ...) -> None: ...

class ListMaliciousActorsRequest(_message.Message):
    __slots__ = ("scope", "page")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class MaliciousActor(_message.Message):
    __slots__ = ("account_hash", "reasons", "listings", "shops", "first_listed_at", "last_listed_at")
    ACCOUNT_HASH_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LISTINGS_FIELD_NUMBER: _ClassVar[int]
    SHOPS_FIELD_NUMBER: _ClassVar[int]
    FIRST_LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    account_hash: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    listings: int
    shops: int
    first_listed_at: _timestamp_pb2.Timestamp
    last_listed_at: _timestamp_pb2.Timestamp
    def __init__(self, account_hash: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ..., listings: _Optional[int] = ..., shops: _Optional[int] = ..., first_listed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_listed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListMaliciousActorsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[MaliciousActor]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[MaliciousActor, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class CheckMaliciousActorRequest(_message.Message):
    __slots__ = ("scope", "account_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    account_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., account_id: _Optional[str] = ...) -> None: ...

class MaliciousActorStatus(_message.Message):
    __slots__ = ("listed", "reasons", "listings", "first_listed_at", "last_listed_at")
    LISTED_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LISTINGS_FIELD_NUMBER: _ClassVar[int]
    FIRST_LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    listed: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    listings: int
    first_listed_at: _timestamp_pb2.Timestamp
    last_listed_at: _timestamp_pb2.Timestamp
    def __init__(self, listed: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ..., listings: _Optional[int] = ..., first_listed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_listed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
