"""Appeal lifecycle (every state x action), who may act, and the registry's keyed hash."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from services.evidence.domain.appeal import (
    AppealAction,
    AppealReason,
    AppealState,
    ForbiddenAppealMove,
    NotAllowed,
    check_roles,
    next_state,
    parse_reason,
)
from services.evidence.domain.errors import InvalidEntry
from services.evidence.domain.registry import REGISTRY_DOMAIN, account_hash, check_account_id

ALLOWED = {
    (AppealState.DRAFT, AppealAction.SUBMIT): AppealState.SUBMITTED,
    (AppealState.SUBMITTED, AppealAction.ACCEPT): AppealState.ACCEPTED,
    (AppealState.SUBMITTED, AppealAction.REJECT): AppealState.REJECTED,
}


@pytest.mark.parametrize("state", list(AppealState))
@pytest.mark.parametrize("action", list(AppealAction))
def test_every_state_and_action(state: AppealState, action: AppealAction) -> None:
    if (state, action) in ALLOWED:
        assert next_state(state, action) is ALLOWED[(state, action)]
    else:
        with pytest.raises(ForbiddenAppealMove, match=f"cannot {action.value} an appeal that is {state.value}"):
            next_state(state, action)


def test_final_states_say_so() -> None:
    with pytest.raises(ForbiddenAppealMove, match="accepted is final"):
        next_state("accepted", "reject")


@pytest.mark.parametrize(
    ("action", "roles", "allowed"),
    [
        ("create", ["agent"], True),
        ("create", ["moderator"], False),
        ("create", ["auditor"], False),
        ("submit", ["supervisor"], True),
        ("submit", ["moderator"], False),
        ("accept", ["moderator"], True),
        ("accept", ["admin", "supervisor"], False),
        ("reject", ["moderator", "auditor"], True),
        ("reject", [], False),
    ],
)
def test_shops_create_and_submit_moderators_decide(action: str, roles: list[str], allowed: bool) -> None:
    if allowed:
        check_roles(action, roles)
    else:
        with pytest.raises(NotAllowed):
            check_roles(action, roles)


def test_reasons() -> None:
    assert {r.value for r in AppealReason} == {
        "extortion",
        "competitor_attack",
        "no_purchase",
        "fake_account",
        "off_topic",
    }
    with pytest.raises(ValueError, match="one of: extortion"):
        parse_reason("spam")


def test_account_hash_is_hmac_sha256_with_a_domain_prefix() -> None:
    key = b"k" * 32
    expected = hmac.new(key, REGISTRY_DOMAIN + "买家-42".encode(), hashlib.sha256).digest()
    assert account_hash(key, "买家-42") == expected
    assert account_hash(key, "买家-42") != account_hash(b"j" * 32, "买家-42")
    assert account_hash(key, "a") != hashlib.sha256(b"a").digest()
    with pytest.raises(ValueError):
        account_hash(b"short", "a")
    with pytest.raises(InvalidEntry):
        check_account_id("two words")
