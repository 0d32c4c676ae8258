"""Features of the sentiment model, shared by training and serving so the two can never drift apart.

Two hashed blocks, each TF-IDF weighted (sublinear tf) and L2-normalised, and a small cue block:

* ``char``: character 1–3-grams of the normalised text (covers Chinese words without segmenting);
* ``word``: English words and word bigrams with negation scope, and optionally jieba words and word
  bigrams;
* ``cues``: ``log(1 + count)`` of lexicon hits (``lex:*``) and emoji classes.

URLs and @mentions are not features at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize as normalize_rows

from services.triage.domain.analysis import lexicon
from services.triage.domain.analysis.tokenize import (
    EMOJI_CLASSES,
    HAN_RE,
    TAG_RE,
    URL_TAG,
    USER_TAG,
    emoji_tag,
    english_words,
    jieba_tokenizer,
    normalize,
    split_tags,
)

FEATURE_VERSION = 2

_NEGATION_SCOPE = 3
_SPACES_RE = re.compile(r" {2,}")
_CLAUSE_END_RE = re.compile(r"[.,!?;:。，！？；：、\n]")


@dataclass(frozen=True)
class FeatureConfig:
    """How texts become vectors; stored in the model artifact."""

    version: int = FEATURE_VERSION
    char_bits: int = 19
    word_bits: int = 18
    char_ngram_max: int = 3
    jieba_words: bool = False

    def to_dict(self) -> dict[str, int | bool]:
        return asdict(self)


class _ZhLexicon:
    """Longest-match, left-to-right, non-overlapping lookup of the Chinese word lists."""

    def __init__(self, positive: Iterable[str], negative: Iterable[str]) -> None:
        self._polarity: dict[str, str] = dict.fromkeys(positive, "zh_pos")
        self._polarity.update(dict.fromkeys(negative, "zh_neg"))
        by_first: dict[str, list[str]] = {}
        for word in self._polarity:
            by_first.setdefault(word[0], []).append(word)
        self._by_first = {ch: sorted(ws, key=len, reverse=True) for ch, ws in by_first.items()}

    def hits(self, text: str) -> list[str]:
        out: list[str] = []
        i, n = 0, len(text)
        by_first = self._by_first
        while i < n:
            candidates = by_first.get(text[i])
            if candidates:
                for word in candidates:
                    if text.startswith(word, i):
                        out.append(self._polarity[word])
                        i += len(word)
                        break
                else:
                    i += 1
            else:
                i += 1
        return out


_ZH_LEXICON = _ZhLexicon(lexicon.ZH_POSITIVE, lexicon.ZH_NEGATIVE)
_NEUTRAL_TAGS = frozenset({URL_TAG, USER_TAG})


def _english_features(segment: str, out: list[str]) -> None:
    for clause in _CLAUSE_END_RE.split(segment):
        words = english_words(clause)
        if not words:
            continue
        negated_left = 0
        marked: list[str] = []
        for word in words:
            if word in lexicon.EN_NEGATORS:
                negated_left = _NEGATION_SCOPE
                marked.append(word)
                continue
            if negated_left:
                negated_left -= 1
                marked.append("not_" + word)
                if word in lexicon.EN_POSITIVE:
                    out.append("lex:en_pos_negated")
                elif word in lexicon.EN_NEGATIVE:
                    out.append("lex:en_neg_negated")
            else:
                marked.append(word)
                if word in lexicon.EN_POSITIVE:
                    out.append("lex:en_pos")
                elif word in lexicon.EN_NEGATIVE:
                    out.append("lex:en_neg")
        out.extend(marked)
        out.extend(f"{a} {b}" for a, b in zip(marked, marked[1:], strict=False))


def word_features(normalized: str, *, jieba_words: bool = False) -> list[str]:
    """The word-block features of an already normalised text."""
    out: list[str] = []
    for is_tag, piece in split_tags(normalized):
        if is_tag:
            # Emoji classes are features; a link or an @mention says nothing about the mood.
            if piece not in _NEUTRAL_TAGS:
                out.append(piece)
            continue
        if HAN_RE.search(piece):
            out.extend("lex:" + hit for hit in _ZH_LEXICON.hits(piece))
            if jieba_words:
                words = [w for w in jieba_tokenizer().lcut(piece, HMM=False) if not w.isspace()]
                out.extend("w:" + w for w in words)
                out.extend(f"w:{a} {b}" for a, b in zip(words, words[1:], strict=False))
        _english_features(piece, out)
    return out


def _untagged(normalized: str) -> str:
    if "<" not in normalized:
        return normalized
    return _SPACES_RE.sub(" ", TAG_RE.sub(" ", normalized)).strip()


def cue_names() -> tuple[str, ...]:
    """Word-block features that are moved to the cue block: lexicon hits and emoji classes."""
    lex = ("zh_pos", "zh_neg", "en_pos", "en_neg", "en_pos_negated", "en_neg_negated")
    return (*(f"lex:{name}" for name in lex), *(emoji_tag(c) for c in EMOJI_CLASSES))


def n_features(config: FeatureConfig) -> int:
    """Width of the feature matrix: character block, word block, cue block."""
    return 2**config.char_bits + 2**config.word_bits + len(cue_names())


class Featurizer:
    """Turns texts into the model's sparse feature matrix: ``[char | word | cues]``.

    The char and word blocks are TF-IDF weighted and L2-normalised. The cue block holds
    ``log(1 + count)`` of lexicon hits and emoji classes, unnormalised, so that two
    sentiment words weigh more than one and a text with none is not pushed either way.
    """

    def __init__(self, config: FeatureConfig, char_idf: np.ndarray, word_idf: np.ndarray) -> None:
        self.config = config
        self.char_idf = char_idf.astype(np.float32)
        self.word_idf = word_idf.astype(np.float32)
        self._char_hasher, self._word_hasher = hashers(config)
        probe = HashingVectorizer(
            analyzer=lambda name: [name], n_features=2**config.word_bits, alternate_sign=False, norm=None
        )
        # The cues are hashed with the words and then moved out; the rare word that shares a cue's
        # column moves with it, which costs less than a second pass over every text.
        self._cue_columns = probe.transform(cue_names()).indices.astype(np.int64)
        if len(set(self._cue_columns.tolist())) != len(cue_names()):
            raise ValueError("two cue features hash to the same word column; change word_bits")
        self._word_mask = np.ones(2**config.word_bits, dtype=np.float32)
        self._word_mask[self._cue_columns] = 0.0

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Features of raw texts."""
        return self.transform_normalized([normalize(t) for t in texts])

    def transform_normalized(self, normalized: Sequence[str]) -> sp.csr_matrix:
        """Features of texts already passed through ``normalize``."""
        return self.assemble(*self.counts(normalized))

    def counts(self, normalized: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        """Raw hashed counts of the char and word blocks, and the cue block."""
        # Tags are not text: they go to the cue block (emoji) or nowhere (links, @mentions).
        char = self._char_hasher.transform([_untagged(s) for s in normalized]).tocsr()
        word = self._word_hasher.transform(normalized).tocsr()
        cues = sp.csr_matrix(np.log1p(word[:, self._cue_columns].toarray()).astype(np.float32))
        word.data *= self._word_mask[word.indices]
        word.eliminate_zeros()
        return char, word, cues

    def assemble(self, char: sp.csr_matrix, word: sp.csr_matrix, cues: sp.csr_matrix) -> sp.csr_matrix:
        """The model's matrix from the blocks' counts."""
        return sp.hstack([tfidf(char, self.char_idf), tfidf(word, self.word_idf), cues], format="csr")


def hashers(config: FeatureConfig) -> tuple[HashingVectorizer, HashingVectorizer]:
    """The two count hashers of a feature configuration."""
    if config.version != FEATURE_VERSION:
        raise ValueError(f"model features are version {config.version}, this code has {FEATURE_VERSION}")
    char = HashingVectorizer(
        analyzer="char",
        ngram_range=(1, config.char_ngram_max),
        n_features=2**config.char_bits,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        dtype=np.float32,
    )
    jieba_words = config.jieba_words

    def analyze(text: str) -> list[str]:
        return word_features(text, jieba_words=jieba_words)

    word = HashingVectorizer(
        analyzer=analyze,
        n_features=2**config.word_bits,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    return char, word


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf times idf, rows scaled to unit length (as scikit-learn's TfidfTransformer does)."""
    x = counts.tocsr().astype(np.float32)
    np.log(x.data, out=x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    return normalize_rows(x, norm="l2", copy=False)


def smooth_idf(document_frequency: np.ndarray, n_documents: int) -> np.ndarray:
    """Smoothed idf, ``ln((1 + n) / (1 + df)) + 1``."""
    return (np.log((1.0 + n_documents) / (1.0 + document_frequency)) + 1.0).astype(np.float32)


def default_idf(config: FeatureConfig) -> tuple[np.ndarray, np.ndarray]:
    """Idf of 1 everywhere (plain sublinear tf), for counting before idf is fitted."""
    return (
        np.ones(2**config.char_bits, dtype=np.float32),
        np.ones(2**config.word_bits, dtype=np.float32),
    )
