"""The input folder scan: every entry gets a row and a fate."""

import json
import os
import threading
from datetime import date

import polars as pl
import pytest
from pages import news_page

from flows.ops.inventory import FolderConflict, check_folders, read_ahead, scan


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
        "skipped",
        "metadata sidecar of a.txt",
    )


def test_missing_input_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        scan(tmp_path / "nope", 1000)


def test_hidden_and_tool_folders_are_listed_not_scanned(folder):
    for name in (".git", ".prefect", "__pycache__", "node_modules", "2025"):
        (folder / name).mkdir()
        (folder / name / "x.txt").write_text("绿色发展论坛在天津举行。", encoding="utf-8")
    inv = scan(folder, 1_000_000)
    rows = dict(zip(inv["source_file"], zip(inv["status"], inv["reason"])))
    assert rows == {
        ".git": ("skipped", "hidden or tool folder: not scanned"),
        ".prefect": ("skipped", "hidden or tool folder: not scanned"),
        "__pycache__": ("skipped", "hidden or tool folder: not scanned"),
        "node_modules": ("skipped", "hidden or tool folder: not scanned"),
        "2025/x.txt": ("processed", None),
    }


@pytest.mark.parametrize(
    ("input_dir", "warehouse_dir", "message"),
    [
        (
            "in",
            "in/warehouse",
            "the input folder {in} contains the warehouse {in}/warehouse: a run would read its "
            "own output; put the warehouse outside the input folder (--warehouse)",
        ),
        (
            "wh/in",
            "wh",
            "the warehouse {wh} contains the input folder {wh}/in; put the input folder outside the "
            "warehouse (--input)",
        ),
        (
            "in",
            "in",
            "the input folder and the warehouse are the same folder ({in}); give the warehouse a folder "
            "of its own (--warehouse)",
        ),
    ],
    ids=["warehouse-inside-input", "input-inside-warehouse", "same-folder"],
)
def test_overlapping_input_and_warehouse_are_refused(tmp_path, input_dir, warehouse_dir, message):
    (tmp_path / input_dir).mkdir(parents=True)
    expected = message.format(**{"in": tmp_path / "in", "wh": tmp_path / "wh"})
    with pytest.raises(FolderConflict) as refused:
        check_folders(tmp_path / input_dir, tmp_path / warehouse_dir)
    assert str(refused.value) == expected


def test_separate_folders_pass(tmp_path):
    check_folders(tmp_path / "in", tmp_path / "warehouse")


@pytest.mark.parametrize(
    "sidecar",
    ['{"source": {"name": "x"}}', '{"url": ["a", "b"]}', '{"published_on": 2025}'],
    ids=["object", "list", "number"],
)
def test_a_bad_sidecar_is_quarantined_and_its_file_processed_without_it(folder, sidecar):
    (folder / "a.txt").write_text("正文。", encoding="utf-8")
    (folder / "a.txt.meta.json").write_text(sidecar, encoding="utf-8")
    rows = {r["source_file"]: r for r in scan(folder, 1_000_000).iter_rows(named=True)}
    assert (rows["a.txt"]["status"], rows["a.txt"]["meta_source"], rows["a.txt"]["meta_url"]) == (
        "processed",
        None,
        None,
    )
    assert rows["a.txt.meta.json"]["status"] == "quarantined"
    assert rows["a.txt.meta.json"]["reason"].startswith("invalid metadata sidecar (a.txt processed without it): ")


def test_a_sidecar_date_out_of_window_is_dropped_with_a_note_in_its_row(folder):
    (folder / "a.txt").write_text("正文。", encoding="utf-8")
    (folder / "a.txt.meta.json").write_text('{"published_on": "2099-12-31", "source": "某报"}', encoding="utf-8")
    rows = {r["source_file"]: r for r in scan(folder, 1_000_000, today=date(2026, 1, 1)).iter_rows(named=True)}
    assert (rows["a.txt"]["meta_published_on"], rows["a.txt"]["meta_source"]) == (None, "某报")
    assert rows["a.txt.meta.json"]["reason"] == (
        "metadata sidecar of a.txt; published_on 2099-12-31 dropped: outside 1990-01-01..2026-01-02"
    )


@pytest.mark.parametrize("name", ["page.html", "page.txt", "page"])
def test_html_is_read_as_a_page_whatever_its_name(folder, name):
    paragraphs = ["9月19日，天津生态城绿色建筑示范项目正式开工，项目总投资12亿元。", "项目采用光伏建筑一体化技术。"]
    (folder / name).write_text(news_page("生态城示范项目开工", paragraphs), encoding="utf-8")
    row = scan(folder, 1_000_000, today=date(2026, 1, 1)).row(0, named=True)
    assert (row["status"], row["format"], row["text"]) == (
        "processed",
        "html",
        "生态城示范项目开工\n\n" + "\n".join(paragraphs),
    )
    assert (row["meta_published_on"], row["meta_url"], row["meta_source"]) == (
        date(2025, 9, 20),
        "https://news.example.cn/green/c_1130.html",
        "绿色网",
    )


