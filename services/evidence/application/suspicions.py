"""FlagSuspectedReview: triage's outbox delivers reviews it suspects are malicious.

Idempotent on (shop_id, feedback_id): the first delivery stores the suspicion and appends an
``account_behaviour`` entry describing the signals (its content hash is the review text's SHA-256), in one
transaction; redeliveries change nothing and answer ``duplicate``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from libs.errors import InvalidArgument
from libs.scope import SHOP_ID
from libs.timeutil import utcnow
from services.evidence.adapters.repository import Suspicion
from services.evidence.application.errors import domain_errors
from services.evidence.application.log import Appended, Draft, append_locked, validate_draft
from services.evidence.application.unit_of_work import EvidenceUnitOfWork
from services.evidence.domain.entry import MAX_DESCRIPTION_LENGTH, MAX_ID_LENGTH, EvidenceKind, check_text

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_REASONS = 32
RECORDER = "triage"


@dataclass(frozen=True)
class SuspectedReview:
    shop_id: str
    feedback_id: str
    case_id: str
    reviewer_id: str
    score: float
    reasons: tuple[str, ...]
    text_sha256: str
    occurred_at: datetime | None


def _id(field: str, value: str, *, allow_empty: bool = False) -> str:
    with domain_errors():
        return check_text(field, value, max_length=MAX_ID_LENGTH, allow_empty=allow_empty, multiline=False)


def describe(s: SuspectedReview) -> str:
    """The entry's description: what triage saw, in words a moderator reads."""
    reasons = ", ".join(s.reasons) if s.reasons else "none given"
    text = (
        f"Review {s.feedback_id} suspected malicious by triage (score {s.score:.2f}). "
        f"Reviewer account: {s.reviewer_id or 'unknown'}. Signals: {reasons}. "
        "content_sha256 is the SHA-256 of the review text (UTF-8)."
    )
    return text[:MAX_DESCRIPTION_LENGTH]


class SuspectedReviews:
    def __init__(
        self,
        uow_factory: Callable[[], EvidenceUnitOfWork],
        *,
        clock: Callable[[], datetime] = utcnow,
        on_appended: Callable[[int], None] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._on_appended = on_appended

    def _validate(self, s: SuspectedReview) -> SuspectedReview:
        if not SHOP_ID.match(s.shop_id):
            raise InvalidArgument.on("shop_id", "must be 1-64 letters, digits, '.', '_' or '-'")
        _id("feedback_id", s.feedback_id)
        _id("case_id", s.case_id, allow_empty=True)
        _id("reviewer_id", s.reviewer_id, allow_empty=True)
        if not _SHA256_HEX.fullmatch(s.text_sha256):
            raise InvalidArgument.on("text_sha256", "must be 64 lowercase hexadecimal digits")
        if not math.isfinite(s.score) or not 0 <= s.score <= 1:
            raise InvalidArgument.on("score", "must be between 0 and 1")
        if len(s.reasons) > MAX_REASONS:
            raise InvalidArgument.on("reasons", f"at most {MAX_REASONS}")
        for i, reason in enumerate(s.reasons):
            _id(f"reasons[{i}]", reason)
        return s

    async def flag(self, s: SuspectedReview) -> bool:
        """Store the suspicion and its evidence entry; False when this review was flagged before."""
        s = self._validate(s)
        now = self._clock()
        draft = validate_draft(
            Draft(
                shop_id=s.shop_id,
                case_id=s.case_id or f"review:{s.feedback_id}"[:MAX_ID_LENGTH],
                kind=EvidenceKind.ACCOUNT_BEHAVIOUR.value,
                content_sha256=s.text_sha256,
                content_type="text/plain",
                description=describe(s),
                captured_at=min(s.occurred_at or now, now),
                recorder=RECORDER,
            ),
            now=now,
        )
        async with self._uow() as uow:
            # Under the log lock every delivery of this review is serialised, so the check is exact.
            state = await uow.log.lock_state()
            if await uow.suspicions.get(s.shop_id, s.feedback_id) is not None:
                return False
            (outcome,), state = await append_locked(uow, state, [draft], now)
            assert isinstance(outcome, Appended)
            await uow.suspicions.add(
                Suspicion(
                    shop_id=s.shop_id,
                    feedback_id=s.feedback_id,
                    case_id=draft.case_id,
                    reviewer_id=s.reviewer_id,
                    score=s.score,
                    reasons=s.reasons,
                    text_sha256=s.text_sha256,
                    occurred_at=s.occurred_at,
                    evidence_index=outcome.index,
                    received_at=now,
                )
            )
            await uow.commit()
        if self._on_appended is not None:
            self._on_appended(state.tree_size)
        return True
