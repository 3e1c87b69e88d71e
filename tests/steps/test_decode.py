"""Decoding: every encoding greenwire accepts, written as bytes, and every refusal's reason."""
import pytest

from flows.steps.decode import decode

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
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16be-bom", "utf16le-no-bom", "gb18030", "gbk", "big5"],
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
        (TEXT.encode("utf-8")[:-2], f"truncated: the file ends inside a UTF-8 character (byte {len(TEXT.encode()) - 4})"),
        (b"\x00\x01\x02\x03garbage\x00\x00\xff", "binary file (contains NUL bytes and is not UTF-16 text)"),
    ],
    ids=["empty", "blank", "png", "pdf", "truncated-utf8", "nul-bytes"],
)
def test_refuses_unreadable_input_with_its_reason(data, reason):
    decoded = decode(data)
    assert (decoded.text, decoded.reason) == (None, reason)


def test_refuses_mixed_encodings_instead_of_mangling():
    data = TEXT.encode("utf-8") * 3 + TEXT.encode("gbk") * 3
    decoded = decode(data)
    assert decoded.text is None
    assert decoded.reason == (f"mixed encodings: UTF-8 Chinese text up to byte {len(TEXT.encode()) * 3}, then bytes "
                              "that are not UTF-8 (no single encoding reads the whole file)")


def test_bytes_in_no_candidate_encoding_are_undecodable():
    decoded = decode(b"abc " + bytes(range(0x80, 0x100)) * 4)
    assert decoded.text is None
    assert decoded.reason == "undecodable: not UTF-8 (invalid byte at 4), GB18030 or Big5"
