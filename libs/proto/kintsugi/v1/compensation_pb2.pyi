import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kintsugi.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReceiveCasesRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[CaseHandoff]
    def __init__(self, items: _Optional[_Iterable[_Union[CaseHandoff, _Mapping]]] = ...) -> None: ...

class CaseReceipt(_message.Message):
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

class ReceiveCasesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[CaseReceipt]
    def __init__(self, results: _Optional[_Iterable[_Union[CaseReceipt, _Mapping]]] = ...) -> None: ...

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

class ProposeCompensationRequest(_message.Message):
    __slots__ = ("scope", "case_id", "level", "amount", "shipping_fee", "order_value", "note", "idempotency_key")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_FEE_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    case_id: str
    level: int
    amount: _common_pb2.Money
    shipping_fee: _common_pb2.Money
    order_value: _common_pb2.Money
    note: str
    idempotency_key: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., case_id: _Optional[str] = ..., level: _Optional[int] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., shipping_fee: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., order_value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., note: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class OfferEvent(_message.Message):
    __slots__ = ("at", "actor_id", "from_state", "to_state", "note")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    actor_id: str
    from_state: str
    to_state: str
    note: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor_id: _Optional[str] = ..., from_state: _Optional[str] = ..., to_state: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Offer(_message.Message):
    __slots__ = ("id", "shop_id", "case_id", "level", "kind", "amount", "order_value", "requires_approval", "approval_reasons", "state", "rule", "explanation", "policy_version", "follow_up_tasks", "flash", "flash_reason", "budget_period", "proposed_by", "proposed_at", "approved_by", "rejected_by", "rejection_reason", "payout_id", "reversed_by", "reversal_reason", "history", "note")
    ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_REASONS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UP_TASKS_FIELD_NUMBER: _ClassVar[int]
    FLASH_FIELD_NUMBER: _ClassVar[int]
    FLASH_REASON_FIELD_NUMBER: _ClassVar[int]
    BUDGET_PERIOD_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_BY_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_AT_FIELD_NUMBER: _ClassVar[int]
    APPROVED_BY_FIELD_NUMBER: _ClassVar[int]
    REJECTED_BY_FIELD_NUMBER: _ClassVar[int]
    REJECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    PAYOUT_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSED_BY_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    id: str
    shop_id: str
    case_id: str
    level: int
    kind: str
    amount: _common_pb2.Money
    order_value: _common_pb2.Money
    requires_approval: bool
    approval_reasons: _containers.RepeatedScalarFieldContainer[str]
    state: str
    rule: str
    explanation: str
    policy_version: str
    follow_up_tasks: _containers.RepeatedScalarFieldContainer[str]
    flash: bool
    flash_reason: str
    budget_period: str
    proposed_by: str
    proposed_at: _timestamp_pb2.Timestamp
    approved_by: str
    rejected_by: str
    rejection_reason: str
    payout_id: str
    reversed_by: str
    reversal_reason: str
    history: _containers.RepeatedCompositeFieldContainer[OfferEvent]
    note: str
    def __init__(self, id: _Optional[str] = ..., shop_id: _Optional[str] = ..., case_id: _Optional[str] = ..., level: _Optional[int] = ..., kind: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., order_value: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., requires_approval: _Optional[bool] = ..., approval_reasons: _Optional[_Iterable[str]] = ..., state: _Optional[str] = ..., rule: _Optional[str] = ..., explanation: _Optional[str] = ..., policy_version: _Optional[str] = ..., follow_up_tasks: _Optional[_Iterable[str]] = ..., flash: _Optional[bool] = ..., flash_reason: _Optional[str] = ..., budget_period: _Optional[str] = ..., proposed_by: _Optional[str] = ..., proposed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., approved_by: _Optional[str] = ..., rejected_by: _Optional[str] = ..., rejection_reason: _Optional[str] = ..., payout_id: _Optional[str] = ..., reversed_by: _Optional[str] = ..., reversal_reason: _Optional[str] = ..., history: _Optional[_Iterable[_Union[OfferEvent, _Mapping]]] = ..., note: _Optional[str] = ...) -> None: ...

class GetOfferRequest(_message.Message):
    __slots__ = ("scope", "offer_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    offer_id: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., offer_id: _Optional[str] = ...) -> None: ...

class ListOffersRequest(_message.Message):
    __slots__ = ("scope", "page", "case_id", "state")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    page: _common_pb2.PageRequest
    case_id: str
    state: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., case_id: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class ListOffersResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Offer]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[Offer, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ApproveRequest(_message.Message):
    __slots__ = ("scope", "offer_id", "note")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    offer_id: str
    note: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., offer_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RejectRequest(_message.Message):
    __slots__ = ("scope", "offer_id", "reason")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    offer_id: str
    reason: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., offer_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PayRequest(_message.Message):
    __slots__ = ("scope", "offer_id", "idempotency_key")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    offer_id: str
    idempotency_key: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., offer_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ReversePayoutRequest(_message.Message):
    __slots__ = ("scope", "offer_id", "reason")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    offer_id: str
    reason: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., offer_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Payout(_message.Message):
    __slots__ = ("id", "shop_id", "offer_id", "case_id", "amount", "state", "idempotency_key", "provider", "provider_reference", "budget_period", "paid_by", "paid_at", "reversed_by", "reversal_reason", "reversed_at", "replayed")
    ID_FIELD_NUMBER: _ClassVar[int]
    SHOP_ID_FIELD_NUMBER: _ClassVar[int]
    OFFER_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_PERIOD_FIELD_NUMBER: _ClassVar[int]
    PAID_BY_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    REVERSED_BY_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    REVERSED_AT_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    id: str
    shop_id: str
    offer_id: str
    case_id: str
    amount: _common_pb2.Money
    state: str
    idempotency_key: str
    provider: str
    provider_reference: str
    budget_period: str
    paid_by: str
    paid_at: _timestamp_pb2.Timestamp
    reversed_by: str
    reversal_reason: str
    reversed_at: _timestamp_pb2.Timestamp
    replayed: bool
    def __init__(self, id: _Optional[str] = ..., shop_id: _Optional[str] = ..., offer_id: _Optional[str] = ..., case_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., state: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., provider: _Optional[str] = ..., provider_reference: _Optional[str] = ..., budget_period: _Optional[str] = ..., paid_by: _Optional[str] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reversed_by: _Optional[str] = ..., reversal_reason: _Optional[str] = ..., reversed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class SetBudgetCapRequest(_message.Message):
    __slots__ = ("scope", "cap")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CAP_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    cap: _common_pb2.Money
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., cap: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class GetPolicyRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ...) -> None: ...

class SetPolicyRequest(_message.Message):
    __slots__ = ("scope", "policy_json")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    POLICY_JSON_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    policy_json: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., policy_json: _Optional[str] = ...) -> None: ...

