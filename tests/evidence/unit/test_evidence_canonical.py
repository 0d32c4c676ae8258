"""Canonical JSON of evidence entries: byte rules, stability, rejections, the FORMAT.md test vector."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.evidence.domain import canonical
from services.evidence.domain.canonical import (
    FORMAT_VERSION,
    canonical_entry,
    canonical_json,
    entry_from_dict,
    entry_to_dict,
    format_time,
    parse_canonical,
    parse_leaf,
    parse_time,
)
from services.evidence.domain.entry import EvidenceEntry, EvidenceKind
from services.evidence.domain.errors import CanonicalizationError, InvalidEntry

FORMAT_MD = Path(canonical.__file__).with_name("FORMAT.md")


def vector_entry() -> EvidenceEntry:
    """The entry of FORMAT.md section 7."""
    return EvidenceEntry(
        index=0,
        shop_id="shop-42",
        case_id="case-0007",
        kind=EvidenceKind.CHAT_LOG,
        content_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        content_type="text/plain",
        description='买家说"假货"\n要求退款',
        captured_at=datetime(2026, 11, 23, 23, 18, 5, 120000, tzinfo=timezone(timedelta(hours=8))),
        recorded_at=datetime(2026, 11, 23, 15, 20, tzinfo=UTC),
        recorder="agent-3",
    )


def _format_md_vector() -> tuple[bytes, str, str]:
    text = FORMAT_MD.read_text(encoding="utf-8")
    block = re.search(r"```canonical\n(.*?)\n```", text, re.S)
    assert block is not None
    leaf_hash = re.search(r"leaf hash `SHA-256\(0x00 \|\| leaf\)`: `([0-9a-f]{64})`", text)
    entry_hash = re.search(r"entry hash `SHA-256\(0x00×32 \|\| leaf\)` \(index 0\): `([0-9a-f]{64})`", text)
    assert leaf_hash is not None and entry_hash is not None
    return block.group(1).encode("utf-8"), leaf_hash.group(1), entry_hash.group(1)


def test_entry_bytes_match_the_format_md_test_vector():
    leaf, leaf_hash_hex, entry_hash_hex = _format_md_vector()
    assert canonical_entry(vector_entry()) == leaf
    assert len(leaf) == 374
    # Recomputed here with nothing but hashlib, as an outside verifier would.
    assert hashlib.sha256(b"\x00" + leaf).hexdigest() == leaf_hash_hex
    assert hashlib.sha256(bytes(32) + leaf).hexdigest() == entry_hash_hex


def test_exact_bytes_for_escapes_and_ordering():
    value = {"b": 1, "a": [True, None, -7, 0], "é": "x", "A": 'q"\\/\b\f\n\r\t\x00\x1f\x7f\u2028😀'}
    expected = '{"A":"q\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\u2028😀","a":[true,null,-7,0],"b":1,"é":"x"}'
    assert canonical_json(value) == expected.encode("utf-8")


def test_canonical_json_is_stable_under_reordering_and_round_trips():
    entry = entry_to_dict(vector_entry())
    shuffled = dict(reversed(list(entry.items())))
    assert canonical_json(shuffled) == canonical_json(entry) == canonical_entry(vector_entry())
    again = json.loads(canonical_json(entry))
    assert canonical_json(again) == canonical_json(entry)


@settings(max_examples=80, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
        | st.text(alphabet=st.characters(exclude_categories=("Cs",))),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(alphabet=st.characters(exclude_categories=("Cs",))), children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_canonical_json_parses_back_to_the_same_bytes(value):
    data = canonical_json(value)
    assert parse_canonical(data) == json.loads(data)
    assert canonical_json(json.loads(data)) == data
    assert b"\n" not in data and b": " not in data


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (1.0, "$"),
        ({"amount": 0.5}, "$.amount"),
        ({"a": [1, 2, float("nan")]}, "$.a[2]"),
        ({"a": {"b": float("inf")}}, "$.a.b"),
    ],
)
def test_floats_are_rejected_with_their_path(value, path):
    with pytest.raises(CanonicalizationError) as caught:
        canonical_json(value)
    assert caught.value.path == path
    assert "float" in caught.value.message


@pytest.mark.parametrize(
    "value",
    [2**53, -(2**53), {1: "non-string key"}, "\ud800", {"k": b"bytes"}, {"k": {1, 2}}],
)
def test_other_non_canonical_values_are_rejected(value):
    with pytest.raises(CanonicalizationError):
        canonical_json(value)


def test_nesting_is_bounded():
    deep: list = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(CanonicalizationError, match="nested deeper"):
        canonical_json(deep)


def test_time_format_is_fixed():
    assert format_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"
    assert format_time(datetime(999, 1, 2, 3, 4, 5, 7, tzinfo=UTC)) == "0999-01-02T03:04:05.000007Z"
    local = datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=8)))
    assert format_time(local) == "2025-12-31T16:30:00.000000Z"
    with pytest.raises(CanonicalizationError):
        format_time(datetime(2026, 1, 1))  # naive
    assert parse_time("2025-12-31T16:30:00.000000Z") == local


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-02T03:04:05Z",
        "2026-01-02T03:04:05.000000+00:00",
        "2026-01-02T03:04:05.000000z",
        "2026-01-02 03:04:05.000000Z",
        "2026-02-30T03:04:05.000000Z",
        "2026-01-02T03:04:60.000000Z",
        "２026-01-02T03:04:05.000000Z",  # a full-width digit
    ],
)
def test_non_canonical_times_are_rejected(text):
    with pytest.raises(InvalidEntry):
        parse_time(text, "captured_at")


def test_entry_dict_round_trip_and_leaf_parse():
    entry = vector_entry()
    assert entry_from_dict(entry_to_dict(entry)) == entry
    assert parse_leaf(canonical_entry(entry)) == entry
    assert entry_to_dict(entry)["format"] == FORMAT_VERSION


@pytest.mark.parametrize(
    "data",
    [
        # whitespace, \u escapes, a float, a duplicate key, not UTF-8
        lambda leaf: leaf.replace(b'"index":0', b'"index": 0'),
        lambda leaf: leaf.replace("买".encode(), b"\\u4e70"),
        lambda leaf: leaf.replace(b'"index":0', b'"index":0.0'),
        lambda leaf: leaf[:-1] + b',"shop_id":"shop-42"}',
        lambda leaf: leaf.replace("买".encode(), b"\xff"),
        lambda leaf: leaf + b"\n",
    ],
)
def test_non_canonical_leaf_bytes_are_rejected(data):
    leaf = canonical_entry(vector_entry())
    with pytest.raises(InvalidEntry):
        parse_leaf(data(leaf))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"index": -1}, "index"),
        ({"index": True}, "index"),
        ({"shop_id": ""}, "shop_id"),
        ({"shop_id": "shop 1"}, "shop_id"),
        ({"case_id": "c" * 129}, "case_id"),
        ({"recorder": "a\x00"}, "recorder"),
        ({"kind": "selfie"}, "kind"),
        ({"content_sha256": "AB" * 32}, "content_sha256"),
        ({"content_sha256": "ab" * 31}, "content_sha256"),
        ({"content_type": "Text/Plain"}, "content_type"),
        ({"content_type": "text/plain; charset=utf-8"}, "content_type"),
        ({"description": "x" * 4001}, "description"),
        ({"description": "bell\x07"}, "description"),
        ({"description": "lone \udc00"}, "description"),
        ({"captured_at": datetime(2026, 1, 1)}, "captured_at"),
        ({"recorded_at": "2026-01-01T00:00:00.000000Z"}, "recorded_at"),
    ],
)
def test_invalid_entries_name_the_field(change, field):
    with pytest.raises(InvalidEntry) as caught:
        replace(vector_entry(), **change)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "lone \udc00", "unpaired surrogate U+DC00 at position 5"),
        ("description", "bell\x07", "control character U+0007 at position 4"),
        ("shop_id", "shop\u3000x", "whitespace U+3000 at position 4"),
        ("recorder", "a\tb", "control character U+0009 at position 1"),
    ],
)
def test_text_problems_are_described(field, value, message):
    with pytest.raises(InvalidEntry) as caught:
        replace(vector_entry(), **{field: value})
    assert caught.value.message == f"{field}: {message}"


def test_kind_accepts_string_values_and_descriptions_keep_newlines():
    entry = replace(vector_entry(), kind="unboxing_video", description="line 1\r\nline 2\tend")
    assert entry.kind is EvidenceKind.UNBOXING_VIDEO
    assert parse_leaf(canonical_entry(entry)).description == "line 1\r\nline 2\tend"
    assert {k.value for k in EvidenceKind} == {
        "chat_log",
        "order_record",
        "logistics_trace",
        "screenshot",
        "unboxing_video",
        "account_behaviour",
        "platform_correspondence",
    }


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("recorder"), "recorder"),
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d.update(format="kintsugi-evidence-v0"), "format"),
        (lambda d: d.update(captured_at="2026-11-23T15:18:05Z"), "captured_at"),
        (lambda d: d.update(index="0"), "index"),
    ],
)
def test_entry_from_dict_is_strict(mutate, field):
    data = entry_to_dict(vector_entry())
    mutate(data)
    with pytest.raises(InvalidEntry) as caught:
        entry_from_dict(data)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "data",
    [b'{"b":1,"a":2}', b'{"a": 1}', b'"\\u00e9"', b"[1,2] ", b"01", b'"\\/"', b"1e3", b"-0"],
)
def test_parse_canonical_refuses_other_spellings(data):
    with pytest.raises(InvalidEntry):
        parse_canonical(data)
    assert parse_canonical(b'{"a":[1,"\xc3\xa9",null]}') == {"a": [1, "é", None]}
