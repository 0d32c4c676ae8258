"""Sentiment polarity (a linear model over hashed text features) and rule-based intensity."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from services.triage.domain.analysis import lexicon
from services.triage.domain.analysis.features import FeatureConfig, Featurizer, n_features
from services.triage.domain.analysis.language import Language, detect_language
from services.triage.domain.analysis.tokenize import TAG_RE, normalize, tokenize

MODEL_PATH = Path(__file__).resolve().parent / "model" / "sentiment.joblib"
ARTIFACT_FORMAT = "kintsugi.triage.sentiment"
ARTIFACT_FORMAT_VERSION = 2

_BATCH = 4096


class SentimentModel:
    """Polarity of texts in −1 (negative) … 1 (positive): ``2 · P(positive) − 1``."""

    def __init__(
        self,
        *,
        config: FeatureConfig,
        char_idf: np.ndarray,
        word_idf: np.ndarray,
        coef: np.ndarray,
        intercept: float,
        meta: dict[str, Any] | None = None,
    ) -> None:
        expected = n_features(config)
        if coef.shape != (expected,):
            raise ValueError(f"coefficients have shape {coef.shape}, the features need ({expected},)")
        self.featurizer = Featurizer(config, char_idf, word_idf)
        self.coef = coef.astype(np.float32)
        self.intercept = float(intercept)
        self.meta = dict(meta or {})

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> SentimentModel:
        """Load an artifact written by ``to_artifact``; only for files shipped with or built by us."""
        if not path.is_file():
            raise FileNotFoundError(f"no sentiment model at {path}; build it with `make train`")
        artifact = joblib.load(path)
        kind = (artifact.get("format"), artifact.get("format_version"))
        if kind != (ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION):
            raise ValueError(f"{path} is not a version {ARTIFACT_FORMAT_VERSION} {ARTIFACT_FORMAT} artifact")
        return cls(
            config=FeatureConfig(**artifact["features"]),
            char_idf=np.asarray(artifact["char_idf"]),
            word_idf=np.asarray(artifact["word_idf"]),
            coef=np.asarray(artifact["coef"]),
            intercept=artifact["intercept"],
            meta=artifact.get("meta"),
        )

    def to_artifact(self) -> dict[str, Any]:
        """Plain arrays and numbers only, so loading needs no scikit-learn class."""
        return {
            "format": ARTIFACT_FORMAT,
            "format_version": ARTIFACT_FORMAT_VERSION,
            "features": self.featurizer.config.to_dict(),
            "char_idf": self.featurizer.char_idf.astype(np.float16),
            "word_idf": self.featurizer.word_idf.astype(np.float16),
            "coef": self.coef,
            "intercept": self.intercept,
            "meta": self.meta,
        }

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """Log-odds of being positive, one per text; 0 for texts with nothing left after normalising."""
        out = np.zeros(len(texts), dtype=np.float64)
        for start in range(0, len(texts), _BATCH):
            normalized = [normalize(t) for t in texts[start : start + _BATCH]]
            x = self.featurizer.transform_normalized(normalized)
            scores = x @ self.coef + self.intercept
            empty = np.array([not n for n in normalized])
            scores[empty] = 0.0
            out[start : start + len(normalized)] = scores
        return out

    def predict(self, texts: Sequence[str]) -> list[float]:
        """Polarity in −1 … 1 for each text (P(positive) mapped linearly onto [−1, 1])."""
        # 2·sigmoid(z) − 1 == tanh(z / 2)
        return np.tanh(self.decision(texts) / 2.0).tolist()


_model_lock = threading.Lock()
_model: SentimentModel | None = None


def default_model() -> SentimentModel:
    """The shipped model, loaded on first use and then shared by the whole process."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = SentimentModel.load(MODEL_PATH)
    return _model


# ---- intensity ---------------------------------------------------------------------------------------

