"""Bad input, one case per test, in one real run: each file is quarantined with its reason (and
copied into warehouse/quarantine/ where that is safe) or handled, and the run still publishes."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from flows import inventory
from flows.pipeline import greenwire_flow
from flows.publish import open_views

pytestmark = pytest.mark.e2e

NEWS = "国家能源局发布通知，天津市新建光伏电站装机容量达到120万千瓦。\n"
BAD_NAMES = {
    "spaces": "green news 2025 09.txt",
    "unicode": "绿色发展·新闻（天津）.txt",
    "dots": "..report..v2.txt",
}


@pytest.fixture(scope="module")
def run(prefect_harness, tmp_path_factory, seeds):
    """One run over the seeds plus every bad case; returns (summary, files by name, warehouse)."""
    root = tmp_path_factory.mktemp("bad-input")
    inbox = Path(shutil.copytree(seeds, root / "in"))
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (inbox / "invalid.txt").write_bytes(b"report " + bytes(range(0x80, 0x100)) * 8)
    (inbox / "mixed.txt").write_bytes(NEWS.encode("utf-8") * 3 + NEWS.encode("gbk") * 3)
    with (inbox / "huge.txt").open("wb") as fh:  # 50 MB, sparse: nothing is read
        fh.truncate(50 * 1024 * 1024)
    for name in BAD_NAMES.values():
        (inbox / name).write_text(NEWS, encoding="utf-8")
    (root / "secret.txt").write_text("不该读到的内容。", encoding="utf-8")
    os.symlink(root / "secret.txt", inbox / "outside.txt")
    (inbox / "folder.txt").mkdir()
    (inbox / "folder.txt" / "inside.txt").write_text(NEWS, encoding="utf-8")
    (inbox / "vanishing.txt").write_text(NEWS, encoding="utf-8")

    listed = inventory._walk

    def walk_then_delete(folder):
        # The file is listed, then deleted before it is read: what a writer racing the scan does.
        for path in listed(folder):
            if path.name == "vanishing.txt":
                path.unlink()
            yield path

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inventory, "_walk", walk_then_delete)
        summary = greenwire_flow(input_dir=str(inbox), warehouse_dir=str(root / "warehouse"))
    files = {r["source_file"]: r for r in summary.files.iter_rows(named=True)}
    return summary, files, root / "warehouse", inbox


def _quarantine(warehouse_dir: Path) -> dict[str, dict]:
    manifest = json.loads((warehouse_dir / "quarantine" / "manifest.json").read_text(encoding="utf-8"))
    return {entry["source_file"]: entry for entry in manifest["files"]}


def _assert_quarantined(run, name: str, reason: str, copied: bool) -> None:
    _, files, warehouse_dir, inbox = run
    assert (files[name]["status"], files[name]["reason"]) == ("quarantined", reason)
    entry = _quarantine(warehouse_dir)[name]
    assert entry["reason"] == reason
    if copied:
        assert (warehouse_dir / "quarantine" / entry["copy"]).read_bytes() == (inbox / name).read_bytes()
    else:
        assert entry["copy"] is None and entry["note"]
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb"), read_only=True) as con:
        assert con.execute("select status, reason from raw.files where source_file = ?", [name]).fetchone() == (
            "quarantined", reason)


def test_every_entry_is_accounted_for_and_the_run_publishes(run, seeds):
    summary, files, warehouse_dir, inbox = run
    expected = {p.relative_to(inbox).as_posix() for p in inbox.rglob("*")} | {"vanishing.txt"}
    assert set(files) == expected
    assert all(row["status"] in {"processed", "quarantined", "skipped"} for row in files.values())
    assert all(row["reason"] for row in files.values() if row["status"] != "processed")
    assert (warehouse_dir / "publish" / "current" / "manifest.json").exists()
    assert summary.published == (warehouse_dir / "publish" / "current").resolve()


def test_empty_file(run):
    _assert_quarantined(run, "empty.txt", "empty file (0 bytes)", copied=True)


def test_binary_png_bytes(run):
    _assert_quarantined(run, "image.txt", "binary file (PNG image)", copied=True)


def test_invalid_encoding(run):
    _assert_quarantined(run, "invalid.txt", "undecodable: not UTF-8 (invalid byte at 7), GB18030 or Big5",
                        copied=True)


def test_mixed_encoding(run):
    at = len(NEWS.encode("utf-8")) * 3
    _assert_quarantined(run, "mixed.txt", f"mixed encodings: UTF-8 Chinese text up to byte {at}, then bytes that "
                        "are not UTF-8 (no single encoding reads the whole file)", copied=True)


def test_fifty_megabyte_file(run):
    _assert_quarantined(run, "huge.txt", "too large: 52,428,800 bytes, over the 20,000,000-byte limit "
                        "(GREENWIRE_MAX_FILE_BYTES)", copied=False)


@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_odd_file_names_are_processed_under_their_own_name(run, case):
    summary, files, _, _ = run
    name = BAD_NAMES[case]
    assert (files[name]["status"], files[name]["action"]) == ("processed", "extract")
    with open_views(summary.published) as con:
        assert con.execute("select count(*) from documents where source_file = ?", [name]).fetchone()[0] == 1


def test_symlink_pointing_outside_the_input_folder(run):
    target = run[3].parent / "secret.txt"
    _assert_quarantined(run, "outside.txt", f"symlink points outside the input folder ({target})", copied=False)
    assert not any(b"\xe4\xb8\x8d\xe8\xaf\xa5" in p.read_bytes()  # 不该: the target's text was never copied
                   for p in (run[2] / "quarantine" / "files").iterdir())


def test_file_that_disappears_mid_run(run):
    _assert_quarantined(run, "vanishing.txt", "disappeared before it could be read", copied=False)


def test_directory_named_like_a_file(run):
    _, files, _, _ = run
    assert (files["folder.txt"]["status"], files["folder.txt"]["reason"]) == (
        "skipped", "a folder named like a file; the files inside it are scanned")
    assert files["folder.txt/inside.txt"]["status"] == "processed"
