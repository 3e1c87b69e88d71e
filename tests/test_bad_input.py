"""Bad input, one case per test, in one real run: each file is quarantined with its reason (and
copied into warehouse/quarantine/ where that is safe) or handled, and the run still publishes."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from pages import CHROME, news_page

from flows.app.cli import format_summary, main
from flows.ops import inventory
from flows.pipeline import greenwire_flow

pytestmark = pytest.mark.e2e

NEWS = "国家能源局发布通知，天津市新建光伏电站装机容量达到120万千瓦。\n"
BAD_NAMES = {
    "spaces": "green news 2025 09.txt",
    "unicode": "绿色发展·新闻（天津）.txt",
    "dots": "..report..v2.txt",
}
TRADITIONAL = (
    "9月18日，綠色發展論壇在天津生態城舉辦，300多位來自政府部門、行業協會和企業的代表參會。"
    "論壇發佈了低碳合作倡議，並為國家級綠色工業園區授牌。\n"
)
# A 4 KB article with three stray bytes between its sentences (what scraped pages carry).
ARTICLE = "".join(f"第{i}段：天津市新建光伏电站装机容量达到{i}万千瓦，绿色低碳发展成效明显。\n" for i in range(60))
PIECES = [ARTICLE[:400], ARTICLE[400:800], ARTICLE[800:1200], ARTICLE[1200:]]
PAGE_TITLE = "生态城绿色建筑示范项目开工"
PAGE_BODY = [
    "9月19日，天津生态城绿色建筑示范项目正式开工，项目总投资12亿元，建成后每年可减少碳排放3万吨。",
    "项目由中新天津生态城管委会牵头，与天津绿能投资有",  # `</p><p>` in the middle of a company name
    "限公司共同建设，采用光伏建筑一体化技术。",
]
SIDECARS = {  # file -> (sidecar bytes, reason it is refused, or None when it is used)
    "sc_object.txt": (b'{"source": {"name": "x"}}', "source must be the publisher's name as plain text, not an object"),
    "sc_list.txt": (b'{"url": ["a", "b"]}', "url must be an http(s) URL, not a list"),
    "sc_javascript.txt": (b'{"url": "javascript:alert(1)"}', "url must be an http(s) URL, not 'javascript:alert(1)'"),
    "sc_script.txt": (
        b'{"source": "<script>alert(1)</script>"}',
        "source must be the publisher's name as plain text, not markup: '<script>alert(1)</script>'",
    ),
    "sc_number.txt": (b'{"source": 12345}', "source must be the publisher's name as plain text, not a number (12345)"),
    "sc_gbk.txt": ('{"source": "天津日报"}'.encode("gbk"), None),
    "sc_bom.txt": (b"\xef\xbb\xbf" + '{"source": "天津日报"}'.encode(), None),
    "sc_future.txt": ('{"published_on": "2099-12-31", "source": "天津日报"}'.encode(), None),
}
COPYRIGHT_BODY = (
    "绿色版权保护论坛在天津举行\n"
    "会上，国家版权局负责人表示，将加强对绿色技术专利和版权所有人的保护，300多位代表参会。\n"
    "版权所有 © 2025 绿色网 京ICP备12345678号-1\n"
)
ONE_LINE = "9月18日，绿色发展论坛在天津举行，300多位代表参会。论坛发布了低碳合作倡议。版权所有 © 2025 绿色网"
TOOL_FOLDERS = (".git", ".prefect", "__pycache__", "node_modules")


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
    (inbox / "traditional_gbk.txt").write_bytes(TRADITIONAL.encode("gbk"))
    (inbox / "stray_gbk.txt").write_bytes(b"\xff".join(p.encode("gbk") for p in PIECES))
    (inbox / "stray_utf8.txt").write_bytes(b"\xff".join(p.encode("utf-8") for p in PIECES))
    (inbox / "page.txt").write_text(news_page(PAGE_TITLE, PAGE_BODY), encoding="utf-8")
    (inbox / "minified.dat").write_text(news_page(PAGE_TITLE, PAGE_BODY, minified=True), encoding="utf-8")
    (inbox / "chrome_only.html").write_text(
        re.sub(
            r'<div class="main">.*?<div class="footer">',
            '<div class="footer">',
            news_page(PAGE_TITLE, PAGE_BODY),
            flags=re.S,
        ),
        encoding="utf-8",
    )
    for name, (meta, _) in SIDECARS.items():
        (inbox / name).write_text(NEWS, encoding="utf-8")
        (inbox / (name + ".meta.json")).write_bytes(meta)
    (inbox / "copyright_paragraph.txt").write_text(COPYRIGHT_BODY, encoding="utf-8")
    (inbox / "one_line.txt").write_text(ONE_LINE, encoding="utf-8")
    (inbox / "no_article.txt").write_text("分享到：微信 微博\n当前位置：首页 > 新闻\n", encoding="utf-8")
    for folder in TOOL_FOLDERS:
        (inbox / folder).mkdir()
        (inbox / folder / "state.txt").write_text(NEWS, encoding="utf-8")

    listed = inventory._walk

    def walk_then_delete(folder):
        # The file is listed, then deleted before it is read: what a writer racing the scan does.
        for path in listed(folder):
            if Path(path).name == "vanishing.txt":
                Path(path).unlink()
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
            "quarantined",
            reason,
        )


def test_every_entry_is_accounted_for_and_the_run_publishes(run, seeds):
    summary, files, warehouse_dir, inbox = run
    expected = {p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.parent.name not in TOOL_FOLDERS} | {
        "vanishing.txt"
    }
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
    _assert_quarantined(
        run,
        "invalid.txt",
        "undecodable: not UTF-8 (invalid byte at 7), GB18030 or Big5 (16 invalid bytes at best, 5 tolerated)",
        copied=True,
    )


def test_mixed_encoding(run):
    at = len(NEWS.encode("utf-8")) * 3
    _assert_quarantined(
        run,
        "mixed.txt",
        f"mixed encodings: UTF-8 Chinese text up to byte {at}, then bytes that "
        "are not UTF-8 (no single encoding reads the whole file)",
        copied=True,
    )


def test_fifty_megabyte_file(run):
    _assert_quarantined(
        run,
        "huge.txt",
        "too large: 52,428,800 bytes, over the 20,000,000-byte limit (GREENWIRE_MAX_FILE_BYTES)",
        copied=False,
    )


@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_odd_file_names_are_processed_under_their_own_name(run, case):
    _summary, files, _, _ = run
    name = BAD_NAMES[case]
    assert (files[name]["status"], files[name]["action"]) == ("processed", "extract")
    assert _published(run, "select count(*) from documents where source_file = ?", name) == [(1,)]


def test_symlink_pointing_outside_the_input_folder(run):
    target = run[3].parent / "secret.txt"
    _assert_quarantined(run, "outside.txt", f"symlink points outside the input folder ({target})", copied=False)
    assert not any(
        b"\xe4\xb8\x8d\xe8\xaf\xa5" in p.read_bytes()  # 不该: the target's text was never copied
        for p in (run[2] / "quarantine" / "files").iterdir()
    )


def test_file_that_disappears_mid_run(run):
    _assert_quarantined(run, "vanishing.txt", "disappeared before it could be read", copied=False)


def test_directory_named_like_a_file(run):
    _, files, _, _ = run
    assert (files["folder.txt"]["status"], files["folder.txt"]["reason"]) == (
        "skipped",
        "a folder named like a file; the files inside it are scanned",
    )
    assert files["folder.txt/inside.txt"]["status"] == "processed"


def _published(run, sql: str, *params) -> list[tuple]:
    """Rows from the published snapshot (its views name the Parquet files relative to its folder)."""
    summary = run[0]
    with duckdb.connect(str(summary.published / "greenwire.duckdb"), read_only=True) as con:
        con.execute("set file_search_path = ?", [str(summary.published)])
        return con.execute(sql, list(params)).fetchall()


def test_traditional_text_in_gbk_publishes(run):
    _, files, _, _ = run
    assert (files["traditional_gbk.txt"]["status"], files["traditional_gbk.txt"]["encoding"]) == (
        "processed",
        "gb18030",
    )
    assert _published(
        run, "select text, original_script from documents where source_file = ?", "traditional_gbk.txt"
    ) == [
        (
            "9月18日，绿色发展论坛在天津生态城举办，300多位来自政府部门、行业协会和企业的代表参会。"
            "论坛发布了低碳合作倡议，并为国家级绿色工业园区授牌。",
            "traditional",
        )
    ]


@pytest.mark.parametrize(("name", "encoding"), [("stray_gbk.txt", "gb18030"), ("stray_utf8.txt", "utf-8")])
def test_a_few_stray_bytes_publish_with_their_count(run, name, encoding):
    _, files, _, _ = run
    assert (files[name]["status"], files[name]["encoding"]) == ("processed", encoding)
    [(text, errors)] = _published(run, "select text, decode_errors from documents where source_file = ?", name)
    assert errors == 3
    assert "第59段：天津市新建光伏电站装机容量达到59万千瓦" in text and "\ufffd" not in text


@pytest.mark.parametrize("name", ["page.txt", "minified.dat"])
def test_html_pages_publish_their_article_without_chrome(run, name):
    _, files, _, _ = run
    assert files[name]["status"] == "processed"
    [(title, text, published_on, url, publisher)] = _published(
        run, "select title, text, published_on, url, publisher from documents where source_file = ?", name
    )
    assert title == PAGE_TITLE
    assert text == PAGE_TITLE + "\n" + PAGE_BODY[0] + "\n" + PAGE_BODY[1] + PAGE_BODY[2]
    assert (str(published_on), url, publisher) == ("2025-09-20", "https://news.example.cn/green/c_1130.html", "绿色网")
    assert [c for c in CHROME if c in text] == []


def test_html_chrome_gives_no_parties_or_regions(run):
    # The font 微软雅黑, the script's company names, the nav bar's and sidebar's provinces.
    names = _published(
        run,
        "select distinct p.name from mentions m join parties p on m.entity_id = p.party_id "
        "join documents d using (doc_id) where d.source_file in ('page.txt', 'minified.dat') "
        "union select distinct r.name from mentions m join regions r on m.entity_id = r.region_id "
        "join documents d using (doc_id) where d.source_file in ('page.txt', 'minified.dat')",
    )
    leaked = [n for (n,) in names if re.search("微软|国家电网|华为|北京|上海|重庆|广东|四川|湖北|浙江|<|>", n)]
    assert leaked == []


def test_an_html_page_without_an_article_is_quarantined(run):
    _assert_quarantined(
        run, "chrome_only.html", "HTML page without main text (only navigation, scripts or boilerplate)", copied=True
    )


@pytest.mark.parametrize("name", sorted(SIDECARS))
def test_sidecars_are_checked_and_never_block_their_file(run, name):
    _, files, _, _ = run
    refusal = SIDECARS[name][1]
    assert files[name]["status"] == "processed"
    [(publisher, url)] = _published(run, "select publisher, url from documents where source_file = ?", name)
    if refusal:
        reason = f"invalid metadata sidecar ({name} processed without it): {refusal}"
        assert (publisher, url) == (None, None)
        _assert_quarantined(run, name + ".meta.json", reason, copied=True)
        assert {"event": "quarantined", "source_file": name + ".meta.json", "message": reason} in _run_log(run)
    else:
        assert publisher == "天津日报"
        assert files[name + ".meta.json"]["status"] == "skipped"


def test_a_sidecar_date_out_of_window_is_dropped_with_a_note(run):
    _, files, _, _ = run
    assert files["sc_future.txt.meta.json"]["reason"].startswith(
        "metadata sidecar of sc_future.txt; published_on 2099-12-31 dropped: outside 1990-01-01.."
    )
    assert _published(run, "select published_on from documents where source_file = 'sc_future.txt'") == [(None,)]


def test_a_paragraph_that_mentions_copyright_is_kept(run):
    assert _published(run, "select text from documents where source_file = 'copyright_paragraph.txt'") == [
        (
            "绿色版权保护论坛在天津举行\n会上，国家版权局负责人表示，将加强对绿色技术专利和版权所有人的保护，300多位代表参会。",
        )
    ]


def test_a_single_line_file_is_not_dropped_as_a_footer(run):
    assert _published(run, "select text from documents where source_file = 'one_line.txt'") == [(ONE_LINE,)]


def test_a_file_without_articles_is_reported(run):
    _, files, _, _ = run
    assert (files["no_article.txt"]["status"], files["no_article.txt"]["reason"]) == (
        "processed",
        "read, but no article found in it (only chrome, junk or too little text)",
    )
    assert {"event": "no_articles", "source_file": "no_article.txt", "message": "no article found"} in _run_log(run)
    assert "    processed   no_article.txt: read, but no article found in it" in format_summary(run[0])


def _run_log(run) -> list[dict]:
    """The run's JSON log, each record reduced to its event, file and message."""
    summary, _, warehouse_dir, _ = run
    records = (json.loads(line) for line in (warehouse_dir / "runs" / f"{summary.run_id}.jsonl").open(encoding="utf-8"))
    return [{"event": r["event"], "source_file": r.get("source_file"), "message": r["message"]} for r in records]


