"""The batch unit: decode -> clean -> extract of a few files, the same rows however the files are split."""

from __future__ import annotations

from concurrent import futures

import polars as pl

from flows import batches
from flows.ops.incremental import PREVIOUS_SCHEMA, plan
from flows.ops.inventory import list_files


def _planned(folder) -> pl.DataFrame:
    return plan(list_files(folder, 10_000_000), pl.DataFrame(schema=PREVIOUS_SCHEMA), "v1")


def test_plan_cuts_the_files_to_read_into_batches_in_name_order(seeds):
    planned = _planned(seeds)
    cut = batches.plan(planned, 2)
    assert [b.height for b in cut] == [2, 2, 1]
    assert pl.concat(cut)["source_file"].to_list() == sorted(planned["source_file"].to_list())
    assert batches.plan(planned.with_columns(action=pl.lit("reuse")), 2) == []


def test_split_batches_give_the_rows_of_one_batch_and_survive_parquet(seeds, tmp_path):
    planned = _planned(seeds)
    whole = batches.process_batch(batches.plan(planned, 100)[0], seeds.resolve())
    assert whole.files["status"].to_list() == ["processed"] * 5 and whole.files["text"].is_null().all()
    assert whole.documents["source_file"].n_unique() == 5 and whole.facts["region_mentions"].height > 0
    parts = [batches.process_batch(rows, seeds.resolve()) for rows in batches.plan(planned, 2)]
    assert pl.concat([p.documents for p in parts]).equals(whole.documents)
    for name, frame in whole.facts.items():
        assert pl.concat([p.facts[name] for p in parts]).equals(frame), name
    back = batches.Batch.read(whole.write(tmp_path / "batch-1"))
    assert back.files.equals(whole.files) and back.documents.equals(whole.documents)
    assert back.facts.keys() == whole.facts.keys()
    assert all(back.facts[name].equals(frame) for name, frame in whole.facts.items())


def test_a_batch_split_between_two_worker_processes_gives_the_rows_of_one_process(seeds, monkeypatch):
    """Extractor.process hands consecutive shares of the files to real worker processes and joins
    their parts in order; the threshold is lowered so the five seeds count as a big batch."""
    monkeypatch.setattr(batches, "PARALLEL_FROM_BYTES", 0)
    rows = batches.plan(_planned(seeds), 100)[0]
    whole = batches.process_batch(rows, seeds.resolve())
    with batches.Extractor(2) as extractor:
        split = extractor.process(rows, seeds.resolve())
        assert extractor._pool is not None  # the workers did the work
    assert split.files.equals(whole.files)
    assert split.documents.equals(whole.documents)
    assert split.facts.keys() == whole.facts.keys()
    assert all(split.facts[name].equals(frame) for name, frame in whole.facts.items())
    assert set(split.seconds) == set(batches.STAGES) and all(s > 0 for s in split.seconds.values())


def test_prefetched_batches_are_worked_on_in_order_before_they_are_asked_for_and_give_the_same_rows(seeds, monkeypatch):
    """prefetch() starts the workers on a batch behind those already started (the run keeps this one
    and the next under way); process() of the first started rows takes their parts, a batch small
    enough for this process runs here and leaves the started ones alone, other rows are processed
    afresh and the started ones dropped."""
    monkeypatch.setattr(batches, "PARALLEL_FROM_BYTES", 0)
    rows = batches.plan(_planned(seeds), 100)[0]
    four, one = rows.head(4), rows.head(1)  # four files are shared between two workers, one is not
    whole, fewer, single = (batches.process_batch(r, seeds.resolve()) for r in (rows, four, one))
    with batches.Extractor(2) as extractor:
        extractor.prefetch(rows, seeds.resolve())
        extractor.prefetch(four, seeds.resolve())
        extractor.prefetch(rows, seeds.resolve())  # already started: not started again
        assert [id(started) for started, _ in extractor._ahead] == [id(rows), id(four)]
        done, _ = futures.wait([part for _, parts in extractor._ahead for part in parts], timeout=300)
        assert len(done) == 4  # both batches' shares finished without process() asking
        here = extractor.process(one, seeds.resolve())
        assert [id(started) for started, _ in extractor._ahead] == [id(rows), id(four)]
        first = extractor.process(rows, seeds.resolve())
        second = extractor.process(four, seeds.resolve())
        assert extractor._ahead == []
        extractor.prefetch(rows, seeds.resolve())
        other = extractor.process(four, seeds.resolve())
        assert extractor._ahead == []  # the started batch asked out of order is dropped
    for batch, expected in ((first, whole), (second, fewer), (other, fewer), (here, single)):
        assert batch.files.equals(expected.files) and batch.documents.equals(expected.documents)
        assert all(batch.facts[name].equals(frame) for name, frame in expected.facts.items())
    monkeypatch.setattr(batches, "PARALLEL_FROM_BYTES", 10**12)
    with batches.Extractor(2) as extractor:
        extractor.prefetch(rows, seeds.resolve())  # a batch this process runs itself is not started early
        assert extractor._ahead == [] and extractor._pool is None


def test_an_error_in_a_part_of_a_batch_names_its_stage(seeds, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("no articles today")

    monkeypatch.setattr(batches, "clean_batch", broken)
    rows = batches.plan(_planned(seeds), 100)[0]
    try:
        batches.process_batch(rows, seeds.resolve())
    except batches.BatchFailed as exc:
        assert (exc.stage, str(exc)) == ("clean", "ValueError: no articles today")
        assert "no articles today" in exc.trace
    else:
        raise AssertionError("a failing clean step must raise BatchFailed")
