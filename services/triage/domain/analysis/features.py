"""Features of the sentiment model, shared by training and serving so the two can never drift apart.

Two hashed blocks, each TF-IDF weighted (sublinear tf) and L2-normalised:

* ``char``: character 1–3-grams of the normalised text (covers Chinese words without segmenting);
* ``word``: English words and word bigrams with negation scope, URL/@mention/emoji tags, lexicon
  hits (``lex:*``), and optionally jieba words and word bigrams.
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
    HAN_RE,
    english_words,
    jieba_tokenizer,
    normalize,
    split_tags,
)

FEATURE_VERSION = 1

_NEGATION_SCOPE = 3
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


class Featurizer:
    """Turns texts into the model's sparse feature matrix."""

    def __init__(self, config: FeatureConfig, char_idf: np.ndarray, word_idf: np.ndarray) -> None:
        self.config = config
        self.char_idf = char_idf.astype(np.float32)
        self.word_idf = word_idf.astype(np.float32)
        self._char_hasher, self._word_hasher = hashers(config)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF features of raw texts, both blocks side by side."""
        normalized = [normalize(t) for t in texts]
        return self.transform_normalized(normalized)

    def transform_normalized(self, normalized: Sequence[str]) -> sp.csr_matrix:
        char = tfidf(self._char_hasher.transform(normalized), self.char_idf)
        word = tfidf(self._word_hasher.transform(normalized), self.word_idf)
        return sp.hstack([char, word], format="csr")


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
    """Idf of 1 everywhere (plain sublinear tf), used before fitting."""
    return (
        np.ones(2**config.char_bits, dtype=np.float32),
        np.ones(2**config.word_bits, dtype=np.float32),
    )
