"""The compiled extraction modules (flows/native.py): used only while they match their sources, and
the same rows as plain Python."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from flows import native
from flows.steps.schema import RAW_SCHEMAS

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _fake_build(folder: Path, hashes: dict[str, str], suffix: str = SUFFIX, python: str | None = None) -> Path:
    """A build folder with a manifest and a loadable shared library (a copy of one of Python's own)
    for each module: enough for usable(), which checks that each loads but does not import them."""
    import _ctypes

    loadable = Path(_ctypes.__file__)
    modules = {}
    for name, sha in hashes.items():
        library = Path(*name.split(".")).with_suffix(suffix)
        (folder / library).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(loadable, folder / library)
        modules[name] = {"library": str(library), "source_sha256": sha}
    shutil.copy(loadable, folder / "shared__mypyc.so")
    manifest = {
        "suffix": suffix,
        "python": python or native.interpreter(),
        "modules": modules,
        "shared": {"shared__mypyc": "shared__mypyc.so"},
    }
    (folder / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_a_build_is_used_only_while_every_source_it_compiled_is_unchanged(tmp_path):
    current = {name: native.digest(native.source_file(name)) for name in native.MODULES}
    fresh = _fake_build(tmp_path / "fresh", current)
    assert set(native.usable(fresh)) == set(native.MODULES) | {"shared__mypyc"}
    edited = _fake_build(tmp_path / "edited", {**current, native.MODULES[0]: "0" * 64})
    assert native.usable(edited) == {}
    other_python = _fake_build(tmp_path / "other", current, suffix=".cpython-399-x86_64-linux-gnu.so")
    assert native.usable(other_python) == {}
    # The same version and suffix, another build of it (Debian's 3.11.2 beside pyenv's 3.11.7, say)
    other_build = _fake_build(tmp_path / "other-build", current, python="3.11.0 (main, Jan 1 2023) [Clang 1.0]")
    assert native.usable(other_build) == {}
    damaged = _fake_build(tmp_path / "damaged", current)
    (damaged / "shared__mypyc.so").write_bytes(b"\x7fELF not really")  # copied half, or for another machine
    assert native.usable(damaged) == {}
    (fresh / "shared__mypyc.so").unlink()  # a library gone: nothing is used, not half a build
    assert native.usable(fresh) == {}
    assert native.usable(tmp_path / "never-built") == {}
    (fresh / native.MANIFEST).write_text('{"suffix": 1, "modules": [2]}')  # not a manifest of ours
    assert native.usable(fresh) == {}


def test_a_build_that_fails_leaves_a_manifest_saying_why_and_nothing_to_load(tmp_path):
    """Whatever fails in the build (here a module with no source), `make` goes on and greenwire runs
    as plain Python. (Without a C compiler mypyc itself fails after its type analysis, about a minute:
    that path writes mypyc's output to mypyc.log and is the same manifest.)"""
    from tools import build_native

    said = build_native.build(tmp_path / "native", ("flows.steps.extract.absent",))
    assert said.startswith("native build skipped (FileNotFoundError: ") and said.endswith("s)")
    assert "greenwire runs as plain Python" in said
    manifest = json.loads((tmp_path / "native" / native.MANIFEST).read_text())
    assert manifest["modules"] == {} and manifest["failed"].startswith("FileNotFoundError")
    assert native.usable(tmp_path / "native") == {}


# Extracts the seeds and a generated corpus in a fresh interpreter; writes each fact table as Parquet
# and prints which modules came from the compiled build and where `parties` was loaded from.
_EXTRACT = """
import json, sys
from datetime import date
from pathlib import Path
from flows import batches, native
from flows.app.bench import write_corpus
from flows.ops.incremental import PREVIOUS_SCHEMA, plan
from flows.ops.inventory import list_files
from flows.steps.extract import parties
import polars as pl
out, seeds, corpus = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
for folder in (seeds, corpus):
    rows = plan(list_files(folder, 10_000_000), pl.DataFrame(schema=PREVIOUS_SCHEMA), "v1")
    batch = batches.process_batch(batches.plan(rows, 10_000)[0], folder.resolve(), today=date(2026, 12, 1))
    for name, frame in {"documents": batch.documents, **batch.facts}.items():
        frame.write_parquet(out / f"{folder.name}-{name}.parquet")
print(json.dumps({"in_use": native.in_use(), "parties": parties.__file__}))
"""


def _extract(out: Path, corpus: Path, **env: str) -> dict[str, object]:
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _EXTRACT, str(out), str(native.ROOT / "seeds" / "raw"), str(corpus)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_compiled_modules_give_the_rows_of_plain_python(tmp_path):
    if not native.usable():
        built = (native.BUILD_DIR / native.MANIFEST).is_file()
        why = json.loads((native.BUILD_DIR / native.MANIFEST).read_text()).get("failed") if built else "not built"
        pytest.skip(f"no compiled build matches the sources ({why}); `make native` builds one")
    from flows.app.bench import write_corpus

    corpus = tmp_path / "corpus"
    write_corpus(corpus, 300, seed=11)
    plain = _extract(tmp_path / "plain", corpus, GREENWIRE_NATIVE="0")
    compiled = _extract(tmp_path / "compiled", corpus)
    assert plain["in_use"] == [] and str(plain["parties"]).endswith(".py")
    assert compiled["in_use"] == sorted(native.MODULES) and str(compiled["parties"]).endswith(SUFFIX)
    names = sorted(path.name for path in (tmp_path / "plain").iterdir())
    assert len(names) == 2 * len(RAW_SCHEMAS) and names == sorted(
        path.name for path in (tmp_path / "compiled").iterdir()
    )
    for name in names:
        expected = pl.read_parquet(tmp_path / "plain" / name)
        assert expected.height > 0, name
        assert pl.read_parquet(tmp_path / "compiled" / name).equals(expected), name
