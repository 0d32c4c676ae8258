"""Cheap language detection: Chinese, English, a mix of both, or unknown."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from services.triage.domain.analysis.tokenize import HAN_RE, TAG_RE, normalize


class Language(StrEnum):
    ZH = "zh"
    EN = "en"
    MIXED = "mixed"
    UNKNOWN = "unknown"


_LATIN_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
# A Latin word counts as much as this many Han characters (an English word carries a little more than one
# Chinese character, and brand names inside Chinese text should not make it mixed).
_WORD_WEIGHT = 1.5
# The minority script must reach this share for a text to be called mixed.
_MIXED_SHARE = 0.3


def detect_language(text: str) -> Language:
    """``zh``, ``en``, ``mixed`` or ``unknown`` from the share of Han characters and Latin words."""
    normalized = TAG_RE.sub(" ", normalize(text))
    han = len(HAN_RE.findall(normalized))
    # Drop accents so "café" is still a Latin word.
    latin = "".join(c for c in unicodedata.normalize("NFKD", normalized) if not unicodedata.combining(c))
    words = len(_LATIN_WORD_RE.findall(latin))
    total = han + _WORD_WEIGHT * words
    if total == 0:
        return Language.UNKNOWN
    en_share = _WORD_WEIGHT * words / total
    if en_share < _MIXED_SHARE:
        return Language.ZH
    if en_share > 1 - _MIXED_SHARE:
        return Language.EN
    return Language.MIXED
