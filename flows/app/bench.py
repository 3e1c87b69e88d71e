"""`make bench`: greenwire end to end on a synthetic news corpus of 10,000 and 100,000 articles.

Prints numbers; asserts nothing. For each size it writes a corpus with the dirt of real pages
(recombined seed paragraphs, a quarter in Traditional script, pinyin annotations such as
`發(fā)`, SEO spam lines, site footers, GB18030 / Big5 / UTF-8-BOM files, sidecars on some)
into a temporary folder, then measures in one process tree:

- a floor pass: read + decode + OpenCC t2s + one Polars regex over the same files, one core;
- `greenwire run` as a subprocess on a fresh warehouse: wall time, MB/s, articles/s, seconds
  per stage (from the run's JSON log), peak RSS of the process tree and of its largest process;
- an unchanged rerun, a rerun after adding 100 files, and one after adding a tenth as many files as
  the corpus had (a backfill: too many changed documents to merge the published mentions).

Linux only (peak RSS is sampled from /proc). `--root DIR` runs another greenwire checkout on
the same corpus, to compare branches.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from flows import native, settings
from flows.settings import DEFAULT_INPUT, ROOT

TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
SPAM = [
    "国产精品视频在线观看_亚洲综合精品一区二区_免费高清无码",
    "澳门金沙娱乐城 官方网站 注册就送88元 点击进入",
    "我們專注于 网站建设 SEO优化 关键词排名 微信:abc123456",
    "热门推荐 | 今日头条 | 点击排行 | 猜你喜欢",
]
FOOTERS = [
    "版权所有 © 2025 绿色发展网 All Rights Reserved",
    "京ICP备12345678号-1 京公网安备 11010502030000号",
    "关于我们 | 联系我们 | 网站地图 | 免责声明 | 广告服务",
    "责任编辑：王某 本文来源：网络 如有侵权请联系删除",
]
SOURCES = ["天津日报", "中国环境报", "经济日报", "新华网", "人民网", "北方网"]


@dataclass
class Corpus:
    files: list[Path] = field(default_factory=list)  # the article files, not their sidecars
    megabytes: float = 0.0  # bytes on disk, sidecars included


def _seed_pool() -> tuple[list[str], list[str], dict[str, str]]:
    """Paragraphs and headline-like lines of the seed files in Simplified script, and the
    pinyin readings the seeds annotate (`發(fā)` -> {"發": "fā"})."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    paragraphs, headlines, readings = [], [], {}
    annotation = re.compile(rf"(\w)\(([a-zü]*[{TONE}][a-zü]*)\)")
    for path in sorted(DEFAULT_INPUT.iterdir()):
        text = path.read_bytes().decode("utf-8", "replace")
        for char, reading in annotation.findall(text):
            readings[char] = reading
        text = t2s.convert(annotation.sub(r"\1", text))
        for line in (line.strip() for line in text.splitlines()):
            if "\ufffd" in line or "|" in line:
                continue
            if len(line) >= 60:
                paragraphs.append(line)
            elif 8 <= len(line) <= 40 and not line.startswith(("■", "时间")):
                headlines.append(line)
    return paragraphs, headlines, readings