class Policy(_message.Message):
    __slots__ = ("policy_json", "version", "revision", "updated_by", "updated_at")
    POLICY_JSON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    policy_json: str
    version: str
    revision: int
    updated_by: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, policy_json: _Optional[str] = ..., version: _Optional[str] = ..., revision: _Optional[int] = ..., updated_by: _Optional[str] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReconcileRequest(_message.Message):
    __slots__ = ("scope", "period")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    period: str
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., period: _Optional[str] = ...) -> None: ...

class ReconcileMismatch(_message.Message):
    __slots__ = ("kind", "period", "subject", "ledger_minor", "recorded_minor", "detail")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LEDGER_MINOR_FIELD_NUMBER: _ClassVar[int]
    RECORDED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    period: str
    subject: str
    ledger_minor: int
    recorded_minor: int
    detail: str
    def __init__(self, kind: _Optional[str] = ..., period: _Optional[str] = ..., subject: _Optional[str] = ..., ledger_minor: _Optional[int] = ..., recorded_minor: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class PeriodTotals(_message.Message):
    __slots__ = ("period", "currency", "budget_cap_minor", "budget_spent_minor", "budget_reserved_minor", "ledger_cap_minor", "ledger_paid_out_minor", "ledger_reserved_minor", "payouts_minor", "transactions", "postings")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUDGET_CAP_MINOR_FIELD_NUMBER: _ClassVar[int]
    BUDGET_SPENT_MINOR_FIELD_NUMBER: _ClassVar[int]
    BUDGET_RESERVED_MINOR_FIELD_NUMBER: _ClassVar[int]
    LEDGER_CAP_MINOR_FIELD_NUMBER: _ClassVar[int]
    LEDGER_PAID_OUT_MINOR_FIELD_NUMBER: _ClassVar[int]
    LEDGER_RESERVED_MINOR_FIELD_NUMBER: _ClassVar[int]
    PAYOUTS_MINOR_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    POSTINGS_FIELD_NUMBER: _ClassVar[int]
    period: str
    currency: str
    budget_cap_minor: int
    budget_spent_minor: int
    budget_reserved_minor: int
    ledger_cap_minor: int
    ledger_paid_out_minor: int
    ledger_reserved_minor: int
    payouts_minor: int
    transactions: int
    postings: int
    def __init__(self, period: _Optional[str] = ..., currency: _Optional[str] = ..., budget_cap_minor: _Optional[int] = ..., budget_spent_minor: _Optional[int] = ..., budget_reserved_minor: _Optional[int] = ..., ledger_cap_minor: _Optional[int] = ..., ledger_paid_out_minor: _Optional[int] = ..., ledger_reserved_minor: _Optional[int] = ..., payouts_minor: _Optional[int] = ..., transactions: _Optional[int] = ..., postings: _Optional[int] = ...) -> None: ...

class ReconcileReport(_message.Message):
    __slots__ = ("ok", "mismatches", "totals", "checked_at")
    OK_FIELD_NUMBER: _ClassVar[int]
    MISMATCHES_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    mismatches: _containers.RepeatedCompositeFieldContainer[ReconcileMismatch]
    totals: _containers.RepeatedCompositeFieldContainer[PeriodTotals]
    checked_at: _timestamp_pb2.Timestamp
    def __init__(self, ok: _Optional[bool] = ..., mismatches: _Optional[_Iterable[_Union[ReconcileMismatch, _Mapping]]] = ..., totals: _Optional[_Iterable[_Union[PeriodTotals, _Mapping]]] = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportPayoutInstructionsRequest(_message.Message):
    __slots__ = ("scope", "period", "format", "page")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    scope: _common_pb2.ShopScope
    period: str
    format: str
    page: _common_pb2.PageRequest
    def __init__(self, scope: _Optional[_Union[_common_pb2.ShopScope, _Mapping]] = ..., period: _Optional[str] = ..., format: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class PayoutExport(_message.Message):
    __slots__ = ("content_type", "data", "count", "page")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    data: bytes
    count: int
    page: _common_pb2.PageInfo
    def __init__(self, content_type: _Optional[str] = ..., data: _Optional[bytes] = ..., count: _Optional[int] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...