def test_a_sidecar_wins_over_the_page_metadata(folder):
    (folder / "a.html").write_text(news_page("生态城示范项目开工", ["项目正式开工，总投资12亿元。"]), encoding="utf-8")
    (folder / "a.html.meta.json").write_text('{"source": "天津日报"}', encoding="utf-8")
    row = scan(folder, 1_000_000, today=date(2026, 1, 1)).row(0, named=True)
    assert (row["meta_source"], row["meta_published_on"]) == ("天津日报", date(2025, 9, 20))


def test_a_file_with_its_known_size_and_time_keeps_its_known_hash_without_being_read(folder):
    from flows.ops.inventory import list_files

    (folder / "same.txt").write_text("新能源产业园开工。", encoding="utf-8")
    (folder / "touched.txt").write_text("绿色发展论坛在天津举行。", encoding="utf-8")
    first = list_files(folder, 1_000_000)
    # What an earlier run recorded; "recorded" stands for a hash this listing could only have taken from it.
    known = first.with_columns(sha256=pl.lit("recorded" * 8))
    later = os.stat(folder / "touched.txt").st_mtime_ns + 5_000_000_000
    os.utime(folder / "touched.txt", ns=(later, later))  # same size and bytes, new time: read again
    again = list_files(folder, 1_000_000, known=known)
    assert dict(again.select("source_file", "sha256").iter_rows()) == {
        "same.txt": "recorded" * 8,
        "touched.txt": first.filter(pl.col("source_file") == "touched.txt")["sha256"][0],
    }
    (folder / "same.txt").write_text("新能源产业园开工了", encoding="utf-8")  # new bytes: new time (and size)
    assert (
        list_files(folder, 1_000_000, known=known).filter(pl.col("source_file") == "same.txt")["sha256"][0]
        != "recorded" * 8
    )


def test_new_and_resized_files_are_hashed_when_their_batch_reads_them_not_when_listed(folder):
    from flows.ops.inventory import list_files, read_batch

    (folder / "kept.txt").write_text("新能源产业园开工。", encoding="utf-8")
    (folder / "grown.txt").write_text("绿色发展论坛在天津举行。", encoding="utf-8")
    known = list_files(folder, 1_000_000).filter(pl.col("source_file") != "new.txt")
    (folder / "new.txt").write_text("光伏电站并网发电。", encoding="utf-8")
    (folder / "grown.txt").write_text("绿色发展论坛在天津举行，多方签约。", encoding="utf-8")
    listed = list_files(folder, 1_000_000, known=known)
    hashes = dict(listed.select("source_file", "sha256").iter_rows())
    assert hashes["kept.txt"] == known.filter(pl.col("source_file") == "kept.txt")["sha256"][0]
    assert hashes["new.txt"] is None and hashes["grown.txt"] is None  # changed whatever their bytes: read once
    read = dict(read_batch(listed, folder.resolve()).select("source_file", "sha256").iter_rows())
    assert read == dict(list_files(folder, 1_000_000).select("source_file", "sha256").iter_rows())


def test_an_input_folder_given_by_a_symlink_lists_the_names_the_folder_gives(folder, tmp_path):
    (folder / "sub").mkdir()
    (folder / "sub" / "a.txt").write_text("新能源产业园开工。", encoding="utf-8")
    (folder / "b.txt").write_text("绿色发展论坛在天津举行。", encoding="utf-8")
    (tmp_path / "link").symlink_to(folder, target_is_directory=True)
    from flows.ops.inventory import list_files

    direct, linked = list_files(folder, 1_000_000), list_files(tmp_path / "link", 1_000_000)
    assert set(direct["source_file"]) >= {"sub/a.txt", "b.txt"}
    assert linked.equals(direct)  # the old listing named the linked folder's sub/a.txt "a.txt"


@pytest.mark.parametrize(
    "seconds",
    [0.0, 1.0000005, 1.0000015, 1764633600.123456789, 1764633600.9999996, 1.5e-7, -1.25, -0.0000005, 4102444800.5],
)
def test_listed_modification_times_are_pythons_datetimes_to_the_microsecond(seconds):
    # The listing takes times as a column; a recorded time must equal the next listing's, or every
    # unchanged file would be read again: CPython's rounding (half to even, after the whole seconds).
    from datetime import UTC, datetime

    from flows.ops.inventory import _from_timestamps

    assert _from_timestamps(pl.Series([seconds]))[0] == datetime.fromtimestamp(seconds, tz=UTC)


def test_a_file_name_that_is_not_utf8_is_listed_with_backslash_escapes(folder):
    from flows.ops.inventory import list_files

    (folder / "ok.txt").write_text("新能源产业园开工。", encoding="utf-8")
    with open(os.path.join(os.fsencode(folder), b"bad\xff.txt"), "wb") as fh:
        fh.write("光伏电站并网发电。".encode())
    listed = list_files(folder, 1_000_000)
    assert listed["source_file"].to_list() == ["bad\\xff.txt", "ok.txt"]
    assert listed["sha256"].null_count() == 0


def test_read_ahead_skips_what_it_cannot_open_and_never_waits_on_a_fifo(tmp_path):
    (tmp_path / "a.txt").write_text("绿色低碳", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")  # a plain open for reading would wait for a writer for ever
    paths = [tmp_path / "a.txt", tmp_path / "gone.txt", tmp_path / "folder", tmp_path / "pipe"]
    worker = threading.Thread(target=read_ahead, args=(paths,), daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "绿色低碳"