_POLARITY_SHARE = 0.6
_MAX_COUNT = 4
_ZH_INTENSIFIER_RE = re.compile("|".join(map(re.escape, sorted(lexicon.ZH_INTENSIFIERS, key=len, reverse=True))))
_ZH_STRONG_RE = re.compile("|".join(map(re.escape, sorted(lexicon.ZH_STRONG, key=len, reverse=True))))
_EN_STRONG_PHRASE_RE = re.compile("|".join(re.escape(p) for p in lexicon.EN_STRONG_PHRASES))
_EXCLAIM_RUN_RE = re.compile(r"[!?]*![!?]+|[!?]+![!?]*")
_SINGLE_EXCLAIM_RE = re.compile(r"(?<![!?])!(?![!?])")
_QUESTION_RUN_RE = re.compile(r"\?{2,}")
_DOTS_RE = re.compile(r"(?:\.{3,}|。{2,}|…{2,})")
_CAPS_WORD_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z']+(?![A-Za-z0-9])")
_LATIN_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
_LETTER_RUN_RE = re.compile(r"([a-zA-Z\u4e00-\u9fff])\1{2,}")
_EMOJI_WEIGHTS = {"angry": 0.5, "disgust": 0.5, "down": 0.4, "sad": 0.3}


def _capped(n: int) -> int:
    return min(n, _MAX_COUNT)


def intensity_cues(text: str) -> float:
    """Summed weight of the intensity cues in a text (0 when there are none)."""
    raw = unicodedata.normalize("NFKC", text)
    normalized = normalize(text)
    plain = TAG_RE.sub(" ", normalized)
    score = 0.0
    score += 0.3 * _capped(len(_ZH_INTENSIFIER_RE.findall(plain)))
    score += 0.6 * _capped(len(_ZH_STRONG_RE.findall(plain)))
    words = _LATIN_WORD_RE.findall(plain)
    score += 0.3 * _capped(sum(w in lexicon.EN_INTENSIFIERS for w in words))
    score += 0.6 * _capped(sum(w in lexicon.EN_STRONG for w in words))
    score += 0.6 * _capped(len(_EN_STRONG_PHRASE_RE.findall(plain)))
    # Punctuation: read from the raw text, before runs are cut to three.
    runs = _EXCLAIM_RUN_RE.findall(raw)
    score += sum(0.8 if len(r) >= 3 else 0.6 for r in runs[:_MAX_COUNT])
    score += 0.15 * min(len(_SINGLE_EXCLAIM_RE.findall(raw)), 3)
    score += 0.4 * _capped(len(_QUESTION_RUN_RE.findall(raw.replace("!", " "))))
    score += 0.15 * min(len(_DOTS_RE.findall(raw)), 2)
    shouted = [w for w in _CAPS_WORD_RE.findall(raw) if len(w) >= 2 and w not in lexicon.CAPS_EXEMPT]
    score += 0.35 * _capped(len(shouted))
    score += 0.25 * min(len(_LETTER_RUN_RE.findall(raw)), 2)
    for match in TAG_RE.finditer(normalized):
        tag = match.group(0)
        if tag.startswith("<emo:"):
            score += _EMOJI_WEIGHTS.get(tag[5:-1], 0.0)
    return score


def intensity(text: str, polarity: float) -> float:
    """How strongly the text is felt, 0 … 1: the polarity's strength, raised by intensifiers and shouting."""
    strength = _POLARITY_SHARE * min(abs(polarity), 1.0)
    return float(1.0 - (1.0 - strength) * math.exp(-intensity_cues(text)))


# ---- the analysis the triage service calls ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextAnalysis:
    """What the text of one complaint says about the customer's mood."""

    sentiment: float
    intensity: float
    language: Language
    text: str = field(repr=False)

    @property
    def tokens(self) -> tuple[str, ...]:
        """The jieba segmentation, made when asked for: the sentiment model reads character n-grams, and
        segmenting costs more than scoring, so triage does not pay for it on every item."""
        return tuple(tokenize(self.text))


def analyse(text: str, model: SentimentModel | None = None) -> TextAnalysis:
    """Polarity, intensity, language and tokens of one text."""
    return analyse_batch([text], model)[0]


def analyse_batch(texts: Sequence[str], model: SentimentModel | None = None) -> list[TextAnalysis]:
    """``analyse`` for many texts, scoring them in one batch."""
    polarities = (model or default_model()).predict(texts)
    return [
        TextAnalysis(sentiment=polarity, intensity=intensity(text, polarity), language=detect_language(text), text=text)
        for text, polarity in zip(texts, polarities, strict=True)
    ]
