"""Measure a publish against hand annotations: precision, recall and F1 per table.

The gold format and matching rules are those of docs/evaluation.md: one JSON file per raw
input file (`<source_file>.json`) listing the articles count, regions, parties, events and
metrics a careful reader finds in it. Every extracted row is tied to its raw file through
`mentions` (metrics through their `doc_id`), then matched one-to-one with the gold items of
that file, best pairs first:

- regions: same admin_code, else the same name or alias (spaces ignored);
- parties: the same name (preferred) or any shared name/alias;
- events: same type, a compatible date (equal at the coarser precision; a gold date of null
  matches any), and a name with character-bigram Dice >= 0.5 or one shared party;
- metrics: the same unit and a value within 0.5 %.

Items marked `"optional": true` are neither rewarded nor penalized. Counts are summed over
files (micro-average); macro F1 is the mean of the four tables' F1.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TABLES = ("regions", "parties", "events", "metrics")
PUBLISHED = ("documents", "regions", "parties", "events", "event_parties", "metrics", "mentions")
ATTRIBUTE = {"regions": "level", "parties": "type", "events": "has_date", "metrics": "qualifier"}

Item = dict[str, Any]  # a gold item (from JSON) or a published row
Similarity = Callable[[Item, Item], float | None]


class EvaluationError(Exception):
    """A gold folder or publish that cannot be evaluated (one line for the terminal)."""


def key(name: str | None) -> str:
    """Names compare after NFKC and with no whitespace: `"天津 市"` -> `"天津市"`, `"（"` -> `"("`."""
    if name is None:
        return ""
    return "".join(ch for ch in unicodedata.normalize("NFKC", str(name)) if not ch.isspace())


def dice(a: str, b: str) -> float:
    """Character-bigram Dice of two names: dice("绿色发展论坛", "绿色发展大会") -> 0.6."""

    def grams(s: str) -> set[str]:
        s = key(s)
        return {s[i : i + 2] for i in range(len(s) - 1)} or ({s} if s else set())

    x, y = grams(a), grams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def dates_agree(gold: str | None, predicted: object, precision: str | None) -> bool:
    """A gold date matches at the coarser of the two precisions: ("2024-10", 2024-10-09, "day") -> True."""
    if not gold:
        return True
    if predicted is None:
        return False
    depth = {"day": 3, "month": 2, "year": 1}.get(precision or "day", 3)
    n = min(len(gold.split("-")), depth)
    return str(predicted)[:10].split("-")[:n] == gold.split("-")[:n]


@dataclass
class Table:
    """Matching counts for one table, with the attribute agreement over matched items."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    agree: int = 0
    compared: int = 0
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pair_up(golds: list[Item], preds: list[Item], similarity: Similarity) -> list[tuple[int, int]]:
    """One-to-one pairs, the most similar first; `similarity` returns None for no match."""
    scored = sorted(
        (
            (s, g, p)
            for g, gold in enumerate(golds)
            for p, pred in enumerate(preds)
            if (s := similarity(gold, pred)) is not None
        ),
        key=lambda c: -c[0],
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, g, p in scored:
        if g not in used_g and p not in used_p:
            used_g.add(g)
            used_p.add(p)
            pairs.append((g, p))
    return pairs


def _region(gold: Item, pred: Item) -> float | None:
    if gold.get("admin_code") and pred.get("admin_code") and str(gold["admin_code"]) == str(pred["admin_code"]):
        return 2.0
    return 1.0 if key(pred["name"]) in {key(gold["name"]), *map(key, gold.get("aliases", []))} else None


def _party(gold: Item, pred: Item) -> float | None:
    if key(pred["name"]) == key(gold["name"]):
        return 2.0
    gold_names = {key(gold["name"]), *map(key, gold.get("aliases", []))}
    pred_names = {key(pred["name"]), *map(key, pred.get("aliases") or [])}
    return 1.0 if gold_names & pred_names else None


def _metric(gold: Item, pred: Item) -> float | None:
    if gold.get("unit") != pred.get("unit") or pred.get("value") is None:
        return None
    g, p = float(gold["value"]), float(pred["value"])
    if g == p:
        return 2.0
    if g != 0 and abs(p - g) <= 0.005 * abs(g):
        return 2.0 - abs(p - g) / abs(g)
    return None


def _event_matcher(party_names: dict[str, set[str]]) -> Similarity:
    def similarity(gold: Item, pred: Item) -> float | None:
        if gold.get("type") != pred.get("event_type"):
            return None
        if not dates_agree(gold.get("date"), pred.get("event_date"), pred.get("date_precision")):
            return None
        shared = {key(p["name"]) for p in gold.get("parties", [])} & party_names[pred["event_id"]]
        d = dice(gold.get("name", ""), pred.get("name", ""))
        return d + 0.1 * len(shared) if d >= 0.5 or shared else None

    return similarity


def _attribute(table: str, gold: Item, pred: Item) -> bool:
    if table == "regions":
        return bool(gold.get("level") == pred.get("level"))
    if table == "parties":
        return bool(gold.get("type") == pred.get("party_type"))
    if table == "events":
        return bool(gold.get("date")) == bool(pred.get("event_date"))
    return bool(gold.get("qualifier", "exact") == pred.get("qualifier"))


def _label(table: str, item: Item, gold: bool) -> str:
    if table == "events":
        return (
            f"{item['type']} {item.get('date')} {item.get('name')}"
            if gold
            else f"{item['event_type']} {item.get('event_date')} {item.get('name')}"
        )
    if table == "metrics":
        return f"{item.get('raw') if gold else item.get('raw_text')} ({item['value']} {item['unit']})"
    return str(item["name"])


def _read_publish(publish: Path) -> dict[str, list[Item]]:
    import duckdb

    con = duckdb.connect()
    out: dict[str, list[Item]] = {}
    for name in PUBLISHED:
        single, parts = publish / f"{name}.parquet", publish / name
        if single.exists():
            source = single.as_posix()
        elif parts.is_dir() and any(parts.rglob("*.parquet")):
            source = (parts / "**" / "*.parquet").as_posix()
        else:
            raise EvaluationError(f"no {name} table under {publish}: run `greenwire run` first")
        relation = con.sql(f"select * from read_parquet('{source}', hive_partitioning = true)")
        out[name] = [dict(zip(relation.columns, row)) for row in relation.fetchall()]
    return out


def evaluate(gold_dir: Path, publish: Path) -> dict[str, Any]:
    """Score a publish folder against a folder of gold JSON files; the report as a dict
    (`tables` with P/R/F1 and counts per table, `articles_exact`, `cross_file_dedup`, `macro_f1`)."""
    gold_files = sorted(Path(gold_dir).glob("*.json"))
    if not gold_files:
        raise EvaluationError(f"no gold files (*.json) in {gold_dir}")
    data = _read_publish(Path(publish))
    ids = {"regions": "region_id", "parties": "party_id", "events": "event_id", "metrics": "metric_id"}
    rows = {t: {r[ids[t]]: r for r in data[t]} for t in TABLES}
    docs_of: defaultdict[str, set[str]] = defaultdict(set)
    for doc in data["documents"]:
        docs_of[doc["source_file"]].add(doc["doc_id"])
    linked: defaultdict[tuple[str, str], set[str]] = defaultdict(set)  # (doc_id, kind) -> ids named in it
    for m in data["mentions"]:
        linked[(m["doc_id"], m["entity_kind"])].add(m["entity_id"])
    party_names: defaultdict[str, set[str]] = defaultdict(set)  # event_id -> names and aliases of its parties
    for link in data["event_parties"]:
        party = rows["parties"].get(link["party_id"])
        if party is not None:
            party_names[link["event_id"]].update(key(n) for n in [party["name"], *(party.get("aliases") or [])])
    matchers: dict[str, Similarity] = {
        "regions": _region,
        "parties": _party,
        "events": _event_matcher(party_names),
        "metrics": _metric,
    }
    tables = {t: Table() for t in TABLES}
    exact = 0
    # gold event key -> (file, predicted event id) per file it is in (None: missed)
    by_key: defaultdict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for path in gold_files:
        try:
            gold = json.loads(path.read_text(encoding="utf-8"))
            source = gold["source_file"]
        except (ValueError, KeyError) as exc:
            raise EvaluationError(f"{path.name}: not a gold file ({exc})") from None
        docs = docs_of.get(source, set())
        exact += len(docs) == gold.get("articles", len(docs))
        for table in TABLES:
            if table == "metrics":
                preds = [m for m in data["metrics"] if m["doc_id"] in docs]
            else:
                kind = table[:-1] if table != "parties" else "party"
                found = set().union(*(linked[(d, kind)] for d in docs)) if docs else set()
                preds = [rows[table][i] for i in found if i in rows[table]]
            golds = gold.get(table, [])
            pairs = pair_up(golds, preds, matchers[table])
            _tally(tables[table], table, source, golds, preds, pairs)
            if table == "events":
                matched = dict(pairs)
                for g, item in enumerate(golds):
                    if item.get("key"):
                        by_key[item["key"]].append((source, preds[matched[g]]["event_id"] if g in matched else None))
    merged = [occurrences for occurrences in by_key.values() if len({f for f, _ in occurrences}) >= 2]
    dedup_ok = sum(len({e for _, e in occ}) == 1 and None not in {e for _, e in occ} for occ in merged)
    scores: dict[str, dict[str, Any]] = {}
    report: dict[str, Any] = {
        "tables": scores,
        "articles_exact": f"{exact}/{len(gold_files)}",
        "cross_file_dedup": f"{dedup_ok}/{len(merged)}",
    }
    for name, t in tables.items():
        scores[name] = {
            "precision": round(t.precision, 3),
            "recall": round(t.recall, 3),
            "f1": round(t.f1, 3),
            "tp": t.tp,
            "fp": t.fp,
            "fn": t.fn,
            f"{ATTRIBUTE[name]}_accuracy": round(t.agree / t.compared, 3) if t.compared else None,
            "missed": t.missed,
            "extra": t.extra,
        }
    report["macro_f1"] = round(sum(t.f1 for t in tables.values()) / len(tables), 3)
    return report


def _tally(
    t: Table, table: str, source: str, golds: list[Item], preds: list[Item], pairs: list[tuple[int, int]]
) -> None:
    matched_g, matched_p = {g for g, _ in pairs}, {p for _, p in pairs}
    for g, p in pairs:
        if not golds[g].get("optional"):
            t.tp += 1
            t.compared += 1
            t.agree += _attribute(table, golds[g], preds[p])
    for g, item in enumerate(golds):
        if g not in matched_g and not item.get("optional"):
            t.fn += 1
            t.missed.append(f"{source}: {_label(table, item, gold=True)}")
    for p, item in enumerate(preds):
        if p not in matched_p:
            t.fp += 1
            t.extra.append(f"{source}: {_label(table, item, gold=False)}")


def format_report(report: dict[str, Any], verbose: bool = False) -> str:
    """The report as a table for the terminal (with every miss and extra when verbose)."""
    lines = [f"{'table':10} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}  attribute"]
    for name, r in report["tables"].items():
        attribute = next(k for k in r if k.endswith("_accuracy"))
        lines.append(
            f"{name:10} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} {r['tp']:5} {r['fp']:5} "
            f"{r['fn']:5}  {attribute}={r[attribute]}"
        )
        if verbose:
            lines += [f"    missed  {m}" for m in r["missed"]] + [f"    extra   {e}" for e in r["extra"]]
    lines.append(
        f"articles exact per file: {report['articles_exact']}   cross-file event dedup: {report['cross_file_dedup']}"
    )
    lines.append(f"macro F1: {report['macro_f1']}")
    return "\n".join(lines)
