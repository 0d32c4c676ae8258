"""Sentiment classification benchmark: our model beside SnowNLP on the same held-out rows.

    python bench/bench_classify.py [--data PATH] [--out bench/results/classify.json]

Throughput is batch ``predict`` on one core (BLAS/OpenMP pools limited to one thread), per second of
the process's CPU time and per wall-clock second (the latter drops when the machine is shared). SnowNLP is
imported only here and only if installed (``pip install snownlp``); without it our figures alone
are reported.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, f1_score
from threadpoolctl import threadpool_limits

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from services.triage.domain.analysis import default_model  # noqa: E402
from services.triage.training.ood_eval import OOD_EVAL  # noqa: E402
from services.triage.training.train_sentiment import DEFAULT_DATA, load_reviews, split  # noqa: E402

DEFAULT_OUT = REPO_ROOT / "bench" / "results" / "classify.json"


def _scores(labels: Sequence[int], predicted: Sequence[int]) -> dict[str, float]:
    y, p = np.asarray(labels), np.asarray(predicted)
    return {
        "accuracy": round(float(accuracy_score(y, p)), 4),
        "f1_macro": round(float(f1_score(y, p, average="macro")), 4),
        "f1_negative": round(float(f1_score(y, p, pos_label=0)), 4),
    }


def _timed(fn: Callable[[], list[int]]) -> tuple[list[int], float, float]:
    """Result, CPU seconds of this process, wall-clock seconds."""
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - cpu_start, time.perf_counter() - wall_start


def _speed(n: int, runs: Sequence[tuple[float, float]]) -> dict[str, Any]:
    cpu = min(c for c, _ in runs)
    wall = min(w for _, w in runs)
    return {
        "texts_per_cpu_s": round(n / cpu),
        "texts_per_wall_s": round(n / wall),
        "runs_cpu_wall_s": [[round(c, 3), round(w, 3)] for c, w in runs],
    }


def bench_ours(texts: Sequence[str], labels: Sequence[int], ood: Sequence[tuple[str, int]]) -> dict[str, Any]:
    model = default_model()
    with threadpool_limits(limits=1):
        model.predict(list(texts[:200]))  # warm-up: jieba and caches
        runs = []
        for _ in range(3):
            predicted, cpu, wall = _timed(lambda: [int(p > 0) for p in model.predict(list(texts))])
            runs.append((cpu, wall))
    ood_pred = [int(p > 0) for p in model.predict([t for t, _ in ood])]
    return {
        "name": "kintsugi hashed char n-gram + lexicon logistic regression",
        "holdout": _scores(labels, predicted),
        "throughput_one_core": _speed(len(texts), runs),
        "ood_zh": _scores([y for _, y in ood], ood_pred),
    }


def bench_snownlp(texts: Sequence[str], labels: Sequence[int], ood: Sequence[tuple[str, int]]) -> dict[str, Any]:
    try:
        from snownlp import SnowNLP  # type: ignore[import-not-found]
    except ImportError:
        return {"name": "SnowNLP", "available": False, "reason": "snownlp is not installed (pip install snownlp)"}

    def classify(batch: Sequence[str]) -> list[int]:
        return [int(SnowNLP(t).sentiments > 0.5) for t in batch]

    with threadpool_limits(limits=1):
        classify(texts[:20])
        predicted, cpu, wall = _timed(lambda: classify(texts))
    return {
        "name": "SnowNLP",
        "available": True,
        "version": _version("snownlp"),
        "holdout": _scores(labels, predicted),
        "throughput_one_core": _speed(len(texts), [(cpu, wall)]),
        "ood_zh": _scores([y for _, y in ood], classify([t for t, _ in ood])),
        "note": "SnowNLP's own training files contain about 9,000 rows of this data set, "
        "so its hold-out accuracy is optimistic",
    }


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def _table(results: dict[str, Any]) -> str:
    rows = [("model", "hold-out acc", "F1 macro", "F1 neg", "OOD zh acc", "texts/CPU-s", "texts/wall-s")]
    for r in results["models"]:
        if r.get("available", True):
            h, o = r["holdout"], r["ood_zh"]
            rows.append(
                (
                    r["name"],
                    f"{h['accuracy']:.4f}",
                    f"{h['f1_macro']:.4f}",
                    f"{h['f1_negative']:.4f}",
                    f"{o['accuracy']:.4f}",
                    f"{r['throughput_one_core']['texts_per_cpu_s']:,}",
                    f"{r['throughput_one_core']['texts_per_wall_s']:,}",
                )
            )
        else:
            rows.append((r["name"], "—", "—", "—", "—", "—", r["reason"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sentiment classification benchmark")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--skip-snownlp", action="store_true")
    args = parser.parse_args(argv)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    if not args.data.is_file():
        print(f"data not found: {args.data}", file=sys.stderr)
        return 2
    corpus = load_reviews(args.data)
    _, holdout = split(corpus.reviews)
    texts = [r.text for r in holdout]
    labels = [r.label for r in holdout]
    ood_zh = [(t, y) for t, y, domain in OOD_EVAL if domain != "en"]

    models = [bench_ours(texts, labels, ood_zh)]
    if args.skip_snownlp:
        models.append({"name": "SnowNLP", "available": False, "reason": "skipped (--skip-snownlp)"})
    else:
        models.append(bench_snownlp(texts, labels, ood_zh))
    results = {
        "benchmark": "sentiment classification on the 10 % hold-out of online_shopping_10_cats",
        "holdout_rows": len(texts),
        "ood_zh_rows": len(ood_zh),
        "python": platform.python_version(),
        "scikit_learn": sklearn.__version__,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "models": models,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(_table(results))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
