"""The evidence entry: one append-only record of the evidence log.

The content itself (a chat export, a video...) stays where it is; the entry records its SHA-256. An entry
is immutable and validated on construction, so anything that holds an ``EvidenceEntry`` can be written as
canonical bytes (see ``canonical.py`` and ``FORMAT.md``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from .errors import InvalidEntry

# Largest integer every JSON implementation represents exactly (IEEE-754 double): 2**53 - 1.
MAX_SAFE_INTEGER = 2**53 - 1

MAX_ID_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 4000

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# RFC 6838 type "/" subtype (restricted-name, here at most 64 characters each), lowercase, no parameters.
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")


class EvidenceKind(StrEnum):
    CHAT_LOG = "chat_log"
    ORDER_RECORD = "order_record"
    LOGISTICS_TRACE = "logistics_trace"
    SCREENSHOT = "screenshot"
    UNBOXING_VIDEO = "unboxing_video"
    ACCOUNT_BEHAVIOUR = "account_behaviour"
    PLATFORM_CORRESPONDENCE = "platform_correspondence"


_BAD_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # Cc except TAB LF CR; Cs
_BAD_IN_ID = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]|\s")  # any Cc or Cs, any whitespace


def check_text(field: str, value: object, *, max_length: int, allow_empty: bool, multiline: bool) -> str:
    """Validate one text field and return it unchanged.

    Rejected: non-strings, unpaired surrogates (not encodable as UTF-8), control characters (apart from
    TAB, LF and CR when ``multiline``), and for single-line identifiers also any whitespace.
    """
    if not isinstance(value, str):
        raise InvalidEntry(field, "must be a string")
    if not value and not allow_empty:
        raise InvalidEntry(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidEntry(field, f"must be at most {max_length} characters, got {len(value)}")
    bad = (_BAD_IN_TEXT if multiline else _BAD_IN_ID).search(value)
    if bad is not None:
        char, position = bad.group(), bad.start()
        if "\ud800" <= char <= "\udfff":
            what = "unpaired surrogate"
        elif char.isspace() and not unicodedata.category(char) == "Cc":
            what = "whitespace"
        else:
            what = "control character"
        raise InvalidEntry(field, f"{what} U+{ord(char):04X} at position {position}")
    return value


def check_index(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidEntry(field, "must be an integer")
    if value < 0 or value > MAX_SAFE_INTEGER:
        raise InvalidEntry(field, f"must be between 0 and {MAX_SAFE_INTEGER}")
    return value


def to_utc(field: str, value: object) -> datetime:
    """An aware datetime converted to UTC; naive datetimes are refused (their instant is unknown)."""
    if not isinstance(value, datetime):
        raise InvalidEntry(field, "must be a datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise InvalidEntry(field, "must carry a time zone (naive datetimes are ambiguous)")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One evidence record. ``index`` is its position in the log (0-based, gap-free).

    ``kind`` accepts an ``EvidenceKind`` or its string value; datetimes must be aware and are stored in
    UTC. Invalid values raise ``InvalidEntry`` naming the field.
    """

    index: int
    shop_id: str
    case_id: str
    kind: EvidenceKind
    content_sha256: str
    content_type: str
    description: str
    captured_at: datetime
    recorded_at: datetime
    recorder: str

    def __post_init__(self) -> None:
        check_index("index", self.index)
        check_text("shop_id", self.shop_id, max_length=MAX_ID_LENGTH, allow_empty=False, multiline=False)
        check_text("case_id", self.case_id, max_length=MAX_ID_LENGTH, allow_empty=False, multiline=False)
        check_text("recorder", self.recorder, max_length=MAX_ID_LENGTH, allow_empty=False, multiline=False)
        try:
            kind = EvidenceKind(self.kind)
        except ValueError:
            allowed = ", ".join(k.value for k in EvidenceKind)
            raise InvalidEntry("kind", f"unknown kind {self.kind!r}; one of: {allowed}") from None
        object.__setattr__(self, "kind", kind)
        if not isinstance(self.content_sha256, str) or not _SHA256_HEX.fullmatch(self.content_sha256):
            raise InvalidEntry("content_sha256", "must be 64 lowercase hexadecimal digits")
        if not isinstance(self.content_type, str) or not _MEDIA_TYPE.fullmatch(self.content_type):
            raise InvalidEntry("content_type", "must be a lowercase media type 'type/subtype' without parameters")
        check_text(
            "description",
            self.description,
            max_length=MAX_DESCRIPTION_LENGTH,
            allow_empty=True,
            multiline=True,
        )
        object.__setattr__(self, "captured_at", to_utc("captured_at", self.captured_at))
        object.__setattr__(self, "recorded_at", to_utc("recorded_at", self.recorded_at))

    def placed(self, index: int, recorded_at: datetime) -> EvidenceEntry:
        """This entry at log position ``index``, recorded at ``recorded_at``.

        For the append path: an entry is validated once when it is received (with a provisional index),
        and only the two values the log assigns are checked again here.
        """
        placed = object.__new__(EvidenceEntry)
        for name in self.__slots__:  # type: ignore[attr-defined]
            object.__setattr__(placed, name, getattr(self, name))
        object.__setattr__(placed, "index", check_index("index", index))
        object.__setattr__(placed, "recorded_at", to_utc("recorded_at", recorded_at))
        return placed
