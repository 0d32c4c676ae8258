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
    for path in sorted(RESULTS.glob("*.json")):
        if path.name != "latest.json":
            merged["results"][path.stem] = json.loads(path.read_text())  # type: ignore[index]
    (RESULTS / "latest.json").write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    print(table(merged["results"]))  # type: ignore[arg-type]
    return 0 if all(r["exit_code"] == 0 for r in runs.values()) else 1


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
