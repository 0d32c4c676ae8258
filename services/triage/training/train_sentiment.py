"""Train the triage sentiment model reproducibly and write its artifact and model card.

    python -m services.triage.training.train_sentiment [--data PATH]

The data defaults to ``shared/data/reviews/online_shopping_10_cats.csv`` beside the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from services.triage.domain.analysis.features import FeatureConfig, Featurizer, default_idf, smooth_idf
from services.triage.domain.analysis.sentiment import MODEL_PATH, SentimentModel
from services.triage.domain.analysis.tokenize import normalize
from services.triage.training.ood_eval import OOD_EVAL
from services.triage.training.seeds import seed_examples

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "reviews" / "online_shopping_10_cats.csv"
MODEL_CARD = MODEL_PATH.parent / "MODEL_CARD.md"
SEED = 42
HOLDOUT_SHARE = 0.10
C_GRID = (5.0, 10.0, 20.0, 40.0)

log = logging.getLogger("train_sentiment")


@dataclass(frozen=True)
class Review:
    category: str
    label: int
    text: str


@dataclass(frozen=True)
class Corpus:
    reviews: list[Review]
    rows_read: int
    empty: int
    duplicates: int
    conflicting: int


def load_reviews(path: Path) -> Corpus:
    """Read the CSV; strip U+FEFF and whitespace, drop empty texts, keep one copy of each duplicate.

    A text that appears with both labels is dropped entirely: neither label can be trusted.
    """
    rows = 0
    empty = 0
    by_text: dict[str, Review] = {}
    labels: dict[str, set[int]] = {}
    copies: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            rows += 1
            text = row["review"].replace("\ufeff", "").strip()
            if not text:
                empty += 1
                continue
            copies[text] += 1
            labels.setdefault(text, set()).add(int(row["label"]))
            by_text.setdefault(text, Review(row["cat"].replace("\ufeff", "").strip(), int(row["label"]), text))
    conflicting = {t for t, ls in labels.items() if len(ls) > 1}
    reviews = [r for t, r in by_text.items() if t not in conflicting]
    duplicates = sum(n - 1 for t, n in copies.items() if t not in conflicting)
    return Corpus(reviews, rows, empty, duplicates, len(conflicting))


def split(reviews: Sequence[Review]) -> tuple[list[Review], list[Review]]:
    """90 / 10 split, stratified by category and label, with the fixed seed."""
    strata = [f"{r.category}/{r.label}" for r in reviews]
    train, holdout = train_test_split(list(reviews), test_size=HOLDOUT_SHARE, random_state=SEED, stratify=strata)
    return train, holdout


def _document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)


@dataclass(frozen=True)
class Counts:
    """Raw counts of the feature blocks, computed once and reused for every fit."""

    char: sp.csr_matrix
    word: sp.csr_matrix
    cues: sp.csr_matrix

    def rows(self, index: np.ndarray) -> Counts:
        return Counts(self.char[index], self.word[index], self.cues[index])


def count(texts: Sequence[str], config: FeatureConfig) -> Counts:
    """Counts of the texts' features."""
    featurizer = Featurizer(config, *default_idf(config))
    return Counts(*featurizer.counts([normalize(t) for t in texts]))


def fit(counts: Counts, labels: np.ndarray, config: FeatureConfig, c: float) -> SentimentModel:
    """Fit idf and a logistic regression on the counted texts; return the serving model."""
    n = counts.char.shape[0]
    # The artifact stores idf as float16; train on the same rounded values the service will use.
    char_idf = smooth_idf(_document_frequency(counts.char), n).astype(np.float16).astype(np.float32)
    word_idf = smooth_idf(_document_frequency(counts.word), n).astype(np.float16).astype(np.float32)
    x = Featurizer(config, char_idf, word_idf).assemble(counts.char, counts.word, counts.cues)
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=SEED)
    clf.fit(x, labels)
    return SentimentModel(
        config=config,
        char_idf=char_idf,
        word_idf=word_idf,
        coef=clf.coef_.ravel().astype(np.float32),
        intercept=float(clf.intercept_[0]),
    )


def evaluate(model: SentimentModel, texts: Sequence[str], labels: Sequence[int]) -> dict[str, float]:
    """Accuracy, macro F1 and negative-class F1 of the model's sign on labelled texts."""
    predicted = (np.asarray(model.predict(texts)) > 0).astype(int)
    y = np.asarray(labels)
    return {
        "n": len(y),
        "accuracy": float(accuracy_score(y, predicted)),
        "f1_macro": float(f1_score(y, predicted, average="macro")),
        "f1_negative": float(f1_score(y, predicted, pos_label=0)),
    }


