"""Contract tests that keep the project's structure honest."""

import re
from decimal import Decimal

import duckdb

from flows.app.cli import _parser
from flows.settings import EXPECTATIONS_DIR, ROOT, SQL_DIR
from flows.steps import dedup
from flows.warehouse import LAYERS, MART_TABLES, PYTHON_MODELS, create_macros, models, sql_models
from flows.warehouse.contract import CONTRACT
from flows.warehouse.validation import load_suites

PREFIX = {"staging": "stg_", "intermediate": "int_"}


def test_marts_are_exactly_the_contract_tables():
    marts = sorted(table for layer, table, _ in sql_models() if layer == "marts")
    assert marts == sorted(CONTRACT) == sorted(MART_TABLES)


def test_every_sql_file_carries_its_layer_prefix():
    for layer, table, path in sql_models():
        if layer in PREFIX:
            assert table.startswith(PREFIX[layer]), path


def test_no_model_reads_from_a_higher_layer_or_a_later_model_of_its_own():
    """Run order is folder order, then file order in a folder: a model may read its own layer's
    models that sort before it (int_event_pairs reads int_event_candidates), nothing later."""
    for layer, table, path in sql_models():
        sql = path.read_text()
        for other in LAYERS[LAYERS.index(layer) + 1 :]:
            assert not re.search(rf"\b{other}\.", sql), f"{path} reads from {other}"
        for read in re.findall(rf"\b{layer}\.(\w+)", sql):
            assert read < table, f"{path} reads {layer}.{read}, which is built after it"


def test_python_models_read_only_lower_layers_and_their_layers_sql_models():
    sql = {(layer, table): path for layer, table, path in sql_models()}
    for model in PYTHON_MODELS:
        assert model.table.startswith(PREFIX.get(model.layer, "")), model.table
        assert (model.layer, model.table) not in sql, f"{model.table} is both a SQL file and a Python model"
        for query in model.inputs.values():
            for layer, table in re.findall(rf"\b({'|'.join(LAYERS)})\.(\w+)", query):
                lower = LAYERS.index(layer) < LAYERS.index(model.layer)
                assert lower or (layer, table) in sql, f"{model.table} reads {table}"
        # the SQL models of its layer run before it, so none of them may read it
        for (layer, _table), path in sql.items():
            if layer == model.layer:
                assert not re.search(rf"\b{layer}\.{model.table}\b", path.read_text()), f"{path} reads {model.table}"


def test_models_run_layer_by_layer():
    layers = [layer for layer, _, _ in models()]
    assert layers == sorted(layers, key=LAYERS.index)


def test_every_mart_has_a_suite_and_every_suite_a_mart():
    assert sorted(load_suites()) == sorted(MART_TABLES)
    assert sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")) == sorted(MART_TABLES)


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _parser()._subparsers._group_actions[0].choices
    for command in commands:
        assert f"greenwire {command}" in readme, command


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and ci.strip().splitlines()[-1].strip() == "make test"


def test_sql_dir_has_only_the_three_layers():
    assert sorted(p.name for p in SQL_DIR.iterdir() if p.is_dir()) == sorted(LAYERS)


def _models_sql(layer: str) -> dict[str, str]:
    """Each model's SQL in `layer`, comments dropped, lowercased."""
    return {
        table: re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8")).lower()
        for model_layer, table, path in sql_models()
        if model_layer == layer
    }


def test_staging_models_only_rename_and_cast():
    """Unions, distinct, joins, aggregates, windows and id making belong in sql/intermediate."""
    logic = r"\b(join|union|distinct|group by|over|md5|hash)\b|\|\|"
    for table, sql in _models_sql("staging").items():
        assert not re.search(logic, sql), f"{table}: {re.search(logic, sql).group()}"


# The one key of the marts' sources that is not an id: an evidence is the span of its document's text
# (staging.stg_evidence, doc_id and these offsets), which its rows cite by those offsets.
EVIDENCE_KEY = {"evidence_start", "evidence_end"}


def test_marts_join_on_ids():
    joins = 0
    for table, sql in _models_sql("marts").items():
        # a join's condition runs to the next clause, over line breaks
        for condition in re.findall(r"\bjoin\b[^()]*?\bon\b(.*?)(?=\bjoin\b|\bwhere\b|\)|$)", sql, re.DOTALL):
            for left, right in re.findall(r"([\w.]+)\s*=\s*([\w.]+)", condition):
                joins += 1
                names = {left.rpartition(".")[2], right.rpartition(".")[2]}
                on_ids = left.endswith("_id") and right.endswith("_id")
                assert on_ids or (len(names) == 1 and names <= EVIDENCE_KEY), f"{table} joins on {left} = {right}"
    assert joins >= 20  # the pattern finds the marts' joins, those written over two lines included


def test_shared_constants_come_from_the_macros():
    con = duckdb.connect()
    create_macros(con)
    values = con.execute("select signature_length(), near_duplicate_similarity(), event_name_dice()").fetchall()
    assert values == [(dedup.PERMUTATIONS, Decimal("0.8"), Decimal("0.6"))]
    for layer in LAYERS:
        for table, sql in _models_sql(layer).items():
            assert not re.search(r"(?<![\w.])(0\.8|0\.6|64)(?![\w.])", sql), f"{table} writes a shared constant"