@pytest.mark.parametrize("folder", TOOL_FOLDERS)
def test_hidden_and_tool_folders_are_skipped_with_a_note(run, folder):
    _, files, _, _ = run
    assert (files[folder]["status"], files[folder]["reason"]) == ("skipped", "hidden or tool folder: not scanned")
    assert f"{folder}/state.txt" not in files


def test_a_warehouse_inside_the_input_folder_is_refused_before_any_work(tmp_path, seeds, capsys):
    inbox = Path(shutil.copytree(seeds, tmp_path / "in"))
    assert main(["run", "--input", str(inbox), "--warehouse", str(inbox / "warehouse")]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"greenwire: error: the input folder {inbox} contains the warehouse {inbox / 'warehouse'}: a run "
        "would read its own output; put the warehouse outside the input folder (--warehouse)\n"
    )
    assert not (inbox / "warehouse").exists()


def test_a_scheduled_run_into_the_input_folder_is_refused_too(prefect_harness, tmp_path, seeds):
    # `greenwire serve` and deployments call the flow without the CLI: the flow checks as well.
    inbox = Path(shutil.copytree(seeds, tmp_path / "in"))
    with pytest.raises(inventory.FolderConflict, match="contains the warehouse"):
        greenwire_flow(input_dir=str(inbox), warehouse_dir=str(inbox / "warehouse"))
    assert not (inbox / "warehouse").exists()


def test_the_summary_counts_plain_sidecars_and_lists_the_noted_ones(run):
    summary, files, _, _ = run
    lines = format_summary(summary).splitlines()
    plain = [n for n, f in files.items() if f["reason"] == f"metadata sidecar of {n.removesuffix('.meta.json')}"]
    assert plain and not any(
        line.endswith(f" {name}: metadata sidecar of {name[:-10]}") for name in plain for line in lines
    )
    assert f"    skipped     {len(plain)} metadata sidecars (*.meta.json), each read with its article" in lines
    assert any(
        line.startswith("    skipped     sc_future.txt.meta.json: metadata sidecar of sc_future.txt; ")
        for line in lines
    )


def test_status_files_lists_every_file_the_run_saw(run, capsys):
    _, files, warehouse_dir, _ = run
    assert main(["status", "--files", "--format", "json", "--warehouse", str(warehouse_dir)]) == 0
    listed = {r["source_file"]: (r["status"], r["reason"]) for r in json.loads(capsys.readouterr().out)}
    assert listed == {name: (f["status"], f["reason"]) for name, f in files.items()}
