"""Bytes to text: find the encoding, or say exactly why a file cannot be read.

UTF-8 (with or without BOM) and UTF-16/32 with a BOM are recognised directly. Anything
else is tried as the encodings Chinese news actually comes in (GB18030 covers GB2312 and
GBK; Big5), charset-normalizer's guess first, and a reading must look like Chinese text:
mis-decoded bytes turn into rare characters, so a reading whose Chinese characters are
mostly outside the common repertoire (common Simplified *and* common Traditional) is refused.

A scraped page often carries a few stray bytes. Up to MAX_ERROR_SHARE of the bytes (at
most MAX_ERRORS) may be invalid in the chosen encoding: each becomes U+FFFD and the count
is kept (`Decoded.errors`, published as `documents.decode_errors`). More than that is a
mixed or binary file and is refused.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import charset_normalizer
import numpy as np
import opencc

from flows.steps.constants import COMMON_HAN

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

# Share of CJK characters that must fall in the common repertoire; real Simplified and
# Traditional news (GB or Big5) is above 0.97, UTF-8 read as GB18030 is 0.36-0.54.
MIN_COMMON_CJK = 0.85

# Invalid bytes tolerated in a file: 3 in a 4 KB page pass, a GBK half in a UTF-8 file does not.
MAX_ERROR_SHARE = 0.005
MAX_ERRORS = 64

# decode(errors="surrogateescape") turns each invalid byte into one of these.
_ESCAPED = re.compile("[\udc80-\udcff]")
_REPLACE_ESCAPED = dict.fromkeys(range(0xDC80, 0xDD00), "\ufffd")


@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str | None
    reason: str | None  # why the file is quarantined; None when text is usable
    errors: int = 0  # invalid bytes replaced by U+FFFD

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
    allowed = tolerated_errors(len(data))
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text, errors = _lenient(data[len(bom) :], encoding)
            if errors > allowed:
                return Decoded(
                    None,
                    None,
                    f"invalid {encoding} after its byte-order mark: {errors} invalid bytes, {allowed} tolerated",
                )
            return _checked(text, f"{encoding}-bom", errors)
    if b"\x00" in data[:8192]:
        return _utf16_without_bom(data)
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if utf8_error.start >= len(data) - 3 and utf8_error.reason == "unexpected end of data":
        return Decoded(None, None, f"truncated: the file ends inside a UTF-8 character (byte {utf8_error.start})")
    return _detect_legacy(data, utf8_error.start, allowed)


def tolerated_errors(size: int) -> int:
    """Invalid bytes a file of `size` bytes may carry and still be read: `tolerated_errors(4096)` -> 20."""
    return min(MAX_ERRORS, int(size * MAX_ERROR_SHARE))


def _detect_legacy(data: bytes, utf8_error_at: int, allowed: int) -> Decoded:
    """A clean GB18030/Big5 reading, else UTF-8 with a few stray bytes, else GB18030/Big5 with a few."""
    readings = []  # (encoding, text, errors, common share)
    for encoding in CANDIDATE_ENCODINGS:
        text, errors = _lenient(data, encoding)
        readings.append((encoding, text, errors, common_cjk_share(text)))
    clean = [r for r in readings if r[2] == 0 and r[3] >= MIN_COMMON_CJK]
    if len(clean) == 1:  # the one clean reading: whichever the detector guessed first, it is this one
        return _checked(clean[0][1], clean[0][0])
    best = charset_normalizer.from_bytes(data, cp_isolation=CANDIDATE_ENCODINGS).best()
    guess = best.encoding if best is not None else None
    readings.sort(key=lambda r: r[0] != guess)  # the detector's guess first (a stable sort)
    for encoding, text, errors, share in readings:
        if errors == 0 and share >= MIN_COMMON_CJK:
            return _checked(text, encoding)
    text, errors = _lenient(data, "utf-8")
    if errors <= allowed:
        return _checked(text, "utf-8", errors)
    utf8_errors = errors
    plausible = [r for r in readings if r[2] <= allowed and r[3] >= MIN_COMMON_CJK]
    if plausible:
        encoding, text, errors, _ = min(plausible, key=lambda r: r[2])
        return _checked(text, encoding, errors)
    mixed = _mixed(data, utf8_error_at)
    if mixed:
        return Decoded(None, None, mixed)
    readable = [r for r in readings if r[2] <= allowed]
    if readable:
        encoding, _, _, share = readable[0]
        return Decoded(
            None,
            None,
            f"mixed or unknown encoding: not UTF-8 (invalid byte at {utf8_error_at}) and as {encoding} "
            f"only {share:.0%} of its Chinese characters are common ones",
        )
    fewest = min([utf8_errors] + [r[2] for r in readings])
    return Decoded(
        None,
        None,
        f"undecodable: not UTF-8 (invalid byte at {utf8_error_at}), GB18030 or Big5 "
        f"({fewest} invalid bytes at best, {allowed} tolerated)",
    )


def _lenient(data: bytes, encoding: str) -> tuple[str, int]:
    """The text with each invalid byte as U+FFFD, and how many there were."""
    try:
        text = data.decode(encoding, errors="surrogateescape")
    except UnicodeDecodeError:
        # UTF-16/32 can fail on an ASCII byte (an odd length), which surrogateescape cannot hold:
        # count the replacements instead (a U+FFFD already in the text counts too; rare).
        text = data.decode(encoding, errors="replace")
        return text, text.count("\ufffd")
    errors = len(_ESCAPED.findall(text))
    return (text.translate(_REPLACE_ESCAPED) if errors else text), errors


def _mixed(data: bytes, utf8_error_at: int, min_chinese: int = 10) -> str | None:
    """The reason for a file that is Chinese UTF-8 up to some byte and something else after it."""
    head = data[:utf8_error_at].decode("utf-8", errors="replace")
    if len(_CJK.findall(head)) < min_chinese:
        return None
    return (
        f"mixed encodings: UTF-8 Chinese text up to byte {utf8_error_at}, then bytes that are not UTF-8 "
        "(no single encoding reads the whole file)"
    )


def _utf16_without_bom(data: bytes) -> Decoded:
    """UTF-16 text without a BOM: NUL bytes (from ASCII) but every code unit a plausible character."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        plausible = sum(1 for ch in text[:4000] if ch.isprintable() or ch in "\n\r\t")
        if plausible / max(1, len(text[:4000])) > 0.98 and common_cjk_share(text) >= MIN_COMMON_CJK:
            return _checked(text, encoding)
    return Decoded(None, None, "binary file (contains NUL bytes and is not UTF-16 text)")


