"""Appeals against malicious reviews: reasons, the lifecycle and who may move an appeal.

    draft --submit (shop)--> submitted --accept (moderator)--> accepted
                                       --reject (moderator)--> rejected

Every other move is forbidden (``ForbiddenAppealMove``, FAILED_PRECONDITION at the edge); accepted and
rejected are final.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from .errors import EvidenceError


class AppealReason(StrEnum):
    EXTORTION = "extortion"  # the reviewer demanded money or goods to remove the review
    COMPETITOR_ATTACK = "competitor_attack"  # a competitor posting to harm the shop
    NO_PURCHASE = "no_purchase"  # a review without a matching order
    FAKE_ACCOUNT = "fake_account"  # a throwaway or bought account
    OFF_TOPIC = "off_topic"  # not about the product or the service


class AppealState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class AppealAction(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT = "reject"


SHOP_ROLES = frozenset({"agent", "supervisor", "admin"})
MODERATOR_ROLES = frozenset({"moderator"})

_MOVES: dict[tuple[AppealState, AppealAction], AppealState] = {
    (AppealState.DRAFT, AppealAction.SUBMIT): AppealState.SUBMITTED,
    (AppealState.SUBMITTED, AppealAction.ACCEPT): AppealState.ACCEPTED,
    (AppealState.SUBMITTED, AppealAction.REJECT): AppealState.REJECTED,
}

_WHO: dict[AppealAction, frozenset[str]] = {
    AppealAction.SUBMIT: SHOP_ROLES,
    AppealAction.ACCEPT: MODERATOR_ROLES,
    AppealAction.REJECT: MODERATOR_ROLES,
}


class ForbiddenAppealMove(EvidenceError):
    """The lifecycle does not allow this action in the appeal's state (FAILED_PRECONDITION)."""


class NotAllowed(EvidenceError):
    """The actor's roles may not take this action (PERMISSION_DENIED)."""


def parse_reason(value: str) -> AppealReason:
    """The reason, or ``ValueError`` naming the allowed ones."""
    try:
        return AppealReason(value)
    except ValueError:
        allowed = ", ".join(r.value for r in AppealReason)
        raise ValueError(f"unknown reason {value!r}; one of: {allowed}") from None


def check_roles(action: AppealAction | str, roles: Collection[str]) -> None:
    """Shops (agent, supervisor, admin) create and submit; moderators accept and reject."""
    if action == "create":
        allowed = SHOP_ROLES
    else:
        allowed = _WHO[AppealAction(action)]
    if not allowed & set(roles):
        raise NotAllowed(f"{action} needs one of the roles: {', '.join(sorted(allowed))}")


def next_state(current: AppealState | str, action: AppealAction | str) -> AppealState:
    """The state after ``action``; ``ForbiddenAppealMove`` when the lifecycle does not allow it."""
    state, move = AppealState(current), AppealAction(action)
    try:
        return _MOVES[(state, move)]
    except KeyError:
        allowed = [a.value for (s, a) in _MOVES if s is state]
        hint = f"allowed: {', '.join(allowed)}" if allowed else f"{state.value} is final"
        raise ForbiddenAppealMove(f"cannot {move.value} an appeal that is {state.value} ({hint})") from None
