"""EvidenceEntry.placed: the append path validates an entry once, then only the index and recording time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.evidence.domain.canonical import canonical_entry
from services.evidence.domain.entry import EvidenceEntry
from services.evidence.domain.errors import InvalidEntry

AT = datetime(2026, 11, 23, 15, 18, 5, 120000, tzinfo=UTC)


def test_placed_equals_a_freshly_validated_entry() -> None:
    template = EvidenceEntry(0, "shop-42", "case-0007", "chat_log", "9" * 64, "text/plain", "买家", AT, AT, "agent-3")
    local = datetime(2026, 11, 23, 23, 20, tzinfo=timezone(timedelta(hours=8)))
    placed = template.placed(17, local)
    fresh = EvidenceEntry(17, "shop-42", "case-0007", "chat_log", "9" * 64, "text/plain", "买家", AT, local, "agent-3")
    assert placed == fresh and canonical_entry(placed) == canonical_entry(fresh)
    assert placed.recorded_at.tzinfo is UTC and template.index == 0


@pytest.mark.parametrize(("index", "recorded_at"), [(-1, AT), (True, AT), (2**53, AT), (1, AT.replace(tzinfo=None))])
def test_placed_still_checks_what_it_assigns(index: object, recorded_at: datetime) -> None:
    template = EvidenceEntry(0, "s", "c", "chat_log", "a" * 64, "text/plain", "", AT, AT, "r")
    with pytest.raises(InvalidEntry):
        template.placed(index, recorded_at)  # type: ignore[arg-type]