def common_cjk_share(text: str) -> float:
    """Share of CJK characters in common use, either script: `common_cjk_share("天津發展")` -> 1.0.

    Counted by code point in numpy (a table of what each code point is, read at every character of
    the text as UTF-32): a regex scan of the text and a set lookup per character took 5 times as long,
    and this runs on each candidate reading of every file that is not UTF-8."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(_cjk_kinds()[codes], minlength=3)
    cjk = int(counts[_RARE_CJK] + counts[_COMMON_CJK])
    return int(counts[_COMMON_CJK]) / cjk if cjk else 1.0


# What _cjk_kinds() says of a code point: not in COMMON_HAN, in it but not common_characters(), or both.
_OTHER, _RARE_CJK, _COMMON_CJK = 0, 1, 2


@cache
def _cjk_kinds() -> np.ndarray:
    """_OTHER, _RARE_CJK or _COMMON_CJK for every code point (1.1 MB, once per process)."""
    kinds = np.zeros(sys.maxunicode + 1, dtype=np.uint8)
    low, high = (ord(bound) for bound in COMMON_HAN.split("-"))
    kinds[low : high + 1] = _RARE_CJK
    kinds[[ord(ch) for ch in common_characters()]] = _COMMON_CJK
    return kinds


_CJK = re.compile(f"[{COMMON_HAN}]")
# Control characters other than tab, line feed, form feed and carriage return (a binary's tell).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


@cache
def common_characters() -> frozenset[str]:
    """GB2312 (common Simplified), Big5 level 1 (common Traditional) and the Traditional forms of GB2312.

    GB2312 alone rejects every Traditional text read as GB18030; GBK or all of Big5 would be
    too wide to tell a good reading from a bad one (a UTF-8 file read as GB18030 lands on GBK's
    rarer characters). The OpenCC forms add mainland Traditional spellings such as 爲 and 覈.
    `"爲" in common_characters()` -> True.
    """
    gb2312 = _two_byte_characters("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF))
    big5_level1 = _two_byte_characters("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
    simplified = "\n".join(sorted(gb2312))  # one character a line: no phrase conversion
    traditional = {ch for config in ("s2t", "s2tw") for ch in opencc.OpenCC(config).convert(simplified)}
    traditional = {ch for ch in traditional if _CJK.fullmatch(ch)}  # not the line breaks
    return frozenset(gb2312 | big5_level1 | traditional)


def _two_byte_characters(encoding: str, leads: range, trails: Iterable[int]) -> set[str]:
    chars = set()
    for lead in leads:
        for trail in trails:
            try:
                chars.add(bytes([lead, trail]).decode(encoding))
            except UnicodeDecodeError:
                continue
    return {ch for ch in chars if _CJK.fullmatch(ch)}


def _checked(text: str, encoding: str, errors: int = 0) -> Decoded:
    """Refuse text that decoded but is mostly control characters (a binary in disguise)."""
    sample = text[:20000]
    control = len(_CONTROL.findall(sample))
    if sample and control / len(sample) > 0.01:
        return Decoded(None, None, f"binary file ({control} control characters in the first {len(sample)})")
    if not sample.strip():
        return Decoded(None, None, "blank file (only white space)")
    return Decoded(text, encoding, None, errors)
