"""Pieces of the compensation service that need no database: case facts, a chosen amount, evidence and export."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from kintsugi.v1 import evidence_pb2

from libs.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.compensation.adapters import tables as t
from services.compensation.adapters.evidence_feed import flash_payout_evidence, video_content_type
from services.compensation.adapters.payout_provider import export_instructions
from services.compensation.adapters.repository import Writes
from services.compensation.domain.case import CaseFacts
from services.compensation.domain.errors import (
    ApprovalRequired,
    CurrencyMismatch,
    ForbiddenTransition,
    InvalidInput,
    NotAllowed,
)
from services.compensation.domain.flash import MediaItem
from services.compensation.domain.ladder import select_level, with_manual_amount
from services.compensation.domain.money import Money
from services.compensation.domain.policy import LadderPolicy

AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
VIDEO = MediaItem("video", "AB" * 32, "https://cdn.example/v/unboxing.MOV?sig=1")


def facts(**changes):
    base = {
        "shop_id": "shop-1",
        "case_id": "case-1",
        "category": "logistics_damage",
        "severity": "low",
        "priority": "P2",
        "customer_id": "cust-1",
        "customer_tier": "regular",
        "order_id": "order-1",
        "order_value": Money.cny(20_000),
        "media": (VIDEO,),
        "feedback_ids": ("fb-1",),
        "risk_kinds": (),
        "created_at": AT,
    }
    base.update(changes)
    return CaseFacts(**base)


def test_domain_errors_carry_their_grpc_meaning():
    assert issubclass(InvalidInput, InvalidArgument) and issubclass(CurrencyMismatch, InvalidArgument)
    assert issubclass(ForbiddenTransition, FailedPrecondition) and issubclass(ApprovalRequired, FailedPrecondition)
    assert issubclass(NotAllowed, PermissionDenied)
    err = InvalidInput("amount.amount_minor", "must be positive")
    assert [(v.field, v.message) for v in err.violations] == [("amount.amount_minor", "must be positive")]


def test_case_facts_are_checked_and_name_the_field():
    assert facts().category == "logistics_damage"
    for field, value in (
        ("category", "weather"),
        ("severity", "bad"),
        ("customer_tier", "gold"),
        ("priority", "P0"),
        ("case_id", ""),
        ("created_at", datetime(2026, 11, 20)),
        ("order_value", Money.cny(0)),
        ("feedback_ids", "fb-1"),
    ):
        with pytest.raises(InvalidInput) as err:
            facts(**{field: value})
        assert err.value.field.startswith(field.split("_")[0]) or err.value.field.startswith(field)
    assert facts(order_value=None).order_value is None


def test_a_chosen_amount_is_recorded_as_a_rule_step():
    policy = LadderPolicy()
    decision = select_level(
        policy, category="product_quality", severity="low", tier="regular", order_value=Money.cny(10_000)
    )
    chosen = with_manual_amount(decision, Money.cny(777))
    assert chosen.amount == Money.cny(777) and chosen.rule_id == decision.rule_id + "+manual.amount"
    assert "chosen by hand" in chosen.explanation and chosen.level == decision.level
    with pytest.raises(InvalidInput, match="order value"):
        with_manual_amount(decision, Money.cny(10_001))
    with pytest.raises(InvalidInput):
        with_manual_amount(decision, Money.cny(0))
    full = select_level(
        policy, category="product_quality", severity="high", tier="regular", order_value=Money.cny(10**5)
    )
    with pytest.raises(InvalidInput, match="whole order"):
        with_manual_amount(full, Money.cny(100))


def test_flash_evidence_message():
    assert video_content_type("https://x/y.mp4") == "video/mp4"
    assert video_content_type(VIDEO.uri) == "video/quicktime"
    assert video_content_type("") == video_content_type("https://x/blob") == "application/octet-stream"
    msg = flash_payout_evidence(shop_id="shop-1", case_id="case-1", payout_id="po_1", video=VIDEO, captured_at=AT)
    assert (msg.destination, msg.method, msg.source_id) == ("evidence", "/kintsugi.v1.Evidence/AppendEvidence", "po_1")
    req = evidence_pb2.AppendEvidenceRequest.FromString(msg.payload)
    assert req.sha256 == "ab" * 32 and req.idempotency_key == "flash:po_1" and req.kind == "unboxing_video"
    assert req.captured_at.ToDatetime(tzinfo=UTC) == AT and req.scope.actor_id == "compensation"


def test_export_as_csv_and_json():
    row = {
        "id": "pi_1",
        "shop_id": "shop-1",
        "payout_id": "po_1",
        "action": "pay",
        "offer_id": "off_1",
        "case_id": "case-1",
        "customer_id": "cust-1",
        "order_id": "order-1",
        "kind": "coupon",
        "period": "2026-11",
        "amount_minor": 500,
        "currency": "CNY",
        "memo": 'level 1, "quoted", comma',
        "created_at": AT,
    }
    ctype, data = export_instructions([row], "csv")
    [parsed] = list(csv.DictReader(io.StringIO(data.decode())))
    assert ctype.startswith("text/csv") and parsed["instruction_id"] == "pi_1" and parsed["memo"] == row["memo"]
    ctype, data = export_instructions([row], "json")
    assert ctype == "application/json" and json.loads(data)[0]["amount_minor"] == 500


def test_one_flush_updates_a_row_once():
    writes = Writes()
    writes.update(t.budgets, {"shop_id": "s", "period": "2026-11"}, {"spent_minor": 5}, deltas=True)
    with pytest.raises(RuntimeError, match="twice"):
        writes.update(t.budgets, {"shop_id": "s", "period": "2026-11"}, {"spent_minor": 5}, deltas=True)
    writes.update(t.budgets, {"shop_id": "s", "period": "2026-12"}, {"spent_minor": 5}, deltas=True)
    assert len(writes.pending) == 2
