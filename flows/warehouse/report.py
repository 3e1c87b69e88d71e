"""report.html: one self-contained page per publish folder that opens offline.

Charts are Vega-Lite specs with their data inline; the Vega, Vega-Lite and Vega-Embed
JavaScript comes from vl-convert-python's bundle and is inlined too, so the file makes no
request at all (no CDN, no map tiles: the map is points at their coordinates on a graticule).
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

REPORT = "report.html"
TOP_PARTIES = 15
MEETING_PARTIES = 12


def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script defining window.vegaEmbed. vl-convert builds it on
    demand (about 20 s), so it is kept in the temp folder per vl-convert version and read from there."""
    import vl_convert

    version = vl_convert.__version__  # type: ignore[attr-defined]  # the module has it; its stub leaves it out
    cached = Path(tempfile.gettempdir()) / f"greenwire-vega-bundle-{version}.js"
    if cached.exists():
        return cached.read_text(encoding="utf-8")
    # The stub makes `snippet` required; the function's default snippet is the one we want (window.vegaEmbed).
    bundle = vl_convert.javascript_bundle()  # type: ignore[call-arg]
    partial = cached.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(bundle, encoding="utf-8")
    os.replace(partial, cached)
    return bundle


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    relation = con.sql(sql)
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _data(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"values": [{k: _plain(v) for k, v in row.items()} for row in rows]}


def _script_safe(text: str) -> str:
    """Inline script text must not close its own <script> element (`</script` inside a string would)."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def queries(version: Path) -> dict[str, list[dict[str, Any]]]:
    """Every number the report shows, read from the version's Parquet with DuckDB."""
    with duckdb.connect() as con:
        con.execute("set file_search_path = ?", [version.as_posix()])
        for table in ("documents", "regions", "parties", "events", "event_parties", "metrics"):
            con.execute(f"create view {table} as select * from read_parquet('{table}.parquet')")
        return {
            "by_month": _rows(
                con,
                """
                select event_month as month, event_type, count(*) as events
                from events where event_month is not null group by all order by all""",
            ),
            "apart": _rows(
                con,
                """
                select event_type,
                       case when date_precision = 'year' then 'year only: ' || event_year else 'undated' end as dated,
                       count(*) as events
                from events where event_month is null group by all order by all""",
            ),
            "places": _rows(
                con,
                """
                select r.name, coalesce(r.name_en, '') as name_en, r.longitude, r.latitude, r.geo_precision,
                       count(*) as events
                from events as e inner join regions as r on r.region_id = e.region_id
                where r.longitude is not null group by all order by events desc, r.name""",
            ),
            "unplaced": _rows(
                con,
                """
                select count(*) filter (where e.region_id is null) as no_region,
                       count(*) filter (where e.region_id is not null and r.longitude is null) as no_point
                from events as e left join regions as r on r.region_id = e.region_id""",
            ),
            "parties": _rows(
                con,
                f"""
                select p.name, p.party_type, count(distinct ep.event_id) as events
                from event_parties as ep inner join parties as p on p.party_id = ep.party_id
                group by all order by events desc, p.name limit {TOP_PARTIES}""",
            ),
            "meetings": _rows(
                con,
                f"""
                with top as (
                    select party_id from event_parties group by party_id
                    order by count(distinct event_id) desc, party_id limit {MEETING_PARTIES}
                ),
                pairs as (
                    select a.party_id as one, b.party_id as other, count(distinct a.event_id) as events
                    from event_parties as a
                    inner join event_parties as b on b.event_id = a.event_id and b.party_id <> a.party_id
                    where a.party_id in (select party_id from top) and b.party_id in (select party_id from top)
                    group by all
                )
                select p1.name as party, p2.name as meets, pairs.events
                from pairs
                inner join parties as p1 on p1.party_id = pairs.one
                inner join parties as p2 on p2.party_id = pairs.other
                order by all""",
            ),
            "metrics": _rows(
                con,
                """
                select coalesce(province.name, '(no province)') as province, m.indicator_category as category,
                       count(*) as metrics,
                       round(sum(m.value) filter (where m.unit = 'CNY') / 1e8, 2) as cny_100m
                from metrics as m
                left join regions as r on r.region_id = m.subject_region_id
                left join regions as province on province.region_id = r.province_region_id
                group by all order by all""",
            ),
            "totals": _rows(
                con,
                """
                select (select count(*) from documents) as documents,
                       (select count(*) filter (where is_relevant) from documents) as relevant,
                       (select count(*) from events) as events, (select count(*) from parties) as parties,
                       (select count(*) from metrics) as metrics, (select count(*) from regions) as regions""",
            ),
        }