def throughput(model: SentimentModel, texts: Sequence[str], *, repeats: int = 3) -> dict[str, float]:
    """Texts per second of batch ``predict`` on one core, best of a few runs after a warm-up.

    Both per second of this process's CPU time (what one core does, whatever else runs on the
    machine) and per wall-clock second (lower when the machine is shared).
    """
    with threadpool_limits(limits=1):
        model.predict(list(texts[:200]))
        cpu, wall = float("inf"), float("inf")
        for _ in range(repeats):
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            model.predict(list(texts))
            cpu = min(cpu, time.process_time() - cpu_start)
            wall = min(wall, time.perf_counter() - wall_start)
    return {"per_cpu_second": round(len(texts) / cpu), "per_wall_second": round(len(texts) / wall)}


def choose_c(
    texts: Sequence[str], counts: Counts, labels: np.ndarray, config: FeatureConfig
) -> tuple[float, dict[str, float]]:
    """Pick C on a validation tenth of the training rows (the hold-out is not looked at)."""
    train_idx, val_idx = train_test_split(np.arange(len(texts)), test_size=0.1, random_state=SEED, stratify=labels)
    scores: dict[str, float] = {}
    for c in C_GRID:
        model = fit(counts.rows(train_idx), labels[train_idx], config, c)
        scores[str(c)] = evaluate(model, [texts[i] for i in val_idx], labels[val_idx])["accuracy"]
        log.info("C=%s validation accuracy %.4f", c, scores[str(c)])
    best = max(C_GRID, key=lambda c: scores[str(c)])
    return best, scores


