"""Canonical JSON (the byte rules are in FORMAT.md, version ``kintsugi-evidence-v1``).

The canonical bytes of an entry are the Merkle leaf and the input of the hash chain, so these rules are a
public contract: anyone must be able to recompute them. In short: UTF-8, object keys sorted by code point,
no insignificant whitespace, non-ASCII characters written as themselves, only integers (|n| <= 2**53-1),
times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .entry import MAX_SAFE_INTEGER, EvidenceEntry, check_index
from .errors import CanonicalizationError, InvalidEntry

FORMAT_VERSION = "kintsugi-evidence-v1"
MAX_DEPTH = 32

ENTRY_FIELDS = (
    "captured_at",
    "case_id",
    "content_sha256",
    "content_type",
    "description",
    "format",
    "index",
    "kind",
    "recorded_at",
    "recorder",
    "shop_id",
)

_ENCODER = json.JSONEncoder(
    skipkeys=False,
    ensure_ascii=False,
    check_circular=False,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def _check(value: Any, path: str, depth: int) -> None:
    """Reject what canonical JSON cannot hold. Strings are checked for UTF-8 only by ``_find_bad_string``
    when encoding the whole document fails (the common case pays for one encode, not one per string)."""
    kind = type(value)
    if kind is str or value is None or value is True or value is False:
        return
    if depth > MAX_DEPTH:
        raise CanonicalizationError(path, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalizationError(path, f"integer {value} outside +-(2**53-1)")
        return
    if isinstance(value, float):
        raise CanonicalizationError(path, "floats are not allowed in canonical JSON (use integers)")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalizationError(path, f"object key {key!r} is not a string")
            _check(item, f"{path}.{key}", depth + 1)
        return
    if isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check(item, f"{path}[{position}]", depth + 1)
        return
    raise CanonicalizationError(path, f"type {type(value).__name__} has no canonical JSON form")


def _find_bad_string(value: Any, path: str) -> CanonicalizationError | None:
    """The location of the first string (or key) that is not valid Unicode, if any."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return CanonicalizationError(path, f"not encodable as UTF-8 ({exc.reason})")
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _find_bad_string(key, f"{path}.{key!r}") or _find_bad_string(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            found = _find_bad_string(item, f"{path}[{position}]")
            if found:
                return found
    return None


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON value made of dict/list/tuple/str/int/bool/None.

    Raises ``CanonicalizationError`` (with the path of the offending value) for floats, integers beyond
    +-(2**53-1), non-string keys, strings that are not valid Unicode scalar sequences, other types.
    """
    _check(value, "$", 0)
    text = _ENCODER.encode(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise (_find_bad_string(value, "$") or CanonicalizationError("$", "not encodable as UTF-8")) from None


def format_time(value: datetime) -> str:
    """RFC 3339 in UTC with exactly six fractional digits and ``Z``: ``2026-11-23T15:18:00.000000Z``."""
    if not isinstance(value, datetime):
        raise CanonicalizationError("$", "not a datetime")
    offset = value.utcoffset()
    if offset is None:
        raise CanonicalizationError("$", "naive datetime has no canonical time")
    if offset:
        value = value.astimezone(UTC)
    # isoformat pads the year to four digits and, with timespec, always writes six fractional digits.
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(text: str, field: str = "time") -> datetime:
    """Parse exactly the ``format_time`` form (nothing else is canonical) into an aware UTC datetime."""
    if not isinstance(text, str):
        raise InvalidEntry(field, "must be a string")
    if _TIME.fullmatch(text) is None:
        raise InvalidEntry(field, "must be RFC 3339 UTC in the form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidEntry(field, f"not a valid time: {exc}") from None


def entry_to_dict(entry: EvidenceEntry) -> dict[str, Any]:
    """The JSON object of an entry (the form that is canonicalised and embedded in appeal bundles)."""
    return {
        "captured_at": format_time(entry.captured_at),
        "case_id": entry.case_id,
        "content_sha256": entry.content_sha256,
        "content_type": entry.content_type,
        "description": entry.description,
        "format": FORMAT_VERSION,
        "index": entry.index,
        "kind": entry.kind.value,
        "recorded_at": format_time(entry.recorded_at),
        "recorder": entry.recorder,
        "shop_id": entry.shop_id,
    }


def entry_from_dict(data: object) -> EvidenceEntry:
    """Strict inverse of ``entry_to_dict``: exactly the v1 fields, canonical times, known format."""
    if not isinstance(data, Mapping):
        raise InvalidEntry("entry", "must be a JSON object")
    missing = [name for name in ENTRY_FIELDS if name not in data]
    if missing:
        raise InvalidEntry(missing[0], "missing field")
    extra = sorted(str(name) for name in data if name not in ENTRY_FIELDS)
    if extra:
        raise InvalidEntry(extra[0], "unknown field")
    if data["format"] != FORMAT_VERSION:
        raise InvalidEntry("format", f"unsupported format {data['format']!r}, expected {FORMAT_VERSION!r}")
    return EvidenceEntry(
        index=check_index("index", data["index"]),
        shop_id=data["shop_id"],
        case_id=data["case_id"],
        kind=data["kind"],
        content_sha256=data["content_sha256"],
        content_type=data["content_type"],
        description=data["description"],
        captured_at=parse_time(data["captured_at"], "captured_at"),
        recorded_at=parse_time(data["recorded_at"], "recorded_at"),
        recorder=data["recorder"],
    )


def canonical_entry(entry: EvidenceEntry) -> bytes:
    """The canonical bytes of an entry. These bytes are both the Merkle leaf and the chain input."""
    # Every field was validated by EvidenceEntry (strings are valid Unicode, the index is a safe integer),
    # so the generic value check of canonical_json can be skipped on this hot path.
    return _ENCODER.encode(entry_to_dict(entry)).encode("utf-8")


leaf_bytes = canonical_entry
"""Alias: the Merkle leaf of an entry is exactly its canonical bytes."""


def _reject_constant(name: str) -> Any:
    raise InvalidEntry("entry", f"{name} is not valid canonical JSON")


def _reject_float(text: str) -> Any:
    raise InvalidEntry("entry", f"number {text} is not an integer")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidEntry(key, "duplicate key")
        result[key] = value
    return result


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that claim to be canonical JSON; raises ``InvalidEntry`` unless re-encoding them gives
    the very same bytes (so any non-canonical spelling, float, duplicate key... is refused)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEntry("entry", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(
            text,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise InvalidEntry("entry", f"not JSON ({exc.msg} at character {exc.pos})") from None
    try:
        again = canonical_json(value)
    except CanonicalizationError as exc:
        raise InvalidEntry("entry", exc.message) from None
    if again != data:
        raise InvalidEntry("entry", "bytes are not in canonical form")
    return value


def parse_leaf(data: bytes) -> EvidenceEntry:
    """The entry whose canonical bytes are ``data``; refuses anything that is not exactly canonical."""
    entry = entry_from_dict(parse_canonical(data))
    if canonical_entry(entry) != data:  # e.g. a field value the entry model would normalise
        raise InvalidEntry("entry", "bytes are not in canonical form")
    return entry