def write_corpus(target: Path, articles: int, seed: int = 7, start: int = 0) -> Corpus:
    """`articles` news files under target/NNN/, deterministic for a given seed and start index."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    paragraphs, headlines, readings = _seed_pool()
    corpus = Corpus()
    total = 0
    for i in range(start, start + articles):
        rng = random.Random(seed * 1_000_003 + i)
        digits = "".join(rng.sample("0123456789", 10))
        body = [
            p.translate(str.maketrans("0123456789", digits))
            for p in rng.sample(paragraphs, rng.choice((3, 3, 4, 4, 5)))
        ]
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        headline = rng.choice(headlines)  # draws in this order: the corpus stays the same from run to run
        lines = [headline, "", f"时间：2025-{month:02d}-{day:02d} 来源：{rng.choice(SOURCES)}", "", *body]
        if rng.random() < 0.1:
            lines.insert(0, rng.choice(SPAM))
        if rng.random() < 0.3:
            lines += ["", *rng.sample(FOOTERS, 2)]
        text = "\n".join(lines) + "\n"
        traditional = rng.random() < 0.25
        if traditional:
            text = s2t.convert(text)
            if rng.random() < 0.5:  # pinyin junk from a bad copy-paste: 發(fā)展
                text = "".join(f"{ch}({readings[ch]})" if ch in readings and rng.random() < 0.3 else ch for ch in text)
        data = _encode(text, traditional, rng)
        path = target / f"{i // 1000:03d}" / f"{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        corpus.files.append(path)
        total += len(data)
        if rng.random() < 0.2:
            meta = {
                "published_on": f"2025-{month:02d}-{day:02d}",
                "url": f"https://news.example.cn/{i}.html",
                "source": rng.choice(SOURCES),
            }
            sidecar = path.with_name(path.name + ".meta.json")
            sidecar.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            total += sidecar.stat().st_size
    corpus.megabytes = total / 1e6
    return corpus


def _encode(text: str, traditional: bool, rng: random.Random) -> bytes:
    """UTF-8 mostly; GB18030 (a sixth, Traditional ones too), Big5 (a third of the Traditional
    ones that fit in it) and UTF-8 with a BOM (a tenth), as Chinese sites serve them."""
    roll = rng.random()
    if traditional and roll < 0.33:
        try:
            return text.encode("big5")
        except UnicodeEncodeError:
            pass
    if roll > 0.83:
        return text.encode("gb18030")
    if roll > 0.73:
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")


def floor(files: list[Path]) -> float:
    """Seconds for read + decode + t2s + one Polars regex over `files`, in this process."""
    import opencc
    import polars as pl

    t2s = opencc.OpenCC("t2s")
    start = time.perf_counter()
    texts = []
    for path in files:
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030", "big5"):
            try:
                texts.append(t2s.convert(data.decode(encoding)))
                break
            except UnicodeDecodeError:
                continue
    frame = pl.DataFrame({"text": texts})
    frame.select(pl.col("text").str.extract_all(r"\d+(?:\.\d+)?[万亿]?元"))  # the regex pass the floor stands for
    return time.perf_counter() - start


class TreeMemory:
    """Peak RSS of a process and all its descendants, sampled from /proc every `every` seconds."""

    def __init__(self, pid: int, every: float = 0.2):
        self.pid, self.every = pid, every
        self.peak_tree = self.peak_process = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE")

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            sizes = [self._rss(pid) for pid in self._tree()]
            self.peak_tree = max(self.peak_tree, sum(sizes))
            self.peak_process = max([self.peak_process, *sizes])
            self._stop.wait(self.every)

    def _tree(self) -> list[int]:
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [pid for pid, parent in parents.items() if parent in frontier]
            tree += frontier
        return tree

    def _rss(self, pid: int) -> int:
        try:
            return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self._page
        except (OSError, IndexError, ValueError):
            return 0


@dataclass
class Run:
    seconds: float
    returncode: int
    peak_tree_mb: float
    peak_process_mb: float
    stages: dict[str, float]
    last_line: str


def greenwire_run(root: Path, input_dir: Path, warehouse_dir: Path, *extra: str) -> Run:
    """`greenwire run` of the checkout at root as a subprocess, with its peak memory and stage seconds."""
    env = {
        **settings.LIBRARY_DEFAULTS,
        **os.environ,
        "PYTHONPATH": str(root),
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
        "PREFECT_HOME": str(warehouse_dir / ".prefect"),
        # the bench's own cache: its first run creates Prefect's database as on a new machine (flows/ops/api.py)
        "GREENWIRE_CACHE": str(warehouse_dir.parent / "cache"),
        # a busy machine can take minutes to start Prefect's temporary API: measure, don't fail
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "900",
    }
    env.pop("PREFECT_API_URL", None)
    before = set(warehouse_dir.glob("runs/*.jsonl"))
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows.app.cli",
            "run",
            "--input",
            str(input_dir),
            "--warehouse",
            str(warehouse_dir),
            *extra,
        ],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with TreeMemory(process.pid) as memory:
        output, _ = process.communicate()
    seconds = time.perf_counter() - start
    stages: dict[str, float] = {}
    for log in set(warehouse_dir.glob("runs/*.jsonl")) - before:
        for line in log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("event") == "done" and record.get("seconds") is not None:
                stages[record["stage"]] = stages.get(record["stage"], 0.0) + record["seconds"]
    lines = [line for line in output.splitlines() if line.strip()]
    failure = next((line for line in lines if line.startswith("greenwire: error")), None)
    return Run(
        seconds,
        process.returncode,
        memory.peak_tree / 1e6,
        memory.peak_process / 1e6,
        stages,
        failure or (lines[-1] if lines else ""),
    )


def fixed_cost(root: Path, workdir: Path) -> None:
    """Where the time of a run on the five seed files goes: imports, Prefect's temporary API, stages."""
    print("\n== fixed cost: the 5 seed files, fresh warehouse", flush=True)
    for module in ("prefect", "great_expectations", "polars", "duckdb"):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            check=True,
            env={**settings.LIBRARY_DEFAULTS, **os.environ, "PYTHONPATH": str(root)},
        )
        print(f"import {module:<19} {time.perf_counter() - start:5.1f} s (new process)", flush=True)
    first = greenwire_run(root, root / "seeds" / "raw", workdir / "warehouse-seeds")
    _report("seeds run", first, _outside(first) + " (first warehouse: Prefect's database created and migrated)")
    again = greenwire_run(root, root / "seeds" / "raw", workdir / "warehouse-seeds")
    _report("unchanged", again, "")
    other = greenwire_run(root, root / "seeds" / "raw", workdir / "warehouse-seeds-2")
    _report("seeds run", other, _outside(other) + " (another new warehouse: Prefect's database copied)")


