"""greenwire: messy Chinese green / low-carbon news in, a clean validated dataset out."""

from flows import native as _native

_native.enable()  # the compiled extraction modules, when built from these very sources (flows/native.py)

__version__ = "0.1.0"
CONTRACT_VERSION = "1"
