"""Generates the Python protobuf and gRPC code (with .pyi stubs) from protos/."""

from __future__ import annotations

import sys
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
DEFAULT_OUT = ROOT / "libs" / "proto"


def proto_files() -> list[Path]:
    """Every .proto file under protos/, sorted so output is deterministic."""
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out_dir: Path = DEFAULT_OUT) -> None:
    """Writes *_pb2.py, *_pb2.pyi and *_pb2_grpc.py for every proto into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p.relative_to(PROTO_ROOT)) for p in proto_files()]
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed")
    # Packages need __init__.py so setuptools and mypy see them.
    for pkg in {p.parent for p in out_dir.rglob("*_pb2.py")}:
        cur = pkg
        while cur != out_dir:
            (cur / "__init__.py").touch()
            cur = cur.parent


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
