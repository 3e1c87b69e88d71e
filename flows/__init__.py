"""greenwire: messy Chinese green / low-carbon news in, a clean validated dataset out."""

__version__ = "0.1.0"
CONTRACT_VERSION = "1"
