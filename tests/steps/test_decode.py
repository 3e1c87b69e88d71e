"""Decoding: every encoding greenwire accepts, written as bytes, and every refusal's reason."""

import pytest

from flows.steps.decode import (
    MAX_ERRORS,
    MIN_COMMON_CJK,
    common_characters,
    common_cjk_share,
    decode,
    tolerated_errors,
)

TEXT = "中新天津生态城举办绿色发展论坛,300多位代表参会。\n国家高新区生产总值达到17.3万亿元。\n"
TRADITIONAL = "中新天津生態城舉辦綠色發展論壇,300多位代表參會。\n國家高新區生產總值達到17.3萬億元。\n"


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        (TEXT.encode("utf-8"), "utf-8", TEXT),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-bom", TEXT),
        (TEXT.encode("utf-16"), "utf-16-le-bom", TEXT),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be-bom", TEXT),
        (TEXT.encode("utf-16-le"), "utf-16-le", TEXT),
        (TEXT.encode("gb18030"), "gb18030", TEXT),
        (TEXT.encode("gbk"), "gb18030", TEXT),
        (TRADITIONAL.encode("big5"), "big5", TRADITIONAL),
        (TRADITIONAL.encode("gb18030"), "gb18030", TRADITIONAL),
        (TRADITIONAL.encode("gbk"), "gb18030", TRADITIONAL),
        (
            "爲覈實隨州市優良率,並就社會關切的熱點問題答記者問。".encode("gb18030"),
            "gb18030",
            "爲覈實隨州市優良率,並就社會關切的熱點問題答記者問。",
        ),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16-bom",
        "utf16be-bom",
        "utf16le-no-bom",
        "gb18030",
        "gbk",
        "big5",
        "traditional-gb18030",
        "traditional-gbk",
        "mainland-traditional-gb18030",
    ],
)
def test_decodes_each_supported_encoding(data, encoding, text):
    decoded = decode(data)
    assert (decoded.text, decoded.encoding, decoded.reason) == (text, encoding, None)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file (0 bytes)"),
        (b"  \n\t\n", "blank file (only white space)"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary file (PNG image)"),
        (b"%PDF-1.7\n", "binary file (PDF document)"),
        (
            TEXT.encode("utf-8")[:-2],
            f"truncated: the file ends inside a UTF-8 character (byte {len(TEXT.encode()) - 4})",
        ),
        (b"\x00\x01\x02\x03garbage\x00\x00\xff", "binary file (contains NUL bytes and is not UTF-16 text)"),
        (
            b"\xef\xbb\xbf" + b"\xff" * 50 + TEXT.encode("utf-8"),
            "invalid utf-8 after its byte-order mark: 50 invalid bytes, 0 tolerated",
        ),
    ],
    ids=["empty", "blank", "png", "pdf", "truncated-utf8", "nul-bytes", "bom-then-garbage"],
)
def test_refuses_unreadable_input_with_its_reason(data, reason):
    decoded = decode(data)
    assert (decoded.text, decoded.reason) == (None, reason)


def test_refuses_mixed_encodings_instead_of_mangling():
    data = TEXT.encode("utf-8") * 3 + TEXT.encode("gbk") * 3
    decoded = decode(data)
    assert decoded.text is None
    assert decoded.reason == (
        f"mixed encodings: UTF-8 Chinese text up to byte {len(TEXT.encode()) * 3}, then bytes "
        "that are not UTF-8 (no single encoding reads the whole file)"
    )


def test_bytes_in_no_candidate_encoding_are_undecodable():
    decoded = decode(b"abc " + bytes(range(0x80, 0x100)) * 4)
    assert decoded.text is None
    assert decoded.reason == (
        "undecodable: not UTF-8 (invalid byte at 4), GB18030 or Big5 (8 invalid bytes at best, 2 tolerated)"
    )


ARTICLE = TEXT * 40  # 3.4 KB as GBK, 4.9 KB as UTF-8
PIECES = [ARTICLE[:500], ARTICLE[500:1000], ARTICLE[1000:1500], ARTICLE[1500:]]


@pytest.mark.parametrize(
    ("pieces", "codec", "encoding"),
    [
        (PIECES, "gbk", "gb18030"),
        (PIECES, "utf-8", "utf-8"),
        ([TRADITIONAL * 10, TRADITIONAL * 10, TRADITIONAL * 20], "big5", "big5"),
    ],
    ids=["gbk", "utf8", "big5"],
)
def test_a_few_stray_bytes_are_replaced_and_counted(pieces, codec, encoding):
    data = b"\xff".join(piece.encode(codec) for piece in pieces)
    decoded = decode(data)
    assert (decoded.text, decoded.encoding, decoded.reason, decoded.errors) == (
        "\ufffd".join(pieces),
        encoding,
        None,
        len(pieces) - 1,
    )


def test_clean_files_report_no_decode_errors():
    assert decode(TEXT.encode("gbk")).errors == 0
    assert decode(TEXT.encode("utf-8")).errors == 0


def test_stray_bytes_over_the_share_are_refused():
    data = b"\xff".join(TEXT.encode("gbk") for _ in range(40))  # 39 in 3.4 KB, 1.1 %
    decoded = decode(data)
    assert decoded.text is None
    assert decoded.reason == (
        "undecodable: not UTF-8 (invalid byte at 0), GB18030 or Big5 "
        f"(39 invalid bytes at best, {tolerated_errors(len(data))} tolerated)"
    )


def test_tolerated_errors_is_a_share_with_a_cap():
    assert [tolerated_errors(n) for n in (100, 4096, 1_000_000)] == [0, 20, MAX_ERRORS]


def test_common_repertoire_covers_both_scripts_but_not_misread_utf8():
    assert common_cjk_share(ARTICLE) == 1.0
    assert common_cjk_share(TRADITIONAL) == 1.0
    assert common_cjk_share(ARTICLE.encode("utf-8").decode("gb18030", errors="replace")) < MIN_COMMON_CJK


def test_common_share_counts_only_cjk_characters():
    # 丂 and 乄 are CJK but in neither GB2312 nor Big5 level 1; line breaks, Latin, digits and
    # punctuation are not CJK and count for nothing either way
    assert common_cjk_share("发展\n丂，abc 2024\n展\n乄\n") == 3 / 5
    assert common_cjk_share("\n丂\n乄\n") == 0.0
    assert common_cjk_share("abc\n，2024") == common_cjk_share("") == 1.0
    assert all(ch.isprintable() and len(ch) == 1 for ch in common_characters())


def test_an_odd_trailing_byte_after_a_utf16_bom_is_one_replaced_byte():
    data = (TEXT * 10).encode("utf-16") + b"\n"
    decoded = decode(data)
    assert (decoded.text, decoded.encoding, decoded.errors) == (TEXT * 10 + "\ufffd", "utf-16-le-bom", 1)


def test_text_with_over_one_percent_control_characters_is_a_binary_but_layout_characters_do_not_count():
    """Tab, line feed, form feed and carriage return are layout; any other character below a space is
    a control character, and more than 1 % of them in the first 20,000 characters refuse the file."""
    body = "天津发展绿色低碳产业。" * 10  # 110 characters
    assert decode((body + "\x01\x1b").encode("utf-8")).reason == "binary file (2 control characters in the first 112)"
    assert decode((body + "\x01").encode("utf-8")).text == body + "\x01"  # 1 of 111: under 1 %
    layout = body + "\t\n\f\r" * 20
    assert decode(layout.encode("utf-8")).text == layout
