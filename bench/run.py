"""`make bench`: run every bench/bench_*.py, then merge their results into bench/results/latest.json.

Each benchmark is its own process (a fresh system, nothing shared), bounded in time, writing
bench/results/<name>.json. This runner adds the machine (cores, Python, key package versions) and
prints one table.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PACKAGES = ("grpcio", "fastapi", "uvicorn", "SQLAlchemy", "asyncpg", "scikit-learn", "protobuf")


def machine() -> dict[str, object]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {p: metadata.version(p) for p in PACKAGES},
    }


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    scripts = sorted(p for p in (ROOT / "bench").glob("bench_*.py") if not only or p.stem in only)
    runs = {}
    for script in scripts:
        started = time.monotonic()
        print(f"== {script.stem}", flush=True)
        proc = subprocess.run([sys.executable, "-m", f"bench.{script.stem}"], cwd=ROOT, timeout=1200)
        runs[script.stem] = {"exit_code": proc.returncode, "seconds": round(time.monotonic() - started, 1)}
    merged: dict[str, object] = {"machine": machine(), "runs": runs, "results": {}}
    # Only this run's results: a benchmark not run now keeps its older file, marked by its measured_at.
    for path in sorted(RESULTS.glob("*.json")):
        if path.name != "latest.json":
            merged["results"][path.stem] = json.loads(path.read_text())  # type: ignore[index]
    merged["headline"] = headline(merged["results"])  # type: ignore[arg-type]
    (RESULTS / "latest.json").write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "latest.md").write_text(headline_markdown(merged) + "\n")
    print(table(merged["results"]))  # type: ignore[arg-type]
    print(headline_markdown(merged))
    return 0 if all(r["exit_code"] == 0 for r in runs.values()) else 1


GRPC_UNARY = ("grpc_baseline", "figures.unary_echo_32_in_flight.calls_per_second", "bare grpc.aio unary echo calls/s")
GRPC_STREAM = ("grpc_baseline", "figures.client_stream_one.messages_per_second", "bare grpc.aio client-stream msgs/s")
PG_INSERT = ("grpc_baseline", "figures.asyncpg_insert_32_connections.rows_per_second", "bare asyncpg INSERT rows/s")
REST_INSERT = (
    "ingest",
    "figures.baselines.bare_fastapi_asyncpg_insert.per_second",
    "bare FastAPI + asyncpg INSERT req/s",
)

# (figure, where it is, target, its baseline): every throughput beside the bare path it is built on.
HEADLINE: list[tuple[str, tuple[str, str], str, tuple[str, str, str] | None]] = [
    (
        "REST single-item ingest, items/s",
        ("ingest", "figures.rest_single_item.per_second"),
        ">= 0.40 x baseline",
        REST_INSERT,
    ),
    (
        "REST batch ingest (100/call), items/s",
        ("ingest", "figures.rest_batch_100.items_per_second"),
        ">= 5,000",
        REST_INSERT,
    ),
    (
        "partner stream, events/s (1 stream)",
        ("partner_stream", "figures.events_per_s_one_stream"),
        ">= 5,000",
        GRPC_STREAM,
    ),
    (
        "partner stream, events/s (8 streams)",
        ("partner_stream", "figures.events_per_s_8_streams"),
        ">= 5,000",
        GRPC_STREAM,
    ),
    ("payouts/s (distinct keys)", ("compensation", "figures.payouts_per_s_distinct_keys"), ">= 1,000", GRPC_UNARY),
    ("payouts/s (distinct keys)", ("compensation", "figures.payouts_per_s_distinct_keys"), ">= 1,000", PG_INSERT),
    ("attributions/s (single calls)", ("supplier_audit", "figures.attributions_per_s"), ">= 2,000", GRPC_UNARY),
    ("attributions/s (batched calls)", ("supplier_audit", "figures.batched_attributions_per_s"), ">= 2,000", PG_INSERT),
    ("evidence appends/s (batched)", ("evidence", "figures.appends_per_s_batched"), ">= 5,000", PG_INSERT),
    (
        "evidence appends/s (single, 64 clients)",
        ("evidence", "figures.appends_per_s_single_64_clients_grouped"),
        "",
        GRPC_UNARY,
    ),
    ("log verification, entries/s", ("evidence", "figures.verify_log_entries_per_s_hash_walk"), ">= 200,000", None),
    ("inclusion proof at 1M entries, ms p50", ("evidence", "figures.inclusion_proof_ms_p50_at_1m_grpc"), "< 5", None),
    (
        "classification, texts/s (one core)",
        ("classify", "models.0.throughput_one_core.texts_per_cpu_s"),
        ">= 5,000",
        None,
    ),
    ("classification accuracy (hold-out)", ("classify", "models.0.holdout.accuracy"), "> SnowNLP", None),
    ("SnowNLP accuracy (same hold-out)", ("classify", "models.1.holdout.accuracy"), "", None),
    (
        "submit -> case p99 at 500/s, ms",
        ("latency", "figures.at_500_per_second.submit_to_case.p99_ms"),
        "< 1,000",
        None,
    ),
    (
        "submit -> alert p99 at 500/s, ms",
        ("latency", "figures.at_500_per_second.submit_to_alert.p99_ms"),
        "< 1,000",
        None,
    ),
    ("flash payout p99 (case -> paid), ms", ("compensation", "figures.flash_latency_ms_p99"), "< 2,000", None),
    ("case read p99, ms", ("ingest", "figures.rest_case_read.p99_ms"), "", None),
    ("heatmap category x hour (1M cases) p99, ms", ("heatmap", "figures.category_x_hour_30d.p99_ms"), "< 100", None),
    ("scorecard max, ms", ("supplier_audit", "figures.scorecard_ms_max"), "< 1,000", None),
    ("weekly report worst, ms", ("supplier_audit", "figures.report_ms_worst"), "< 1,000", None),
]


def _at(doc: object, path: str) -> object:
    for part in path.split("."):
        if isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        elif isinstance(doc, dict) and part in doc:
            doc = doc[part]
        else:
            return None
    return doc


def headline(results: dict[str, dict]) -> list[dict[str, object]]:  # type: ignore[type-arg]
    rows: list[dict[str, object]] = []
    for figure, (bench, path), target, baseline in HEADLINE:
        value = _at(results.get(bench), path)
        row: dict[str, object] = {"figure": figure, "value": value, "target": target, "source": f"{bench}:{path}"}
        if baseline is not None:
            base = _at(results.get(baseline[0]), baseline[1])
            row.update({"baseline": baseline[2], "baseline_value": base})
            if isinstance(value, int | float) and isinstance(base, int | float) and base:
                row["ratio"] = round(value / base, 3)
        rows.append(row)
    return rows


def headline_markdown(merged: dict[str, object]) -> str:
    m = merged["machine"]
    lines = [
        f"Machine: {m['cores']} cores, Python {m['python']}, {m['platform']}",  # type: ignore[index]
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),  # type: ignore[index]
        "",
        "| figure | value | target | baseline (same run) | baseline value | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in merged["headline"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {r['figure']} | {_fmt(r['value'])} | {r['target']} | {r.get('baseline', '')} | "
            f"{_fmt(r.get('baseline_value'))} | {_fmt(r.get('ratio'))} |"
        )
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(results: dict[str, dict]) -> str:  # type: ignore[type-arg]
    lines = [f"{'benchmark':<22} {'figure':<48} value"]
    for name, result in results.items():
        for key, value in _flatten(result.get("figures", result)):
            lines.append(f"{name:<22} {key:<48} {value}")
    return "\n".join(lines)


def _flatten(obj: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(obj, dict):
        out: list[tuple[str, object]] = []
        for k, v in obj.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return [(prefix, obj)]


if __name__ == "__main__":
    sys.exit(main())
