"""Text analysis for triage: language, tokens, sentiment polarity and intensity of a complaint's text."""

from services.triage.domain.analysis.language import Language, detect_language
from services.triage.domain.analysis.sentiment import (
    SentimentModel,
    TextAnalysis,
    analyse,
    analyse_batch,
    default_model,
    intensity,
)
from services.triage.domain.analysis.tokenize import normalize, tokenize

__all__ = [
    "Language",
    "SentimentModel",
    "TextAnalysis",
    "analyse",
    "analyse_batch",
    "default_model",
    "detect_language",
    "intensity",
    "normalize",
    "tokenize",
]
