"""Flash compensation: pay video-documented logistics damage automatically, within seconds.

A case qualifies when flash is enabled in the policy, its category is a flash category
(``logistics_damage`` by default), its feedback carries an unboxing video (media kind ``"video"``
with a 64-hex sha256), the amount is at most ``policy.flash_limit_minor`` and (when a budget is
given) the amount fits in the remaining budget. Otherwise it waits for a person, and the decision
says why (``reason``).

A flash decision is the shop's standing authority to pay: it replaces the maker-checker approval for
that offer (see ``workflow.propose``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .budget import Budget
from .errors import CurrencyMismatch, InvalidInput
from .money import Money
from .policy import LadderPolicy
from .vocabulary import Category, parse_enum

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")

FLASH_ELIGIBLE = "eligible"
FLASH_DISABLED = "flash_disabled"
FLASH_CATEGORY_NOT_ELIGIBLE = "category_not_eligible"
FLASH_NO_UNBOXING_VIDEO = "no_unboxing_video"
FLASH_AMOUNT_ABOVE_LIMIT = "amount_above_flash_limit"
FLASH_BUDGET_INSUFFICIENT = "budget_insufficient"


@dataclass(frozen=True, slots=True)
class MediaItem:
    """One media attachment of the feedback (``{"kind", "sha256", "uri"}`` on the wire)."""

    kind: str
    sha256: str
    uri: str = ""

    @classmethod
    def coerce(cls, value: Any) -> MediaItem | None:
        """A MediaItem from a MediaItem or a mapping; ``None`` for anything malformed."""
        if isinstance(value, MediaItem):
            return value
        if isinstance(value, Mapping):
            kind, sha, uri = value.get("kind"), value.get("sha256"), value.get("uri", "")
            if isinstance(kind, str) and isinstance(sha, str):
                return cls(kind, sha, uri if isinstance(uri, str) else "")
        return None

    @property
    def is_verifiable_video(self) -> bool:
        return self.kind == "video" and bool(_SHA256.match(self.sha256))


@dataclass(frozen=True, slots=True)
class FlashDecision:
    auto_approve: bool
    reason: str  # one of the FLASH_* codes
    explanation: str
    evidence_sha256: str | None = None  # the unboxing video's hash (lower case) when one was found


def find_unboxing_video(media: Iterable[Any]) -> MediaItem | None:
    for raw in media:
        item = MediaItem.coerce(raw)
        if item is not None and item.is_verifiable_video:
            return item
    return None


def decide_flash(
    policy: LadderPolicy,
    *,
    category: Category | str,
    media: Iterable[MediaItem | Mapping[str, Any]],
    amount: Money,
    budget: Budget | None = None,
) -> FlashDecision:
    """Decide whether an offer is paid automatically (see module docstring); checks in that order."""
    cat = parse_enum(Category, category, "category")
    if not isinstance(amount, Money):
        raise InvalidInput("amount", f"must be Money, got {type(amount).__name__}")
    if amount.currency != policy.currency:
        raise CurrencyMismatch("amount.currency", f"policy is in {policy.currency}")
    if isinstance(media, str | bytes):
        raise InvalidInput("media", "must be a list of media items")
    if not policy.flash_enabled:
        return FlashDecision(False, FLASH_DISABLED, "flash compensation is switched off for this shop")
    if cat not in policy.flash_categories:
        return FlashDecision(False, FLASH_CATEGORY_NOT_ELIGIBLE, f"{cat} is not a flash category; a person decides")
    video = find_unboxing_video(media)
    if video is None:
        return FlashDecision(
            False,
            FLASH_NO_UNBOXING_VIDEO,
            "no unboxing video (media kind 'video' with a sha256) in the feedback; a person decides",
        )
    sha = video.sha256.lower()
    limit = Money(policy.flash_limit_minor, policy.currency)
    if amount > limit:
        return FlashDecision(False, FLASH_AMOUNT_ABOVE_LIMIT, f"amount {amount} is above the flash limit {limit}", sha)
    if budget is not None and not budget.can_cover(amount):
        return FlashDecision(
            False,
            FLASH_BUDGET_INSUFFICIENT,
            f"amount {amount} does not fit in the remaining budget {budget.remaining}",
            sha,
        )
    return FlashDecision(True, FLASH_ELIGIBLE, f"{cat} with unboxing video, {amount} within flash limit {limit}", sha)
