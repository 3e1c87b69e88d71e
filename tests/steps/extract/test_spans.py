"""Evidence spans: every offset slices the text to the surface it reports."""

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "我市解除西青区、静海区市防汛四级应急响应\n园完成注册,短短8个月时间。",  # a zone word after a line break
        "天津大学环境科学\n研究院院长王凯表示，项目投资2亿元。",
        "来自中国\n国家能源局的专家出席。",
        "会议\n于2024年6月18日在天津举行。",
    ],
)
def test_spans_slice_the_text_when_a_line_break_precedes_a_name_word(run, text):
    for name, frame in run(text).items():
        surface = "surface" if "surface" in frame.columns else "raw_text" if "raw_text" in frame.columns else None
        for row in frame.iter_rows(named=True) if surface else []:
            assert text[row["char_start"] : row["char_end"]] == row[surface], (name, row)
