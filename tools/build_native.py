"""Compile flows.native.MODULES with mypyc into build/native/ (what `make` runs after installing).

    python -m tools.build_native            # build/native/, with its manifest of source hashes
    python -m tools.build_native --clean    # remove build/native/: plain Python everywhere

The sources are copied into a temporary folder and compiled there (mypyc builds in place), then
the libraries move to build/native/ at once, with a manifest of the sha256 of each source. A
machine without a C compiler or Python's headers gets a manifest that says why, and greenwire runs
as plain Python there (the same rows, slower extraction): the build never fails `make`.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flows import native


def build(target: Path = native.BUILD_DIR, modules: tuple[str, ...] = native.MODULES) -> str:
    """Compile `modules` into target (replacing what it held); returns a one-line account. mypyc's
    own output goes to target/mypyc.log."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="greenwire-native-") as tmp:
        work, staged = Path(tmp) / "work", Path(tmp) / "staged"
        staged.mkdir()
        try:
            manifest = _compile(work, staged, suffix, modules)
        except Exception as exc:  # whatever went wrong, `make` goes on with plain Python
            manifest = {"suffix": suffix, "python": native.interpreter(), "modules": {}}
            manifest["failed"] = f"{type(exc).__name__}: {exc}"
        (staged / native.MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staged, target)
    seconds = time.perf_counter() - started
    if manifest.get("failed"):
        return f"native build skipped ({manifest['failed']}); greenwire runs as plain Python ({seconds:.0f} s)"
    return f"compiled {len(manifest['modules'])} modules with mypyc into {target} ({seconds:.0f} s)"


def _compile(work: Path, staged: Path, suffix: str, modules: tuple[str, ...]) -> dict[str, Any]:
    """mypyc over a copy of flows/ in work; the libraries copied into staged; the manifest."""
    shutil.copytree(native.ROOT / "flows", work / "flows", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    hashes = {name: native.digest(native.source_file(name)) for name in modules}
    sources = [str(native.source_file(name).relative_to(native.ROOT)) for name in modules]
    done = subprocess.run(
        [sys.executable, "-m", "mypyc", *sources], cwd=work, capture_output=True, text=True, check=False
    )
    (staged / "mypyc.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        said = (done.stdout + done.stderr).splitlines()
        first = next((line for line in said if "error" in line.lower()), said[-1] if said else "no output")
        failed = f"mypyc exited {done.returncode}: {first.strip()}"
        return {"suffix": suffix, "python": native.interpreter(), "modules": {}, "failed": failed}
    compiled = {}
    for name in modules:
        library = Path(*name.split(".")).with_name(name.rsplit(".", 1)[1] + suffix)
        (staged / library).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(work / library, staged / library)
        compiled[name] = {"library": str(library), "source_sha256": hashes[name]}
    shared = {}
    for lib in work.glob(f"*__mypyc{suffix}"):  # the one library the modules' own ones load
        shutil.copy2(lib, staged / lib.name)
        shared[lib.name.removesuffix(suffix)] = lib.name
    return {"suffix": suffix, "python": native.interpreter(), "modules": compiled, "shared": shared}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="remove build/native/ instead")
    args = parser.parse_args()
    if args.clean:
        shutil.rmtree(native.BUILD_DIR, ignore_errors=True)
        print(f"removed {native.BUILD_DIR}")
        return
    print(
        f"compiling {len(native.MODULES)} extraction modules with mypyc into {native.BUILD_DIR} "
        "(about 100 s, again only when one of them changes) ...",
        flush=True,
    )
    print(build(), flush=True)


if __name__ == "__main__":
    main()
