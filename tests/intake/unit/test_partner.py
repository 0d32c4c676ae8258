"""Partner tokens and partner input, without I/O."""

from __future__ import annotations

import hashlib

import pytest

from libs.errors import InvalidArgument
from services.intake.domain.partner import (
    new_token,
    partner_id_of,
    token_digest,
    token_matches,
    validate_new_partner,
)


def test_a_token_names_its_partner_and_carries_32_random_bytes() -> None:
    token = new_token("pt_abc")
    partner_id, _, secret = token.partition(".")
    assert partner_id == "pt_abc" and partner_id_of(token) == "pt_abc"
    assert len(secret) == 43  # 32 bytes, url-safe base64 without padding
    assert new_token("pt_abc") != token


def test_only_the_digest_is_compared() -> None:
    token = new_token("pt_abc")
    digest = token_digest(token)
    assert digest == hashlib.sha256(token.encode()).digest()
    assert token_matches(token, digest)
    assert not token_matches(token + "x", digest)
    assert not token_matches(token, None)


@pytest.mark.parametrize("token", ["", "nodot", ".secret", "pt_abc."])
def test_malformed_tokens_name_no_partner(token: str) -> None:
    assert partner_id_of(token) == ""


def test_new_partner_input_is_normalised() -> None:
    name, shops = validate_new_partner("  SF Express ", ["s1", " s2 ", "s1", ""])
    assert name == "SF Express" and shops == frozenset({"s1", "s2"})


@pytest.mark.parametrize(
    ("name", "shops", "field"),
    [("", ["s1"], "name"), ("x" * 101, ["s1"], "name"), ("ok", [], "shops"), ("ok", ["bad shop"], "shops")],
)
def test_bad_partner_input_names_the_field(name: str, shops: list[str], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_new_partner(name, shops)
    assert [v.field for v in err.value.violations] == [field]
