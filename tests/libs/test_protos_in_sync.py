"""Generated code must be exactly what protos/ produces today."""

from pathlib import Path

from libs.protogen import DEFAULT_OUT, generate


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_code_matches_protos(tmp_path: Path) -> None:
    generate(tmp_path)
    fresh, committed = _tree(tmp_path), _tree(DEFAULT_OUT)
    assert sorted(fresh) == sorted(committed), "run `make protos`: generated files differ in name"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"run `make protos`: these generated files are stale: {stale}"