def run(
    data: Path, *, config: FeatureConfig, use_seeds: bool, out: Path | None, c: float | None = None
) -> dict[str, Any]:
    """Train, evaluate, and (if ``out``) write the artifact; return the figures."""
    started = time.perf_counter()
    corpus = load_reviews(data)
    train, holdout = split(corpus.reviews)
    seeds = seed_examples() if use_seeds else []
    texts = [r.text for r in train] + [t for t, _ in seeds]
    labels = np.array([r.label for r in train] + [y for _, y in seeds])
    log.info("%d training texts (%d reviews + %d seeds), %d held out", len(texts), len(train), len(seeds), len(holdout))

    counts = count(texts, config)
    if c is None:
        c, c_scores = choose_c(texts, counts, labels, config)
    else:
        c_scores = {}
    model = fit(counts, labels, config, c)
    holdout_texts = [r.text for r in holdout]
    metrics = evaluate(model, holdout_texts, [r.label for r in holdout])
    per_category = {
        cat: evaluate(
            model, [r.text for r in holdout if r.category == cat], [r.label for r in holdout if r.category == cat]
        )["accuracy"]
        for cat in sorted({r.category for r in holdout})
    }
    ood = evaluate(model, [t for t, _, _ in OOD_EVAL], [y for _, y, _ in OOD_EVAL])
    ood_by_domain = {
        d: evaluate(model, [t for t, _, dd in OOD_EVAL if dd == d], [y for _, y, dd in OOD_EVAL if dd == d])["accuracy"]
        for d in sorted({d for _, _, d in OOD_EVAL})
    }
    ood_wrong = [
        t
        for (t, y, _), p in zip(OOD_EVAL, model.predict([t for t, _, _ in OOD_EVAL]), strict=True)
        if (p > 0) != (y == 1)
    ]
    speed = throughput(model, holdout_texts)
    figures: dict[str, Any] = {
        "data": {
            "rows_read": corpus.rows_read,
            "empty_dropped": corpus.empty,
            "duplicate_copies_dropped": corpus.duplicates,
            "conflicting_texts_dropped": corpus.conflicting,
            "reviews_used": len(corpus.reviews),
            "train_reviews": len(train),
            "holdout_reviews": len(holdout),
            "seed_sentences": len(seeds),
        },
        "features": config.to_dict(),
        "c": c,
        "c_validation_accuracy": c_scores,
        "holdout": metrics,
        "holdout_accuracy_by_category": per_category,
        "ood": ood,
        "ood_accuracy_by_domain": ood_by_domain,
        "ood_misclassified": ood_wrong,
        "throughput_texts_per_s_one_core": speed,
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    model.meta = {k: figures[k] for k in ("data", "c", "holdout", "ood")}
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(model.to_artifact(), out, compress=3)
        figures["artifact_bytes"] = out.stat().st_size
    return figures


_JIEBA_NOTE = (
    "jieba words are not model features: they add no measurable accuracy and cut throughput to about\n"
    "  2,800 texts/s, below the 5,000 target (see the table below). jieba still gives `tokens`."
)


def model_card(figures: dict[str, Any]) -> str:
    """The MODEL_CARD.md text for a training run's figures."""
    d = figures["data"]
    h = figures["holdout"]
    o = figures["ood"]
    f = figures["features"]
    cats = "\n".join(f"| {cat} | {acc:.4f} |" for cat, acc in figures["holdout_accuracy_by_category"].items())
    domains = "\n".join(f"| {dom} | {acc:.4f} |" for dom, acc in figures["ood_accuracy_by_domain"].items())
    wrong = "\n".join(f"- {t}" for t in figures["ood_misclassified"]) or "- (none)"
    size_mb = figures.get("artifact_bytes", 0) / 1e6
    speed = figures["throughput_texts_per_s_one_core"]
    c_scores = ", ".join(f"{c}: {acc:.4f}" for c, acc in figures["c_validation_accuracy"].items()) or "fixed"
    return f"""# Sentiment model card (triage text analysis)

How the service loads it: `services.triage.domain.analysis.default_model()` loads
`model/sentiment.joblib` (this folder, shipped in the package) once per process on first use and
shares it; call `analyse(text)` / `analyse_batch(texts)` or `default_model().predict(texts)`.

## What it does

Polarity of a customer's text in −1 … 1 (`2·P(positive) − 1`), for Chinese, English and mixed text:
product reviews, customer-service chat lines, social posts with emoji and @mentions, hotel and
food-delivery complaints. Intensity (0 … 1) is a rule on top (`intensity()` in `sentiment.py`):
the polarity's strength raised by intensifiers, strong words, `!!!`, `???`, ALL-CAPS words and
angry emoji. It is not learnt and is not evaluated here.

## Training data

1. **online_shopping_10_cats** from the ChineseNlpCorpus collection (SophonPlus): 62,774 Chinese
   e-commerce reviews in ten categories (books, tablets, phones, fruit, shampoo, water heaters,
   dairy, clothes, computers, hotels), labelled positive/negative. Collected online from unstated
   sources; no licence stated. Used for training and evaluation only; not copied into this repo.
2. **Hand-written seeds** (`services/triage/training/seeds.py`, written for this project): English
   complaints and praise and Chinese chat/social/hotel/food-delivery lines, combined by fixed
   templates with a seeded generator ({d["seed_sentences"]} sentences).
3. **Hand-written lexicons** (`services/triage/domain/analysis/lexicon.py`, written for this
   project): Chinese and English sentiment words that become `lex:*` features; their weights are
   learnt from 1 and 2.

No other data, no pretrained model.

## Preparation and split

Rows read: {d["rows_read"]:,}. Stray U+FEFF removed and whitespace stripped; {d["empty_dropped"]}
empty text dropped; {d["duplicate_copies_dropped"]} duplicate copies dropped (one copy kept);
{d["conflicting_texts_dropped"]} texts that appear with both labels dropped entirely. That leaves
{d["reviews_used"]:,} reviews: {d["train_reviews"]:,} for training and {d["holdout_reviews"]:,}
(10 %) held out, stratified by category × label, seed {SEED}. The seeds go to training only.

## Model

* Normalisation (`tokenize.normalize`): NFKC (full-width → half-width), lower case, URLs and
  @mentions replaced by tags, emoji (Unicode, Weibo `[怒]`, ASCII `:(`) replaced by one of ten
  class tags (angry, sad, disgust, down, meh, happy, love, laugh, up, other), runs of one character
  cut to three.
* Features (`features.py`, version {f["version"]}), three blocks side by side:
  character 1–{f["char_ngram_max"]}-grams of the normalised text without tags, hashed into
  2^{f["char_bits"]} slots; English words and word bigrams (a negator marks the next three words
  `not_…`){", jieba words and word bigrams" if f["jieba_words"] else ""}, hashed into 2^{f["word_bits"]}
  slots — both TF-IDF (sublinear tf, smoothed idf) and L2-normalised — and a cue block of
  `log(1 + count)` of Chinese/English lexicon hits (negated English ones apart) and of each emoji
  class. Links and @mentions are not features.
  {_JIEBA_NOTE if not f["jieba_words"] else ""}
* Logistic regression (liblinear, L2), C = {figures["c"]} picked on a validation tenth of the
  training rows (accuracy per C: {c_scores}).
* Artifact: plain arrays (idf as float16, coefficients as float32) and numbers in a joblib file,
  {size_mb:.1f} MB; loading needs no scikit-learn class (scikit-learn's `HashingVectorizer` is
  rebuilt from the stored settings).

## Results

Held-out rows ({h["n"]:,}): accuracy **{h["accuracy"]:.4f}**, macro F1 **{h["f1_macro"]:.4f}**,
negative-class F1 **{h["f1_negative"]:.4f}**.

| category | accuracy |
| --- | --- |
{cats}

Out-of-domain set (`services/triage/training/ood_eval.py`, {o["n"]} sentences written for this
project, never trained on): accuracy **{o["accuracy"]:.4f}**, macro F1 {o["f1_macro"]:.4f}.
The same person wrote the seeds and this set, so it is a kinder test than real traffic. The set
was written before the first training run, whose model scored 0.9828 on it; the feature changes
since (cue block, verdict-free seeds, links and @mentions dropped) were made for neutral questions
and links, not for this set, and cost two of its sentences.

| domain | accuracy |
| --- | --- |
{domains}

Misclassified out-of-domain sentences:

{wrong}

Throughput of batch `predict` on the held-out texts, one thread (threadpoolctl limit 1):
**{speed["per_cpu_second"]:,} texts per CPU-second** ({speed["per_wall_second"]:,} per wall-clock second on
the shared 2-core development machine). `bench/bench_classify.py` measures it again beside SnowNLP.

## Design choices measured during development

Each row is one `python -m services.triage.training.train_sentiment --dry-run --c 10 …` run on
the same split and the same code as the shipped model (throughput per CPU-second, one thread). On
6,271 held-out rows one standard error is about 0.3 points, and one out-of-domain sentence is 1.7
points, so only the seeds' effect on English and jieba's cost in speed are clear:

| variant (extra flags) | hold-out accuracy | out-of-domain accuracy (English) | texts/CPU-s |
| --- | --- | --- | --- |
| shipped settings (none) | 0.9289 | 0.9483 (1.000) | 9,536 |
| without the seeds (`--no-seeds`) | 0.9297 | 0.9310 (0.875) | 8,633 |
| plus jieba words and bigrams (`--jieba-words`) | 0.9287 | 0.9655 (1.000) | 2,839 |
| 2^20 character slots (`--char-bits 20`) | 0.9294 | 0.9655 (1.000) | 8,509 |
| character 1–4-grams (`--char-bits 20 --char-ngram-max 4`) | 0.9273 | 0.9655 (1.000) | 8,101 |

An earlier version of the features (lexicon hits inside the L2-normalised word block, no
verdict-free seeds) gained half a point of hold-out accuracy from jieba words (0.9333 against
0.9284); with the current cue block that gain is gone. Forward maximum matching over jieba's
dictionary, as a cheaper word segmentation, gave +0.15 points (0.9302) for 14 % less speed and
was dropped.

## Limits

* The labels are scraped star ratings; some are wrong, which caps accuracy.
* English rests on a few thousand templated seed sentences and a word list: it handles plain
  complaints and praise, not sarcasm or long reviews.
* Sarcasm ("谢谢你们的好服务，让我等了一周") and mixed verdicts ("quality fine but delivery slow")
  get unreliable polarity.
* Polarity near 0 means "unsure" as much as "neutral".

## Reproduce

`make train` (i.e. `python -m services.triage.training.train_sentiment`, optionally
`--data PATH`). Fixed seeds: training is deterministic on the same library versions; the whole
run took {figures["training_seconds"]} s here.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="online_shopping_10_cats.csv")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the artifact")
    parser.add_argument("--jieba-words", action="store_true", help="add jieba word features (slower)")
    parser.add_argument("--no-seeds", action="store_true", help="train on the reviews only (ablation)")
    parser.add_argument("--dry-run", action="store_true", help="report figures, write nothing")
    parser.add_argument("--c", type=float, default=None, help="fixed C instead of the validation search")
    parser.add_argument("--char-bits", type=int, default=FeatureConfig.char_bits)
    parser.add_argument("--word-bits", type=int, default=FeatureConfig.word_bits)
    parser.add_argument("--char-ngram-max", type=int, default=FeatureConfig.char_ngram_max)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("jieba").setLevel(logging.WARNING)
    if not args.data.is_file():
        print(f"training data not found: {args.data}", file=sys.stderr)
        return 2
    config = FeatureConfig(
        jieba_words=args.jieba_words,
        char_bits=args.char_bits,
        word_bits=args.word_bits,
        char_ngram_max=args.char_ngram_max,
    )
    out = None if args.dry_run else args.out
    figures = run(args.data, config=config, use_seeds=not args.no_seeds, out=out, c=args.c)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if out is not None and out == MODEL_PATH:
        MODEL_CARD.write_text(model_card(figures), encoding="utf-8")
        log.info("wrote %s and %s", out, MODEL_CARD)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
