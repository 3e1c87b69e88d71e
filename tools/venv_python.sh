#!/bin/sh
# The interpreter `make` builds .venv from (Makefile: PYTHON): the first of these that is CPython 3.11 or
# newer with the venv module and Python's C headers (mypyc compiles the extraction against them,
# flows/native.py), else python3. `make PYTHON=/path/to/python` chooses another.
#
#   /usr/bin/python3   the distribution's own build. On the Debian 12 machines greenwire is measured on, a
#                      statically linked 3.11.2 that ran the extraction 10-15 % faster than the pyenv 3.11.7
#                      first on PATH there (a shared libpython, configured without --enable-optimizations),
#                      and a first run at 100,000 articles 6-8 % faster (README, Performance).
#   python3            the first on PATH.
for candidate in /usr/bin/python3 python3; do
    if "$candidate" -c '
import ensurepip, os, sys, sysconfig, venv
headers = os.path.join(sysconfig.get_path("include"), "Python.h")
sys.exit(not (sys.implementation.name == "cpython" and sys.version_info >= (3, 11) and os.path.isfile(headers)))
' 2>/dev/null; then
        command -v "$candidate"
        exit 0
    fi
done
echo python3
