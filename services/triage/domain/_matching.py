"""Term matching shared by the triage lexicons: normalisation, boundaries, negation, overlaps."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from services.triage.domain.errors import InvalidInput

MAX_TEXT_CHARS = 20_000
LANGUAGES = ("zh", "en")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ASCII_ALNUM = re.compile(r"[a-z0-9]")
# A Chinese negator right before a term (at most two characters in between, no punctuation).
# "不仅/不但/不光/不只" (not only), "没想到" (unexpectedly), "不少" (many) are not negations.
_ZH_NEGATION = re.compile(
    r"(?:并没有|没有|并非|不是|没|无|未|不)(?!仅|但|光|只|少|想|料|过)[^\s,.!?;:，。！？；：、~]{0,2}$"
)
_EN_NEGATORS = frozenset(
    "not no never without none nothing nor isn't wasn't aren't weren't didn't doesn't don't "
    "hasn't haven't hadn't won't can't couldn't".split()
)
_EN_TOKEN = re.compile(r"[a-z0-9']+")
_EN_CLAUSE_BREAK = re.compile(r"[,.!?;:]|\bbut\b")


def normalise(text: str) -> str:
    """Fold width, case and apostrophes so lexicon terms match however the customer typed them."""
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()


def check_text(text: object, field: str = "text") -> str:
    """Validate a free-text input and return it."""
    if not isinstance(text, str):
        raise InvalidInput.on(field, "must be a string")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput.on(field, f"longer than {MAX_TEXT_CHARS} characters")
    return text


def is_cjk(term: str) -> bool:
    """Whether the term contains Chinese characters (then it matches as a substring)."""
    return bool(_CJK.search(term))


@dataclass(frozen=True)
class Term:
    """One compiled lexicon entry: a literal term or a labelled regular expression."""

    label: str
    group: str
    weight: float
    regex: re.Pattern[str]
    negatable: bool
    cjk: bool
    literal: bool = True
    # Text every match contains (the literal's first word): a term whose needle is absent is skipped
    # without running its regex. Empty for patterns, which always run.
    needle: str = ""


def literal_pattern(term: str) -> str:
    """Regex for a literal term: substring for Chinese, word-bounded for Latin letters and digits."""
    body = r"\s+".join(re.escape(part) for part in term.split())
    head = r"(?<![a-z0-9])" if _ASCII_ALNUM.match(term[0]) else ""
    tail = r"(?![a-z0-9])" if _ASCII_ALNUM.match(term[-1]) else ""
    # a single English word also matches its plural ("lawyers", "fakes")
    plural = "(?:s|es)?" if re.fullmatch(r"[a-z]{3,}", term) else ""
    return head + body + plural + tail


def compile_literal(term: str, *, group: str, weight: float, negatable: bool, field: str) -> Term:
    """Compile one literal term; raise InvalidInput naming ``field`` when it is unusable."""
    if not isinstance(term, str) or not normalise(term).strip():
        raise InvalidInput.on(field, "a term must be a non-empty string")
    norm = " ".join(normalise(term).split())
    if len(norm) > 100:
        raise InvalidInput.on(field, "a term must be at most 100 characters")
    if weight <= 0:
        raise InvalidInput.on(field, "a term weight must be positive")
    return Term(
        label=norm,
        group=group,
        weight=float(weight),
        regex=re.compile(literal_pattern(norm)),
        negatable=negatable,
        cjk=is_cjk(norm),
        needle=norm.split()[0],
    )


def compile_pattern(pattern: str, *, label: str, group: str, weight: float, negatable: bool) -> Term:
    """Compile a labelled regular expression from a lexicon file (already in normalised form)."""
    return Term(
        label=label,
        group=group,
        weight=float(weight),
        regex=re.compile(pattern),
        negatable=negatable,
        cjk=is_cjk(label),
        literal=False,
    )


@dataclass(frozen=True)
class Match:
    """Where a term occurs in the normalised text."""

    term: Term
    start: int
    end: int
    text: str


def is_negated(text: str, start: int, cjk: bool) -> bool:
    """Whether a negator sits right before position ``start`` (没有破损, "not damaged")."""
    if cjk:
        return bool(_ZH_NEGATION.search(text[max(0, start - 5) : start]))
    window = text[max(0, start - 40) : start]
    clause = _EN_CLAUSE_BREAK.split(window)[-1]
    tokens = _EN_TOKEN.findall(clause)[-3:]
    for i, tok in enumerate(tokens):
        if tok in _EN_NEGATORS or tok.endswith("n't"):
            if tok == "not" and i + 1 < len(tokens) and tokens[i + 1] == "only":
                continue
            return True
    return False


class TermSet(tuple[Term, ...]):
    """A lexicon's terms, indexed by the first character of each literal: a text is checked only
    against the literals whose first character it contains (and every pattern)."""

    _by_first: dict[str, tuple[Term, ...]]
    _patterns: tuple[Term, ...]

    def __new__(cls, terms: Iterable[Term]) -> TermSet:
        self = super().__new__(cls, terms)
        by_first: dict[str, list[Term]] = {}
        for term in self:
            if term.needle:
                by_first.setdefault(term.needle[0], []).append(term)
        self._by_first = {c: tuple(ts) for c, ts in by_first.items()}
        self._patterns = tuple(t for t in self if not t.needle)
        return self

    def candidates(self, text: str) -> list[Term]:
        found = list(self._patterns)
        for c in set(text):
            found += self._by_first.get(c, ())
        return found


def find_matches(text: str, terms: Iterable[Term], taken: bytearray | None = None) -> list[Match]:
    """All non-overlapping matches in ``text`` (normalised); the longer term wins an overlap.

    ``taken`` marks characters already claimed (by an earlier call); chosen matches are marked in it.
    """
    candidates: list[Match] = []
    for term in terms.candidates(text) if isinstance(terms, TermSet) else terms:
        if term.needle and term.needle not in text:
            continue
        for m in term.regex.finditer(text):
            if m.end() == m.start():
                continue
            if term.negatable and is_negated(text, m.start(), term.cjk):
                continue
            candidates.append(Match(term, m.start(), m.end(), m.group(0)))
    # longest first; then the heavier term; a literal term beats a pattern covering the same text
    candidates.sort(key=lambda c: (c.start - c.end, -c.term.weight, not c.term.literal, c.start, c.term.label))
    occupied = taken if taken is not None else bytearray(len(text))
    chosen: list[Match] = []
    for cand in candidates:
        if occupied.find(1, cand.start, cand.end) == -1:
            occupied[cand.start : cand.end] = b"\x01" * (cand.end - cand.start)
            chosen.append(cand)
    chosen.sort(key=lambda c: c.start)
    return chosen


@cache
def load_lexicon(name: str) -> Mapping[str, Any]:
    """Read ``lexicons/<name>.<lang>.json`` for every language once; returns {lang: document}."""
    folder = resources.files("services.triage.domain.lexicons")
    docs: dict[str, Any] = {}
    for lang in LANGUAGES:
        resource = folder / f"{name}.{lang}.json"
        if resource.is_file():
            docs[lang] = json.loads(resource.read_text(encoding="utf-8"))
    if not docs:
        raise FileNotFoundError(f"no lexicon named {name!r}")
    return docs


def entries(raw: Sequence[Any]) -> Iterable[tuple[str | None, str | None, float, str | None]]:
    """Yield (term, pattern, weight, label) from a lexicon list of strings or objects."""
    for item in raw:
        if isinstance(item, str):
            yield item, None, 1.0, None
        else:
            yield item.get("term"), item.get("pattern"), float(item.get("weight", 1.0)), item.get("label")
