"""Compiled copies of the per-document steps (mypyc), used only while they match their sources.

`make` compiles the modules of MODULES with mypyc (`python -m tools.build_native`) into
build/native/, beside a manifest with the sha256 of each source it compiled. `enable()` (run on
importing `flows`) puts a finder ahead of Python's own that loads those compiled modules, but
only when the build is for this interpreter (its version and build, `interpreter()`) and every
recorded hash matches its source file as it is now: an edited module is never shadowed by a stale
build, it runs as plain Python until the next `make`. The compiled code is the same code (mypyc
compiles the type-annotated Python as it is); tests/test_native.py checks that it gives the same rows.
GREENWIRE_NATIVE=0 turns it off.
What stays interpreted in a compiled module: the methods @dataclass generates (it writes them as
Python source at import), so a dataclass made by the ten thousand per batch writes its __init__ out.

    enable()    -> True when the compiled modules are in use
    in_use()    -> ("flows.steps.extract.parties", ...) or ()
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build" / "native"
MANIFEST = "manifest.json"

# The pure-Python hot paths of a batch, from a profile of the extraction workers: the rules of
# each extractor and the helpers they call per sentence or per match. Package __init__ modules
# stay plain (a compiled package needs its own search path).
MODULES = (
    "flows.steps.extract.assemble",
    "flows.steps.extract.dates",
    "flows.steps.extract.events",
    "flows.steps.extract.metrics",
    "flows.steps.extract.numbers",
    "flows.steps.extract.parties",
    "flows.steps.extract.regions",
    "flows.steps.extract.rules",
    "flows.steps.extract.text",
    "flows.steps.articles",
)


def source_file(module: str) -> Path:
    """The .py file of one of MODULES: source_file("flows.steps.extract.text") -> <repo>/flows/steps/extract/text.py."""
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def interpreter() -> str:
    """The running interpreter, as a build's manifest records it: its version and build (one compiled
    against another interpreter of the same version is not trusted), e.g. "3.11.2 (main, ...) [GCC 12.2.0]"."""
    return sys.version


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Finder(importlib.abc.MetaPathFinder):
    """A meta path finder for the compiled modules (and mypyc's shared library they import)."""

    def __init__(self, libraries: dict[str, Path]):
        self.libraries = libraries

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        library = self.libraries.get(name)
        if library is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(name, str(library))
        return importlib.util.spec_from_file_location(name, library, loader=loader)


def usable(build_dir: Path = BUILD_DIR) -> dict[str, Path]:
    """Module name -> compiled library of a build that may be used now (every source unchanged since
    it was compiled, same interpreter, every library loadable), else {}."""
    try:
        manifest = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
        if manifest["suffix"] != importlib.machinery.EXTENSION_SUFFIXES[0] or not manifest["modules"]:
            return {}
        if manifest.get("python") != interpreter():
            return {}  # another build of this Python version (3.11.2 or 3.11.7 share the suffix): compile again
        libraries: dict[str, Path] = {}
        for name, entry in manifest["modules"].items():
            source = source_file(name)
            if name not in MODULES or not source.is_file() or digest(source) != entry["source_sha256"]:
                return {}
            libraries[name] = build_dir / entry["library"]
        for name, file in manifest["shared"].items():
            libraries[name] = build_dir / file
        # Each library must exist and load here: one built against another C library, or copied in
        # half, would fail the run as it imports it (loading the nine takes about 3 ms).
        for library in libraries.values():
            if not library.is_file():
                return {}
            ctypes.CDLL(str(library))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # no build, or not one of ours
        return {}
    return libraries


_enabled: tuple[str, ...] = ()


def enable(build_dir: Path = BUILD_DIR) -> bool:
    """Load MODULES from a usable build from now on (call before they are imported); True if so."""
    global _enabled
    if _enabled or os.environ.get("GREENWIRE_NATIVE", "1") == "0":
        return bool(_enabled)
    libraries = usable(build_dir)
    if not libraries or any(name in sys.modules for name in libraries):
        return False
    sys.meta_path.insert(0, _Finder(libraries))
    _enabled = tuple(sorted(name for name in libraries if name in MODULES))
    return True


def in_use() -> tuple[str, ...]:
    """The modules enable() took from the compiled build (those imported since come from it)."""
    return _enabled
