"""The input folder scan: every entry gets a row and a fate."""
import json
import os
from datetime import date

import pytest

from flows.inventory import scan


@pytest.fixture
def folder(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    return inbox


def test_good_files_are_processed_with_hash_and_encoding(folder):
    (folder / "a.txt").write_bytes("绿色发展论坛在天津举行。".encode("gb18030"))
    (folder / "b.txt").write_text("新能源产业园开工。", encoding="utf-8")
    inv = scan(folder, 1_000_000)
    assert inv["source_file"].to_list() == ["a.txt", "b.txt"]
    assert inv["status"].to_list() == ["processed", "processed"]
    assert inv["encoding"].to_list() == ["gb18030", "utf-8"]
    assert all(len(h) == 64 for h in inv["sha256"].to_list())


def test_bad_files_are_quarantined_with_reasons(folder, tmp_path):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "big.txt").write_bytes("大".encode() * 400)
    outside = tmp_path / "secret.txt"
    outside.write_text("不该读到", encoding="utf-8")
    os.symlink(outside, folder / "link.txt")
    inv = scan(folder, 1000)
    reasons = dict(zip(inv["source_file"], inv["reason"]))
    assert set(inv["status"]) == {"quarantined"}
    assert reasons["empty.txt"] == "empty file (0 bytes)"
    assert reasons["image.txt"] == "binary file (PNG image)"
    assert reasons["big.txt"] == "too large: 1,200 bytes, over the 1,000-byte limit (GREENWIRE_MAX_FILE_BYTES)"
    assert reasons["link.txt"] == f"symlink points outside the input folder ({outside})"


def test_sidecar_metadata_is_applied_and_accounted_for(folder):
    (folder / "a.txt").write_text("正文。", encoding="utf-8")
    (folder / "a.txt.meta.json").write_text(
        json.dumps({"published_on": "2025-09-19", "url": "https://example.cn/a", "source": "某报"}), encoding="utf-8"
    )
    inv = scan(folder, 1_000_000)
    rows = {r["source_file"]: r for r in inv.iter_rows(named=True)}
    assert rows["a.txt"]["meta_published_on"] == date(2025, 9, 19)
    assert (rows["a.txt"]["meta_url"], rows["a.txt"]["meta_source"]) == ("https://example.cn/a", "某报")
    assert (rows["a.txt.meta.json"]["status"], rows["a.txt.meta.json"]["reason"]) == (
        "skipped", "metadata sidecar of a.txt")


def test_missing_input_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        scan(tmp_path / "nope", 1000)
