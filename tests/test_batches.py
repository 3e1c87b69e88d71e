"""The batch unit: decode -> clean -> extract of a few files, the same rows however the files are split."""

from __future__ import annotations

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
