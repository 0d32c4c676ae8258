"""The attribution decision function: flying inspections and recall recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.supplier_audit.domain.decisions import (
    AttachToInspection,
    AttachToRecall,
    NoAction,
    OpenInspection,
    RecommendRecall,
    decide,
)
from services.supplier_audit.domain.errors import DomainValidationError
from services.supplier_audit.domain.inspections import (
    Finding,
    FindingSeverity,
    Inspection,
    add_finding,
    attach_case,
    open_inspection,
    transition,
)
from services.supplier_audit.domain.model import Attribution, Batch, OrderVolume, OrderVolumes, Severity
from services.supplier_audit.domain.recalls import (
    RecallRecommendation,
    RecallStatus,
    RecallTrigger,
    attach_case_to_recall,
    set_recall_status,
)
from services.supplier_audit.domain.rules import AuditRules

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
RULES = AuditRules()


def att(
    case: str,
    *,
    at: datetime | None = None,
    days: float = 0,
    category: str = "product_quality",
    supplier: str = "S1",
    sku: str = "SKU1",
    batch: str | None = None,
    safety: bool = False,
    kinds: tuple[str, ...] = (),
) -> Attribution:
    return Attribution(
        case_id=case,
        sku=sku,
        supplier_id=supplier,
        category=category,
        severity=Severity.MEDIUM,
        occurred_at=(at or T0) + timedelta(days=days),
        batch_id=batch,
        safety=safety,
        risk_kinds=frozenset(kinds),
    )


class Shop:
    """A tiny in-memory stand-in for the application layer: applies decisions to its state."""

    def __init__(
        self,
        rules: AuditRules = RULES,
        batches: tuple[Batch, ...] = (),
        volumes: OrderVolumes | None = None,
        now: datetime | None = None,
    ) -> None:
        self.rules = rules
        self.attributions: list[Attribution] = []
        self.inspections: dict[str, Inspection] = {}
        self.recalls: dict[str, RecallRecommendation] = {}
        self.batches = {b.batch_id: b for b in batches}
        self.volumes = volumes or OrderVolumes()
        self.now = now
        self.log: list[tuple] = []

    def receive(self, a: Attribution) -> tuple:
        decisions = decide(
            a,
            [x for x in self.attributions if x.supplier_id == a.supplier_id],
            list(self.inspections.values()),
            [r for r in self.recalls.values() if r.batch_id == a.batch_id],
            batch=self.batches.get(a.batch_id) if a.batch_id else None,
            volumes=self.volumes,
            rules=self.rules,
            now=self.now or a.occurred_at,
        )
        self.attributions.append(a)
        for d in decisions:
            if isinstance(d, OpenInspection):
                iid = f"I{len(self.inspections) + 1}"
                self.inspections[iid] = open_inspection(
                    iid, d.supplier_id, d.category, d.case_ids, a.occurred_at, d.reason
                )
            elif isinstance(d, AttachToInspection):
                self.inspections[d.inspection_id] = attach_case(self.inspections[d.inspection_id], d.case_id)
            elif isinstance(d, RecommendRecall):
                rid = f"R{len(self.recalls) + 1}"
                self.recalls[rid] = RecallRecommendation(
                    rid,
                    d.batch_id,
                    d.sku,
                    d.supplier_id,
                    d.trigger,
                    d.affected_orders,
                    d.case_ids,
                    a.occurred_at,
                    d.reason,
                )
            elif isinstance(d, AttachToRecall):
                self.recalls[d.recall_id] = attach_case_to_recall(self.recalls[d.recall_id], d.case_id)
        self.log.append(decisions)
        return decisions

    def open_inspections(self) -> list[Inspection]:
        return [i for i in self.inspections.values() if i.is_open]


def kinds(decisions: tuple) -> list[str]:
    return [d.kind for d in decisions]


# --------------------------------------------------------------------------------------------------
# Flying inspections
# --------------------------------------------------------------------------------------------------


def test_two_same_category_complaints_open_no_inspection() -> None:
    shop = Shop()
    assert kinds(shop.receive(att("c1"))) == ["nothing"]
    d = shop.receive(att("c2", days=1))
    assert kinds(d) == ["nothing"]
    assert "2 of 3 product_quality complaints" in d[0].reason
    assert shop.inspections == {}


def test_third_complaint_opens_exactly_one_inspection_with_all_three_cases() -> None:
    shop = Shop()
    shop.receive(att("c1"))
    shop.receive(att("c2", days=1))
    d = shop.receive(att("c3", days=2))
    assert kinds(d) == ["open_inspection"]
    assert d[0].supplier_id == "S1" and d[0].category == "product_quality"
    assert d[0].case_ids == ("c1", "c2", "c3")
    assert "3 product_quality complaints on supplier S1 within 30 days" in d[0].reason
    assert len(shop.inspections) == 1


def test_fourth_complaint_attaches_to_the_open_inspection() -> None:
    shop = Shop()
    for i in range(3):
        shop.receive(att(f"c{i + 1}", days=i))
    d = shop.receive(att("c4", days=3))
    assert d == (AttachToInspection("I1", "c4", d[0].reason),)
    assert len(shop.inspections) == 1
    assert shop.inspections["I1"].case_ids == ("c1", "c2", "c3", "c4")
    # and a fifth too, still one inspection
    shop.receive(att("c5", days=4))
    assert len(shop.inspections) == 1 and shop.inspections["I1"].case_ids[-1] == "c5"


def test_attach_goes_to_an_open_inspection_in_any_open_status() -> None:
    insp = open_inspection("I9", "S1", "product_quality", ["a", "b", "c"], T0)
    insp = transition(insp, "in_progress", T0)
    d = decide(att("c4", days=1), [], [insp], [], batch=None, volumes=OrderVolumes(), rules=RULES, now=T0)
    assert kinds(d) == ["attach_to_inspection"] and d[0].inspection_id == "I9"


def test_a_different_category_counts_separately() -> None:
    shop = Shop()
    shop.receive(att("q1", category="product_quality"))
    shop.receive(att("q2", days=1, category="product_quality"))
    d = shop.receive(att("l1", days=2, category="logistics_damage"))
    assert kinds(d) == ["nothing"]  # 2 quality + 1 logistics: no category has 3
    assert "1 of 3 logistics_damage" in d[0].reason
    shop.receive(att("l2", days=3, category="logistics_damage"))
    d = shop.receive(att("q3", days=4, category="product_quality"))
    assert kinds(d) == ["open_inspection"] and d[0].case_ids == ("q1", "q2", "q3")
    # the open quality inspection does not absorb a logistics complaint; that opens its own
    d = shop.receive(att("l3", days=5, category="logistics_damage"))
    assert kinds(d) == ["open_inspection"]
    assert d[0].category == "logistics_damage" and d[0].case_ids == ("l1", "l2", "l3")
    assert sorted((i.category, len(i.case_ids)) for i in shop.inspections.values()) == [
        ("logistics_damage", 3),
        ("product_quality", 3),
    ]


def test_complaints_older_than_the_window_do_not_count() -> None:
    shop = Shop()
    shop.receive(att("old1", days=0))
    shop.receive(att("c2", days=1))
    # 31 days after old1 and 30 after c2: old1 falls out of every 30-day window containing c3
    d = shop.receive(att("c3", days=31))
    assert kinds(d) == ["nothing"]
    assert "2 of 3" in d[0].reason
    assert shop.inspections == {}


def test_window_is_inclusive_at_exactly_thirty_days() -> None:
    shop = Shop()
    shop.receive(att("c1", days=0))
    shop.receive(att("c2", days=10))
    assert kinds(shop.receive(att("c3", days=30))) == ["open_inspection"]

    shop = Shop()
    shop.receive(att("c1", days=0))
    shop.receive(att("c2", days=10))
    assert kinds(shop.receive(att("c3", days=30, at=T0 + timedelta(seconds=1)))) == ["nothing"]


def test_window_follows_the_rules() -> None:
    rules = AuditRules.from_dict({"inspection_threshold": 2, "inspection_window_days": 7})
    shop = Shop(rules=rules)
    shop.receive(att("c1", days=0))
    assert kinds(shop.receive(att("c2", days=8))) == ["nothing"]
    assert kinds(shop.receive(att("c3", days=9))) == ["open_inspection"]


def test_a_late_delivered_earlier_complaint_is_judged_like_an_in_order_one() -> None:
    shop = Shop()
    shop.receive(att("c2", days=10))
    shop.receive(att("c3", days=20))
    d = shop.receive(att("c1", days=5))  # arrives last but happened first
    assert kinds(d) == ["open_inspection"] and d[0].case_ids == ("c1", "c2", "c3")


def test_other_suppliers_and_replays_do_not_count() -> None:
    others = [att("x1", supplier="S2"), att("x2", supplier="S2", days=1), att("c1")]
    # the replayed c1 (same case id as the new one) and S2's complaints are ignored
    d = decide(
        att("c1"),
        others + [att("c2", days=1), att("c2", days=1)],
        [],
        [],
        batch=None,
        volumes=OrderVolumes(),
        rules=RULES,
        now=T0,
    )
    assert kinds(d) == ["nothing"] and "2 of 3" in d[0].reason


def test_cases_of_a_closed_inspection_do_not_trigger_a_new_one() -> None:
    shop = Shop()
    for i in range(3):
        shop.receive(att(f"c{i + 1}", days=i))
    insp = shop.inspections["I1"]
    insp = transition(insp, "in_progress", T0 + timedelta(days=3))
    insp = add_finding(insp, Finding("F1", "clean", FindingSeverity.OBSERVATION, T0 + timedelta(days=3)))
    for to in ("findings_recorded", "corrective_action", "verified", "closed"):
        insp = transition(insp, to, T0 + timedelta(days=4))
    shop.inspections["I1"] = insp
    # one new complaint after closing: the three old ones are already covered
    assert kinds(shop.receive(att("c4", days=5))) == ["nothing"]
    shop.receive(att("c5", days=6))
    d = shop.receive(att("c6", days=7))
    assert kinds(d) == ["open_inspection"] and d[0].case_ids == ("c4", "c5", "c6")
    assert len(shop.open_inspections()) == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 120), st.sampled_from(["product_quality", "logistics_damage"])),
        min_size=1,
        max_size=25,
    )
)
def test_in_order_streams_match_a_naive_model(events: list[tuple[int, str]]) -> None:
    """In time order, an inspection opens exactly when a naive count of uncovered complaints in
    the last 30 days reaches 3 and none is open; never two open per (supplier, category)."""
    events = sorted(events)
    shop = Shop()
    covered: dict[str, set[str]] = {"product_quality": set(), "logistics_damage": set()}
    history: list[tuple[int, str, str]] = []
    open_for: set[str] = set()
    for n, (day, cat) in enumerate(events):
        case = f"c{n}"
        history.append((day, cat, case))
        d = shop.receive(att(case, days=day, category=cat))
        if cat in open_for:
            expected = "attach_to_inspection"
            covered[cat].add(case)
        else:
            window = [c for (t, k, c) in history if k == cat and day - 30 <= t <= day and c not in covered[cat]]
            if len(window) >= 3:
                expected = "open_inspection"
                open_for.add(cat)
                covered[cat].update(window)
            else:
                expected = "nothing"
        assert kinds(d) == [expected]
        per_key = [(i.supplier_id, i.category) for i in shop.open_inspections()]
        assert len(per_key) == len(set(per_key))


# --------------------------------------------------------------------------------------------------
# Recalls
# --------------------------------------------------------------------------------------------------

# Batch B1 of SKU1 produced 2026-10-30 23:30 Shanghai time (15:30 UTC, same local day).
BATCH = Batch("B1", "SKU1", "S1", datetime(2026, 10, 30, 15, 30, tzinfo=UTC))
VOLUMES = OrderVolumes(
    [
        OrderVolume("SKU1", datetime(2026, 10, 29).date(), 100),  # before production: excluded
        OrderVolume("SKU1", datetime(2026, 10, 30).date(), 7),
        OrderVolume("SKU1", datetime(2026, 10, 31).date(), 11),
        OrderVolume("SKU1", datetime(2026, 11, 1).date(), 13),
        OrderVolume("SKU1", datetime(2026, 11, 2).date(), 17),
        OrderVolume("SKU1", datetime(2026, 11, 3).date(), 19),  # after "now": excluded
        OrderVolume("SKU2", datetime(2026, 10, 31).date(), 1000),  # another SKU: excluded
    ]
)
EXPECTED_AFFECTED = 7 + 11 + 13 + 17


def recall_shop(**kw) -> Shop:
    return Shop(batches=(BATCH,), volumes=VOLUMES, now=T0, **kw)


def test_safety_complaint_on_a_batch_recommends_one_recall_with_the_order_count() -> None:
    shop = recall_shop()
    d = shop.receive(att("s1", batch="B1", safety=True))
    recalls = [x for x in d if isinstance(x, RecommendRecall)]
    assert len(recalls) == 1
    r = recalls[0]
    assert (r.batch_id, r.sku, r.supplier_id, r.trigger) == ("B1", "SKU1", "S1", RecallTrigger.SAFETY)
    assert r.affected_orders == EXPECTED_AFFECTED == 48
    assert r.case_ids == ("s1",)
    assert "48 orders" in r.reason and "2026-10-30" in r.reason
    assert kinds(d) == ["recommend_recall"]


def test_a_second_safety_complaint_on_the_same_batch_does_not_open_another() -> None:
    shop = recall_shop()
    shop.receive(att("s1", batch="B1", safety=True))
    d = shop.receive(att("s2", days=1, batch="B1", kinds=("spoilage",)))
    assert kinds(d) == ["attach_to_recall"]
    assert d[0].recall_id == "R1"
    assert len(shop.recalls) == 1
    assert shop.recalls["R1"].case_ids == ("s1", "s2")


def test_a_risk_kind_makes_a_complaint_safety_related_but_not_any_kind() -> None:
    d = decide(att("a1", batch="B1", kinds=("allergy",)), [], [], [], batch=BATCH, volumes=VOLUMES, rules=RULES, now=T0)
    assert kinds(d) == ["recommend_recall"]
    d = decide(
        att("a2", batch="B1", kinds=("counterfeit",)), [], [], [], batch=BATCH, volumes=VOLUMES, rules=RULES, now=T0
    )
    assert kinds(d) == ["nothing"] and "not safety-related" in d[0].reason


def test_shop_rules_can_switch_safety_recalls_off_or_change_the_kinds() -> None:
    off = AuditRules.from_dict({"recall_on_safety": False})
    d = decide(att("a1", batch="B1", safety=True), [], [], [], batch=BATCH, volumes=VOLUMES, rules=off, now=T0)
    assert kinds(d) == ["nothing"]
    custom = AuditRules.from_dict({"safety_risk_kinds": ["odour"]})
    d = decide(att("a1", batch="B1", kinds=("odour",)), [], [], [], batch=BATCH, volumes=VOLUMES, rules=custom, now=T0)
    assert kinds(d) == ["recommend_recall"]


def test_a_dismissed_recall_does_not_block_a_new_recommendation() -> None:
    old = RecallRecommendation("R0", "B1", "SKU1", "S1", RecallTrigger.SAFETY, 10, ("s0",), T0 - timedelta(days=5))
    dismissed = set_recall_status(old, RecallStatus.DISMISSED, T0 - timedelta(days=4))
    d = decide(
        att("s1", batch="B1", safety=True), [], [], [dismissed], batch=BATCH, volumes=VOLUMES, rules=RULES, now=T0
    )
    assert kinds(d) == ["recommend_recall"]
    accepted = set_recall_status(old, RecallStatus.ACCEPTED, T0 - timedelta(days=4))
    d = decide(
        att("s1", batch="B1", safety=True), [], [], [accepted], batch=BATCH, volumes=VOLUMES, rules=RULES, now=T0
    )
    assert kinds(d) == ["attach_to_recall"] and d[0].recall_id == "R0"


def test_a_surge_on_a_batch_recommends_a_recall_on_the_fifth_complaint() -> None:
    shop = recall_shop()
    cats = ["product_quality", "description_mismatch", "logistics_damage", "payment"]
    for i in range(4):
        d = shop.receive(att(f"b{i}", days=i, batch="B1", category=cats[i]))
        assert not any(isinstance(x, RecommendRecall) for x in d)
    d = shop.receive(att("b4", days=6, batch="B1", category="other"))
    recalls = [x for x in d if isinstance(x, RecommendRecall)]
    assert len(recalls) == 1 and recalls[0].trigger is RecallTrigger.SURGE
    assert recalls[0].case_ids == ("b0", "b1", "b2", "b3", "b4")
    assert "5 complaints on batch B1 within 7 days" in recalls[0].reason


def test_a_surge_needs_the_complaints_within_the_batch_window() -> None:
    shop = recall_shop()
    for i, day in enumerate([0, 2, 4, 6]):
        shop.receive(att(f"b{i}", days=day, batch="B1", category="other"))
    d = shop.receive(att("b4", days=8, batch="B1", category="payment"))  # b0 is 8 days before
    assert not any(isinstance(x, RecommendRecall) for x in d)
    assert "4 of 5 complaints on batch B1" in d[-1].reason


def test_safety_complaint_without_batch_cannot_recommend_a_recall() -> None:
    d = decide(att("s1", safety=True), [], [], [], batch=None, volumes=VOLUMES, rules=RULES, now=T0)
    assert kinds(d) == ["nothing"] and "without a batch" in d[0].reason


def test_batch_missing_from_the_register_gives_an_unknown_order_count() -> None:
    d = decide(att("s1", batch="B9", safety=True), [], [], [], batch=None, volumes=VOLUMES, rules=RULES, now=T0)
    assert kinds(d) == ["recommend_recall"]
    assert d[0].affected_orders is None and "unknown" in d[0].reason


def test_inspection_and_recall_decisions_come_together() -> None:
    shop = recall_shop()
    shop.receive(att("c1", batch="B1"))
    shop.receive(att("c2", batch="B1", days=1))
    d = shop.receive(att("c3", batch="B1", days=2, safety=True))
    assert kinds(d) == ["open_inspection", "recommend_recall"]


def test_decide_rejects_bad_arguments() -> None:
    with pytest.raises(DomainValidationError):
        decide(att("c1"), [], [], [], batch=None, volumes=VOLUMES, rules=RULES, now=datetime(2026, 1, 1))
    with pytest.raises(DomainValidationError):
        decide(att("c1", batch="B2"), [], [], [], batch=BATCH, volumes=VOLUMES, rules=RULES, now=T0)


def test_no_action_is_a_single_decision() -> None:
    d = decide(att("c1"), [], [], [], batch=None, volumes=VOLUMES, rules=RULES, now=T0)
    assert d == (NoAction(d[0].reason),) and d[0].to_dict()["kind"] == "nothing"