def _outside(run: Run) -> str:
    staged = sum(run.stages.values())
    return (
        f"{staged:.1f} s in stages, {run.seconds - staged:.1f} s outside them (interpreter, imports, Prefect's "
        "temporary API)"
    )


def bench(articles: int, root: Path, workdir: Path) -> dict[str, Any]:
    """Every measurement for one corpus size; prints as it goes."""
    print(f"\n== {articles:,} articles", flush=True)
    input_dir, warehouse_dir = workdir / f"in-{articles}", workdir / f"warehouse-{articles}"
    start = time.perf_counter()
    corpus = write_corpus(input_dir, articles)
    print(
        f"corpus      {len(corpus.files):,} files, {corpus.megabytes:.1f} MB "
        f"(written in {time.perf_counter() - start:.1f} s)",
        flush=True,
    )
    floor_seconds = floor(corpus.files)
    floor_rate = corpus.megabytes / floor_seconds
    print(
        f"floor       {floor_seconds:7.1f} s  {floor_rate:6.2f} MB/s  (read + decode + t2s + one regex, 1 core)",
        flush=True,
    )
    first = greenwire_run(root, input_dir, warehouse_dir)
    rate = corpus.megabytes / first.seconds
    _report(
        "first run",
        first,
        f"{rate:6.2f} MB/s  {articles / first.seconds:7.1f} articles/s  {100 * rate / floor_rate:.1f}% of the floor",
    )
    # The machine's own speed drifts (this 2-core machine's floor read 24-55 MB/s within one day): the floor
    # again, right after the first run, says whether that run met the machine the floor measured.
    after = floor(corpus.files)
    drift = 100 * (floor_seconds / after - 1)
    print(
        f"floor after {after:7.1f} s  {corpus.megabytes / after:6.2f} MB/s  "
        f"(the same pass after the first run: {abs(drift):.0f}% {'faster' if drift >= 0 else 'slower'} than before it)",
        flush=True,
    )
    again = greenwire_run(root, input_dir, warehouse_dir)
    _report("unchanged", again, "")
    write_corpus(input_dir, 100, start=10_000_000)
    added = greenwire_run(root, input_dir, warehouse_dir)
    _report("+100 files", added, "")
    write_corpus(input_dir, max(1, articles // 10), start=20_000_000)
    grown = greenwire_run(root, input_dir, warehouse_dir)
    _report("+10 % files", grown, "")
    return {
        "articles": articles,
        "megabytes": corpus.megabytes,
        "floor": floor_seconds,
        "floor_after": after,
        "first": first,
        "unchanged": again,
        "added": added,
        "grown": grown,
    }


def cluster_vs_local(articles: int, root: Path, workdir: Path, workers: int = 2) -> None:
    """The same corpus run plainly and on a local Dask cluster (`dask scheduler` and `workers`
    `dask worker` processes of one thread each, started and stopped here): `run --cluster`."""
    import socket

    print(f"\n== {articles:,} articles: plain run against a local {workers}-worker Dask cluster", flush=True)
    input_dir = workdir / f"in-cluster-{articles}"
    corpus = write_corpus(input_dir, articles)
    plain = greenwire_run(root, input_dir, workdir / f"warehouse-plain-{articles}")
    _report("plain", plain, f"{corpus.megabytes / plain.seconds:6.2f} MB/s")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**settings.LIBRARY_DEFAULTS, **os.environ, "PYTHONPATH": str(root)}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    processes = [
        subprocess.Popen(
            [*dask, "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
            env=env,
            cwd=root,  # `python -m` puts the working directory first on sys.path: the checkout's own code
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    processes += [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                f"tcp://127.0.0.1:{port}",
                "--nthreads",
                "1",
                "--no-nanny",
            ],
            env=env,
            cwd=root,  # else a worker started from another checkout imports that checkout's greenwire
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        time.sleep(10)  # the workers register with the scheduler
        on_cluster = greenwire_run(
            root, input_dir, workdir / f"warehouse-cluster-{articles}", "--cluster", f"tcp://127.0.0.1:{port}"
        )
    finally:
        for process in processes:
            process.kill()
            process.wait()
    _report(
        "cluster",
        on_cluster,
        f"{corpus.megabytes / on_cluster.seconds:6.2f} MB/s  (peak RSS: the driver's tree only; the workers are apart)",
    )
    same = all(
        (workdir / f"warehouse-{kind}-{articles}" / "publish" / "current" / "manifest.json").exists()
        for kind in ("plain", "cluster")
    )
    if same:
        tables = [
            json.loads(
                (workdir / f"warehouse-{kind}-{articles}" / "publish" / "current" / "manifest.json").read_text()
            )["tables"]
            for kind in ("plain", "cluster")
        ]
        print(f"{'':<11} published tables identical: {tables[0] == tables[1]}", flush=True)


def _report(label: str, run: Run, rates: str) -> None:
    outcome = "ok" if run.returncode == 0 else f"FAILED rc={run.returncode}: {run.last_line[:200]}"
    stages = ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in run.stages.items())
    print(
        f"{label:<11} {run.seconds:7.1f} s  {rates}  peak RSS {run.peak_tree_mb:,.0f} MB tree / "
        f"{run.peak_process_mb:,.0f} MB largest process  [{outcome}]",
        flush=True,
    )
    if stages:
        print(f"{'':<11} stages (s): {stages}", flush=True)


def long_article(megabytes: float = 1.0, seed: int = 7) -> float:
    """Extraction time of one article of `megabytes` of text (seed paragraphs with their digits
    varied, one per line): it is cut into pieces of PIECE_CHARS, so the time grows linearly."""
    from datetime import date

    import polars as pl

    from flows.reference import load_all
    from flows.steps.extract import PIECE_CHARS, extract, pieces

    text = _long_text(megabytes, seed)
    size = len(text.encode())
    documents = pl.DataFrame({"doc_id": ["long"], "text": [text]})
    ref = load_all()
    today = date.today()
    extract(documents.with_columns(pl.col("text").str.slice(0, 200)), ref, today)  # load the matchers first
    start, cpu = time.perf_counter(), time.process_time()
    facts = extract(documents, ref, today)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"one {size / 1e6:.1f} MB article ({len(text):,} characters, {len(pieces(text, PIECE_CHARS))} pieces): "
        f"extract {seconds:.1f} s ({cpu:.1f} s CPU), {sum(len(f) for f in facts.values()):,} rows",
        flush=True,
    )
    return seconds


def _long_text(megabytes: float, seed: int) -> str:
    """An article of about `megabytes` of UTF-8: seed paragraphs with their digits varied, one per line."""
    rng = random.Random(seed)
    paragraphs, lines, size = _seed_pool()[0], [], 0
    while size < megabytes * 1e6:
        digits = "".join(rng.sample("0123456789", 10))
        lines.append(rng.choice(paragraphs).translate(str.maketrans("0123456789", digits)))
        size += len(lines[-1].encode()) + 1
    return "\n".join(lines)


def long_articles(root: Path, workdir: Path, files: int = 3, megabytes: float = 1.0) -> None:
    """A first run on `files` articles of `megabytes` each: every stage's cost must grow linearly with an
    article's length, not only extraction's (cleaning's shingles and validation's span checks did not)."""
    folder = workdir / "long-articles"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        (folder / f"long-{index}.txt").write_text(_long_text(megabytes, seed=index), encoding="utf-8")
    print(f"\n== {files} articles of {megabytes:.0f} MB, fresh warehouse", flush=True)
    run = greenwire_run(root, folder, workdir / "warehouse-long")
    _report("first run", run, f"{files * megabytes / run.seconds:5.2f} MB/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=os.environ.get("SIZES", "10000,100000"),
        help="corpus sizes in articles, comma-separated (default 10000,100000; env SIZES)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the greenwire checkout to run (default: this one)")
    parser.add_argument("--keep", type=Path, help="write corpora and warehouses here and keep them")
    parser.add_argument("--no-fixed", action="store_true", help="skip the fixed-cost run on the seed files")
    parser.add_argument(
        "--cluster-articles",
        type=int,
        default=int(os.environ.get("CLUSTER_ARTICLES", 10000)),
        help="corpus size of the plain vs 2-worker Dask cluster comparison (0 skips it; env CLUSTER_ARTICLES)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.replace(" ", "").split(",") if s]
    with tempfile.TemporaryDirectory(prefix="greenwire-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        compiled = f"{len(native.in_use())} modules compiled (flows/native.py)" if args.root.resolve() == ROOT else "?"
        print(
            f"greenwire at {args.root.resolve()}; work in {workdir}; {os.cpu_count()} cores; {compiled}; "
            f"Python {platform.python_version()} ({sys.executable})"  # the venv's interpreter: Makefile, PYTHON
        )
        long_article()
        if not args.no_fixed:
            fixed_cost(args.root.resolve(), workdir)
        long_articles(args.root.resolve(), workdir)  # after the fixed cost, whose first run creates Prefect's database
        results = [bench(n, args.root.resolve(), workdir) for n in sizes]
        if args.cluster_articles:
            cluster_vs_local(args.cluster_articles, args.root.resolve(), workdir)
    if len(results) > 1:
        small, large = results[0], results[-1]
        ratio = (large["first"].seconds / large["articles"]) / (small["first"].seconds / small["articles"])
        print(f"\ncost per article at {large['articles']:,} / at {small['articles']:,}: {ratio:.2f} (1.0 is linear)")


if __name__ == "__main__":
    main()
