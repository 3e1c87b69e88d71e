"""report.html and the Data Docs, from a real flow run, opened in headless Chromium with the network cut."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from browser import chromium, open_page, outside

from flows.pipeline import greenwire_flow

pytestmark = pytest.mark.e2e

# Screenshots go to the pytest temp folder; GREENWIRE_SCREENSHOTS=docs writes them into docs/ (to refresh
# docs/report.png and docs/data-docs.png), so a test run never changes the checkout by itself.
DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return DOCS if os.environ.get("GREENWIRE_SCREENSHOTS") == "docs" else tmp_path_factory.mktemp("screenshots")


CHARTS_DRAWN = (
    "[...document.querySelectorAll('.chart')]"
    ".map(c => c.querySelectorAll('svg [class^=mark-] > path, svg [class^=mark-] > text').length)"
)


@pytest.fixture(scope="module")
def run(prefect_harness, tmp_path_factory, seeds):
    """Two publishes: three seed files, then all five, so the second has changes to show."""
    if chromium() is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (make test installs it)")
    first_input = tmp_path_factory.mktemp("some")
    for path in sorted(seeds.iterdir())[:3]:
        shutil.copy(path, first_input / path.name)
    warehouse_dir = tmp_path_factory.mktemp("warehouse")
    greenwire_flow(input_dir=str(first_input), warehouse_dir=str(warehouse_dir))
    summary = greenwire_flow(input_dir=str(seeds), warehouse_dir=str(warehouse_dir))
    return warehouse_dir, summary


def test_every_publish_has_a_self_contained_report(run):
    version = run[1].published
    page = (version / "report.html").read_text(encoding="utf-8")
    markup = re.sub(r"<script>.*?</script>", "<script></script>", page, flags=re.DOTALL)
    assert markup.count("<script></script>") == 2  # the Vega bundle and the charts, both inline
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|@import|url\(", markup)
    assert markup.count("<div class=chart") == 8


def test_the_manifest_says_what_changed_and_how_validation_went(run):
    manifest = json.loads((run[1].published / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous_version"] is not None
    documents = manifest["changes"]["documents"]
    assert documents["added"] > 0 and documents["removed"] == 0
    assert manifest["quality"]["passed"] == manifest["quality"]["evaluated"] > 100
    assert manifest["quality"]["files_seen"] == 5 and manifest["quality"]["quarantined"] == []


def test_report_renders_every_chart_offline(run, shots):
    with open_page((run[1].published / "report.html").as_uri()) as page:
        page.until(f"{CHARTS_DRAWN}.every(n => n > 0)", timeout=60)
        drawn = page.evaluate(CHARTS_DRAWN)
        page.screenshot(shots / "report.png")
        assert outside(page.requests) == []
    assert len(drawn) == 8 and all(n > 0 for n in drawn), drawn


def test_data_docs_render_offline_with_readable_names(run, shots):
    docs = run[0] / "docs"
    pages = list(docs.rglob("*.html"))
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "_doc_ok" not in text and "Data asset: None" not in text and "$PARAMETER" not in text
    assert "check: doc_id names a document" in text and "Data asset: marts.metrics" in text
    validation_page = next((docs / "validations" / "metrics").rglob("*.html"))
    for path in (docs / "index.html", validation_page):
        with open_page(path.as_uri()) as page:
            ready = page.until(
                "typeof jQuery === 'function' && typeof jQuery.fn.bootstrapTable === 'function'"
                " && document.querySelectorAll('.bootstrap-table').length > 0",
                timeout=30,
            )
            rules = page.evaluate(
                "[...document.styleSheets].filter(s => (s.href || '').endsWith('bootstrap.min.css'))"
                ".map(s => s.cssRules.length)"
            )
            if path == docs / "index.html":
                page.screenshot(shots / "data-docs.png")
            assert outside(page.requests) == []
        assert ready and rules and rules[0] > 1000, path


def test_a_copied_publish_answers_every_view_from_inside(run, tmp_path, monkeypatch):
    import duckdb

    copy = tmp_path / "copied"
    shutil.copytree(run[1].published, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    monkeypatch.chdir(copy)
    with duckdb.connect("greenwire.duckdb", read_only=True) as views:
        for table, entry in manifest["tables"].items():
            assert views.execute(f"select count(*) from {table}").fetchall() == [(entry["rows"],)], table
        located = views.execute("select count(*) from regions where admin_code is not null and latitude is null")
        assert located.fetchall() == [(0,)]  # every coded Chinese division has a point
