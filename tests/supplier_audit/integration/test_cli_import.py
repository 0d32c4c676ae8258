"""`kintsugi suppliers import FILE` against the running service: whole files in, bad files refused whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from libs.cli import main
from tests.harness import new_shop
from tests.supplier_audit.fixtures import count_rows, snapshot_rows


async def kintsugi(*argv: str) -> int:
    # The CLI runs its own event loop, so it gets a thread of its own.
    return await asyncio.to_thread(main, list(argv))


async def test_import_files_in_order_then_a_bad_file_changes_nothing(
    sa_system, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = new_shop()
    target = sa_system.endpoints.supplier_audit_target
    files = {
        "suppliers": 'supplier_id,name,contact\nS1,Acme Kitchen,"Li, 138-0000"\nS2,Bright Toys,\n',
        "skus": "sku,supplier_id,product_line\nSKU-1,S1,kitchen\nSKU-2,S2,toys\n",
        "batches": (
            "batch_id,sku,supplier_id,produced_at\nB-1,SKU-1,S1,2026-11-02T08:00:00+08:00\nB-2,SKU-2,S2,2026-11-03\n"
        ),
        "volumes": "sku,date,orders\nSKU-1,2026-11-02,120\nSKU-1,2026-11-03,80\nSKU-2,2026-11-03,5\n",
    }
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        assert await kintsugi("suppliers", "import", str(path), "--shop", shop, "--kind", kind, "--target", target) == 0
    assert "imported 3 volumes row(s)" in capsys.readouterr().out
    before = await snapshot_rows(sa_system, shop)
    assert (before["suppliers"], before["sku_map"], before["batches"], before["order_volumes"]) == (2, 2, 2, 3)

    bad = tmp_path / "bad.csv"
    bad.write_text("sku,supplier_id,product_line\nSKU-3,S1,kitchen\nSKU-4,S404,garden\nSKU 5,S1,\n", encoding="utf-8")
    code = await kintsugi("suppliers", "import", str(bad), "--shop", shop, "--kind", "skus", "--target", target)
    assert code == 1
    err = capsys.readouterr().err
    assert "csv:row 4:sku" in err and "csv:row 4:product_line" in err
    assert await snapshot_rows(sa_system, shop) == before
    # Every row well formed, one reference unknown: refused whole as well.
    bad.write_text("sku,supplier_id,product_line\nSKU-3,S1,kitchen\nSKU-4,S404,garden\n", encoding="utf-8")
    assert await kintsugi("suppliers", "import", str(bad), "--shop", shop, "--kind", "skus", "--target", target) == 1
    assert "csv:row 3:supplier_id: unknown supplier 'S404'" in capsys.readouterr().err
    assert await count_rows(sa_system, "sku_map", shop) == 2


async def test_unreachable_service_and_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.csv"
    path.write_text("supplier_id,name\nS1,Acme\n", encoding="utf-8")
    assert await kintsugi("suppliers", "import", str(tmp_path / "nope.csv"), "--shop", "shop-x") == 2
    from tests.harness import free_port

    assert (
        await kintsugi("suppliers", "import", str(path), "--shop", "shop-x", "--target", f"127.0.0.1:{free_port()}")
        == 2
    )
    assert "not reachable" in capsys.readouterr().err
