"""Bytes to text: find the encoding, or say exactly why a file cannot be read.

UTF-8 (with or without BOM) and UTF-16/32 with a BOM are recognised directly. Anything
else goes to charset-normalizer, restricted to the encodings Chinese news actually
comes in (GB18030 covers GB2312 and GBK; Big5), and the winner must decode strictly and
read as Chinese text: mis-decoded bytes turn into rare characters, so a text whose
Chinese characters are mostly outside the common GB2312 / Big5 repertoire is refused.
"""
from __future__ import annotations

from dataclasses import dataclass

import charset_normalizer

CANDIDATE_ENCODINGS = ["gb18030", "big5"]

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]

# Signatures of the binary formats most often dropped into a text folder by mistake.
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or Office document)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "ELF executable"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"SQLite format 3\x00", "SQLite database"),
]

# Share of CJK characters that must fall in the common repertoire of the decoded
# encoding; real GB / Big5 news is above 0.97, UTF-8 read as GB18030 is near 0.5.
MIN_COMMON_CJK = 0.85


@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str | None
    reason: str | None  # why the file is quarantined; None when text is usable

    @property
    def ok(self) -> bool:
        return self.reason is None


def decode(data: bytes) -> Decoded:
    """Decode a raw file, or explain why not: `"天津".encode("gb18030")` -> Decoded("天津", "gb18030", None)."""
    if not data:
        return Decoded(None, None, "empty file (0 bytes)")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return Decoded(None, None, f"binary file ({kind})")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            label = f"{encoding}-bom"
            try:
                return _checked(data[len(bom):].decode(encoding), label)
            except UnicodeDecodeError as exc:
                return Decoded(None, None, f"invalid {encoding} after its byte-order mark at byte {exc.start}")
    if b"\x00" in data[:8192]:
        return _utf16_without_bom(data)
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if utf8_error.start >= len(data) - 3 and utf8_error.reason == "unexpected end of data":
        return Decoded(None, None, f"truncated: the file ends inside a UTF-8 character (byte {utf8_error.start})")
    return _detect_legacy(data, utf8_error.start)


def _detect_legacy(data: bytes, utf8_error_at: int) -> Decoded:
    best = charset_normalizer.from_bytes(data, cp_isolation=CANDIDATE_ENCODINGS).best()
    mixed = _mixed(data, utf8_error_at)
    if best is None:
        return Decoded(None, None, mixed or f"undecodable: not UTF-8 (invalid byte at {utf8_error_at}), GB18030 or Big5")
    encoding = best.encoding
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:  # the detector tolerates errors; the pipeline must not
        return Decoded(None, None, f"undecodable: best guess {encoding} fails at byte {exc.start}")
    share = common_cjk_share(text, encoding)
    if share < MIN_COMMON_CJK:
        if mixed:
            return Decoded(None, None, mixed)
        return Decoded(
            None, None,
            f"mixed or unknown encoding: not UTF-8 (invalid byte at {utf8_error_at}) and as {encoding} "
            f"only {share:.0%} of its Chinese characters are common ones",
        )
    return _checked(text, encoding)


def _mixed(data: bytes, utf8_error_at: int, min_chinese: int = 10) -> str | None:
    """The reason for a file that is Chinese UTF-8 up to some byte and something else after it."""
    head = data[:utf8_error_at].decode("utf-8", errors="replace")
    if sum(1 for ch in head if "\u4e00" <= ch <= "\u9fff") < min_chinese:
        return None
    return (f"mixed encodings: UTF-8 Chinese text up to byte {utf8_error_at}, then bytes that are not UTF-8 "
            "(no single encoding reads the whole file)")


def _utf16_without_bom(data: bytes) -> Decoded:
    """UTF-16 text without a BOM: NUL bytes (from ASCII) but every code unit a plausible character."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        plausible = sum(1 for ch in text[:4000] if ch.isprintable() or ch in "\n\r\t")
        if plausible / max(1, len(text[:4000])) > 0.98 and common_cjk_share(text, "gb18030") >= MIN_COMMON_CJK:
            return _checked(text, encoding)
    return Decoded(None, None, "binary file (contains NUL bytes and is not UTF-16 text)")


def common_cjk_share(text: str, encoding: str) -> float:
    """Share of CJK characters inside the common repertoire: `common_cjk_share("天津", "gb18030")` -> 1.0."""
    common = "gb2312" if encoding.startswith("gb") else "big5"
    cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not cjk:
        return 1.0
    return sum(_encodable(ch, common) for ch in cjk) / len(cjk)


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def _checked(text: str, encoding: str) -> Decoded:
    """Refuse text that decoded but is mostly control characters (a binary in disguise)."""
    sample = text[:20000]
    control = sum(1 for ch in sample if ch < " " and ch not in "\n\r\t\f")
    if sample and control / len(sample) > 0.01:
        return Decoded(None, None, f"binary file ({control} control characters in the first {len(sample)})")
    if not sample.strip():
        return Decoded(None, None, "blank file (only white space)")
    return Decoded(text, encoding, None)