def charts(data: dict[str, list[dict[str, Any]]], manifest: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(title, explanation, Vega-Lite spec) for every chart of the report."""
    width = 760
    out = []
    out.append(
        (
            "Events by type and month",
            "Events whose month is known (day or month precision).",
            {
                "data": _data(data["by_month"]),
                "mark": {"type": "bar", "tooltip": True},
                "width": width,
                "height": 220,
                "encoding": {
                    "x": {"field": "month", "type": "ordinal", "timeUnit": "yearmonth", "title": "month"},
                    "y": {"field": "events", "type": "quantitative", "aggregate": "sum", "title": "events"},
                    "color": {"field": "event_type", "type": "nominal", "title": "type"},
                },
            },
        )
    )
    out.append(
        (
            "Events without a month",
            "Year-only dates (stored as January 1 in event_date) and undated events, kept apart from the months above.",
            {
                "data": _data(data["apart"]),
                "mark": {"type": "bar", "tooltip": True},
                "width": width,
                "height": 180,
                "encoding": {
                    "y": {"field": "event_type", "type": "nominal", "title": "type"},
                    "x": {"field": "events", "type": "quantitative", "aggregate": "sum", "title": "events"},
                    "color": {"field": "dated", "type": "nominal", "title": "date"},
                },
            },
        )
    )
    unplaced = data["unplaced"][0] if data["unplaced"] else {"no_region": 0, "no_point": 0}
    places = data["places"]
    # A graticule around the points (at least 0.8 degrees across) gives the map a frame without any tiles.
    lons = [p["longitude"] for p in places] or [100.0]
    lats = [p["latitude"] for p in places] or [35.0]
    pad = max(0.4, (max(lons) - min(lons)) * 0.1, (max(lats) - min(lats)) * 0.1)
    extent = [[min(lons) - pad, min(lats) - pad], [max(lons) + pad, max(lats) + pad]]
    out.append(
        (
            "Where events happened",
            f"Events per region, as points at the region's coordinates "
            f"(a zone at its parent's point; colour says whose). Not on the map: {unplaced['no_region']} "
            f"events without a region, {unplaced['no_point']} in a region without a point.",
            {
                "width": width,
                "height": 420,
                "projection": {"type": "mercator"},
                "layer": [
                    {
                        "data": {"graticule": {"extent": extent, "step": [1, 1]}},
                        "mark": {"type": "geoshape", "stroke": "#ddd", "strokeWidth": 0.5, "filled": False},
                    },
                    {
                        "data": _data(data["places"]),
                        "mark": {"type": "circle", "opacity": 0.7, "tooltip": True},
                        "encoding": {
                            "longitude": {"field": "longitude", "type": "quantitative"},
                            "latitude": {"field": "latitude", "type": "quantitative"},
                            "size": {"field": "events", "type": "quantitative", "scale": {"range": [60, 1600]}},
                            "color": {"field": "geo_precision", "type": "nominal", "title": "point"},
                        },
                    },
                    {
                        "data": _data(data["places"]),
                        "mark": {"type": "text", "dy": -14, "fontSize": 11},
                        "encoding": {
                            "longitude": {"field": "longitude", "type": "quantitative"},
                            "latitude": {"field": "latitude", "type": "quantitative"},
                            "text": {"field": "name", "type": "nominal"},
                        },
                    },
                ],
            },
        )
    )
    out.append(
        (
            "Top parties",
            f"The {TOP_PARTIES} parties in the most events.",
            {
                "data": _data(data["parties"]),
                "mark": {"type": "bar", "tooltip": True},
                "width": width - 200,
                "encoding": {
                    "y": {"field": "name", "type": "nominal", "sort": "-x", "title": None},
                    "x": {"field": "events", "type": "quantitative", "title": "events"},
                    "color": {"field": "party_type", "type": "nominal", "title": "type"},
                },
            },
        )
    )
    out.append(
        (
            "Who meets whom",
            f"Events shared by two of the {MEETING_PARTIES} most active parties.",
            {
                "data": _data(data["meetings"]),
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {
                    "x": {"field": "party", "type": "nominal", "title": None, "axis": {"labelAngle": -40}},
                    "y": {"field": "meets", "type": "nominal", "title": None},
                    "color": {"field": "events", "type": "quantitative", "title": "shared events"},
                },
            },
        )
    )
    out.append(
        (
            "Metrics by indicator category and province",
            "How many figures of each kind each province "
            "has (by the subject region's province); the tooltip totals the CNY amounts, in 100 million yuan.",
            {
                "data": _data(data["metrics"]),
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {
                    "x": {
                        "field": "category",
                        "type": "nominal",
                        "title": "indicator category",
                        "axis": {"labelAngle": -40},
                    },
                    "y": {"field": "province", "type": "nominal", "title": None},
                    "color": {"field": "metrics", "type": "quantitative", "title": "metrics"},
                    "tooltip": [
                        {"field": "province"},
                        {"field": "category"},
                        {"field": "metrics"},
                        {"field": "cny_100m", "title": "CNY, 100 million"},
                    ],
                },
            },
        )
    )
    change_rows = [
        {"table": t, "change": kind, "rows": n}
        for t, counts in (manifest.get("changes") or {}).items()
        for kind, n in counts.items()
    ]
    since = manifest.get("previous_version") or "nothing (first publish)"
    out.append(
        (
            "Changes since the previous version",
            f"Rows added, removed and changed (same key, other values) per table since {since}.",
            {
                "data": {"values": change_rows},
                "mark": {"type": "bar", "tooltip": True},
                "width": width - 200,
                "height": {"step": 8},
                "encoding": {
                    "y": {"field": "table", "type": "nominal", "title": None},
                    "yOffset": {"field": "change"},
                    "x": {"field": "rows", "type": "quantitative", "title": "rows"},
                    "color": {
                        "field": "change",
                        "type": "nominal",
                        "scale": {
                            "domain": ["added", "removed", "changed"],
                            "range": ["#4c9a2a", "#c0392b", "#e6a23c"],
                        },
                    },
                },
            },
        )
    )
    quality = manifest.get("quality") or {}
    checks = [
        {"table": t, "result": result, "expectations": n}
        for t, (passed, evaluated) in (quality.get("per_table") or {}).items()
        for result, n in (("passed", passed), ("failed", evaluated - passed))
    ]
    out.append(
        (
            "Quality",
            "Great Expectations results of this publish per table.",
            {
                "data": {"values": checks},
                "mark": {"type": "bar", "tooltip": True},
                "width": width - 200,
                "encoding": {
                    "y": {"field": "table", "type": "nominal", "title": None},
                    "x": {"field": "expectations", "type": "quantitative", "aggregate": "sum", "title": "expectations"},
                    "color": {
                        "field": "result",
                        "type": "nominal",
                        "scale": {"domain": ["passed", "failed"], "range": ["#4c9a2a", "#c0392b"]},
                    },
                },
            },
        )
    )
    return out


STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { font-size: 24px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
p.note { color: #555; font-size: 14px; } table { border-collapse: collapse; font-size: 14px; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; } th { background: #f4f4f4; }
.numbers span { display: inline-block; margin-right: 18px; font-size: 15px; } .numbers b { font-size: 20px; }
"""


def render(version: Path, manifest: dict[str, Any], bundle: str | None = None) -> str:
    """The report's HTML; `bundle` is the Vega JavaScript (vl-convert's, by default)."""
    if bundle is None:
        bundle = vega_bundle()
    data = queries(version)
    totals = data["totals"][0]
    quality = manifest.get("quality") or {}
    esc = html.escape
    parts = [
        f"<h1>greenwire: published version {esc(manifest.get('version', version.name))}</h1>",
        f"<p class=note>Published {esc(str(manifest.get('published_at', '')))}, run "
        f"{esc(str(manifest.get('run_id', '')))}. This page needs no network.</p>",
        "<div class=numbers>" + "".join(f"<span><b>{totals[k]}</b> {k}</span>" for k in totals) + "</div>",
    ]
    if quality:
        parts.append(
            f"<p>Expectations: <b>{quality.get('passed')}/{quality.get('evaluated')}</b> passed. "
            f"Input files: {quality.get('files_seen')} seen, "
            f"<b>{len(quality.get('quarantined') or [])}</b> quarantined.</p>"
        )
        rows = "".join(
            f"<tr><td>{esc(q['source_file'])}</td><td>{esc(str(q['reason']))}</td></tr>"
            for q in quality.get("quarantined") or []
        )
        if rows:
            parts.append(f"<table><tr><th>quarantined file</th><th>reason</th></tr>{rows}</table>")
    embeds = []
    for index, (title, note, spec) in enumerate(charts(data, manifest)):
        spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", **spec}
        parts.append(f"<h2>{esc(title)}</h2><p class=note>{esc(note)}</p><div class=chart id=chart{index}></div>")
        embeds.append(
            f"vegaEmbed('#chart{index}', {json.dumps(spec, ensure_ascii=False)}, "
            "{renderer: 'svg', actions: false}).catch(console.error);"
        )
    changes = manifest.get("changes") or {}
    if changes:
        rows = "".join(
            f"<tr><td>{esc(t)}</td><td>{c['added']}</td><td>{c['removed']}</td><td>{c['changed']}</td></tr>"
            for t, c in changes.items()
        )
        parts.append(f"<table><tr><th>table</th><th>added</th><th>removed</th><th>changed</th></tr>{rows}</table>")
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                "<html lang=en><head><meta charset=utf-8>",
                f"<title>greenwire {esc(manifest.get('version', version.name))}</title>",
                f"<style>{STYLE}</style>",
                f"<script>{_script_safe(bundle)}</script>",
                "</head><body>",
                *parts,
                f"<script>{_script_safe(chr(10).join(embeds))}</script>",
                "</body></html>",
            ]
        )
        + "\n"
    )


def write(version: Path, manifest: dict[str, Any]) -> Path:
    """Write report.html into the version folder; returns its path."""
    path = version / REPORT
    path.write_text(render(version, manifest), encoding="utf-8")
    return path
