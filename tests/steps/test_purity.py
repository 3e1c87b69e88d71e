"""The steps are pure: no module under flows/steps reads the clock or the disk, starts processes or
imports the orchestration or the warehouse (STYLE.md, "Steps are pure")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STEPS = Path(__file__).resolve().parents[2] / "flows" / "steps"
MODULES = sorted(STEPS.rglob("*.py"))

# Imported by no step: the clock, the file system, processes and threads, orchestration, the warehouse.
FORBIDDEN_IMPORTS = {
    "os",
    "pathlib",
    "shutil",
    "glob",
    "io",
    "time",
    "subprocess",
    "multiprocessing",
    "threading",
    "concurrent",
    "prefect",
    "duckdb",
    "flows.settings",
    "flows.reference",
    "flows.warehouse",
    "flows.ops",
    "flows.app",
    "flows.batches",
    "flows.tasks",
    "flows.pipeline",
}
# Called by no step: datetime's clock, the built-in open, Polars' readers and writers.
FORBIDDEN_CALLS = {"today", "now", "utcnow", "open", "perf_counter", "process_time"}
FORBIDDEN_CALL_PREFIXES = ("read_", "scan_", "write_", "sink_")


def _imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _called(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def test_the_steps_are_all_checked():
    assert {"clean.py", "extract/__init__.py", "extract/events.py"} <= {str(m.relative_to(STEPS)) for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: str(m.relative_to(STEPS)))
def test_a_step_imports_no_clock_disk_process_or_orchestration(module):
    imported = _imports(ast.parse(module.read_text(encoding="utf-8")))
    assert not {name for name in imported if name in FORBIDDEN_IMPORTS or name.split(".")[0] in FORBIDDEN_IMPORTS}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: str(m.relative_to(STEPS)))
def test_a_step_calls_no_clock_and_reads_or_writes_no_file(module):
    called = _called(ast.parse(module.read_text(encoding="utf-8")))
    assert not (called & FORBIDDEN_CALLS)
    assert not [name for name in called if name.startswith(FORBIDDEN_CALL_PREFIXES)]


def test_the_checks_see_a_clock_and_a_reader():
    impure = ast.parse(
        "import os\nfrom datetime import date\nimport polars as pl\nday = date.today()\nframe = pl.read_csv('x.csv')\n"
    )
    assert "os" in _imports(impure)
    assert {"today", "read_csv"} <= _called(impure)
