"""warehouse/quarantine: copies and a manifest of reasons, kept in step with the input folder."""

from datetime import UTC, datetime

from flows.ops import quarantine
from flows.ops.inventory import scan

T1 = datetime(2026, 1, 1, tzinfo=UTC)
T2 = datetime(2026, 1, 2, tzinfo=UTC)


def test_a_bad_file_is_copied_once_and_dropped_when_fixed(tmp_path):
    inbox, held = tmp_path / "in", tmp_path / "quarantine"
    inbox.mkdir()
    (inbox / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))
    first = quarantine.record(scan(inbox, 1000), inbox, held, "run-1", T1, 1000)
    again = quarantine.record(scan(inbox, 1000), inbox, held, "run-2", T2, 1000)
    assert [(e["source_file"], e["reason"]) for e in again] == [("bad.txt", "binary file (PNG image)")]
    assert again[0]["copy"] == first[0]["copy"] and again[0]["first_quarantined_at"] == T1.isoformat()
    assert (held / again[0]["copy"]).read_bytes() == (inbox / "bad.txt").read_bytes()
    assert quarantine.read(held) == again

    (inbox / "bad.txt").write_text("绿色发展。", encoding="utf-8")
    assert quarantine.record(scan(inbox, 1000), inbox, held, "run-3", T2, 1000) == []
    assert list((held / "files").iterdir()) == []


def test_oversized_files_are_listed_not_copied(tmp_path):
    inbox, held = tmp_path / "in", tmp_path / "quarantine"
    inbox.mkdir()
    (inbox / "big.txt").write_bytes("大".encode() * 400)
    [entry] = quarantine.record(scan(inbox, 1000), inbox, held, "run-1", T1, 1000)
    assert entry["copy"] is None and entry["note"] == f"not copied; see {inbox / 'big.txt'}"
