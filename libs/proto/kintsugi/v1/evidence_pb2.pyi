from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

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
