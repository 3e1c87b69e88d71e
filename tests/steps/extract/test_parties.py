"""Parties: organizations by lexicon and name structure, people by titles, aliases in a document."""

import pytest

from flows.steps.extract.events import VERB_RULES
from flows.steps.extract.parties import ORG_RULES, brand, org_verdict
from flows.steps.extract.rules import always


def parties(run, text):
    frame = run(text)["party_mentions"]
    return {(r["surface"], r["name"], r["party_type"]) for r in frame.iter_rows(named=True)}


def names(run, text):
    return {r[1] for r in parties(run, text)}


def test_hosts_listed_after_you(run):
    found = parties(run, "论坛由生态环境部、江苏省人民政府、南京大学主办。")
    assert found == {
        ("生态环境部", "生态环境部", "government"),
        ("江苏省人民政府", "江苏省人民政府", "government"),
        ("南京大学", "南京大学", "research_education"),
    }


def test_lexicon_abbreviation_gets_the_canonical_name(run):
    assert ("工信部", "工业和信息化部", "government") in parties(run, "工信部发布通知。")


def test_country_prefix_is_part_of_the_mention(run):
    frame = run("中国住房和城乡建设部与美国GE签约。")["party_mentions"]
    assert {(r["surface"], r["name"]) for r in frame.iter_rows(named=True)} == {
        ("中国住房和城乡建设部", "住房和城乡建设部"),
        ("美国GE", "通用电气公司"),
    }


@pytest.mark.parametrize(
    "text, name, kind",
    [
        ("安徽省发展和改革委员会召开会议。", "安徽省发展和改革委员会", "government"),
        ("合肥市生态环境局出台方案。", "合肥市生态环境局", "government"),
        ("江苏恒远新材料股份有限公司投资建厂。", "江苏恒远新材料股份有限公司", "enterprise"),
        ("中国光伏行业协会发布报告。", "中国光伏行业协会", "association"),
        ("长三角绿色产业创新联盟成立。", "长三角绿色产业创新联盟", "association"),
        ("国际可持续发展研究院开展研究。", "国际可持续发展研究院", "research_education"),
        ("浙江日报刊发评论。", "浙江日报", "media"),
        ("世界自然保护组织发布报告。", "世界自然保护组织", "international_org"),
    ],
)
def test_organizations_by_name_structure(run, text, name, kind):
    assert (name, name, kind) in parties(run, text)


@pytest.mark.parametrize(
    "text",
    [
        "相关行业协会代表参会。",
        "各级政府部门积极配合。",
        "将北京公司的子公司落户天津。",
        "共有11家子公司。",
        "优化空间布局,加强内部管理。",
        "交通运输部门加强运力。",
        "积极营造良好环境,增强基层党组织功能。",
        "打造国际合作平台。",
    ],
)
def test_generic_groups_and_look_alikes_are_not_parties(run, text):
    assert {r for r in parties(run, text) if r[2] != "person"} == set()


def test_nested_unit_records_its_parent(run):
    frame = run("清华大学环境学院院长表示。")["party_mentions"]
    rows = {r["surface"]: r["parent"] for r in frame.iter_rows(named=True)}
    assert rows == {"清华大学环境学院": "清华大学"}  # named only inside its unit: a parent, no mention of its own


def test_nested_parent_named_on_its_own_is_a_party_too(run):
    frame = run("清华大学与企业合作。清华大学环境学院参与。")["party_mentions"]
    rows = {(r["surface"], r["parent"]) for r in frame.iter_rows(named=True)}
    assert rows == {("清华大学", None), ("清华大学环境学院", "清华大学")}


def test_abbreviation_joins_its_full_name(run):
    found = parties(run, "江苏省产业技术研究院成立十年。江苏产研院已孵化企业。")
    assert ("江苏产研院", "江苏省产业技术研究院", "research_education") in found


def test_place_prefixed_and_short_forms_are_one_party(run):
    found = names(run, "南京市人民政府发布规划。市政府要求落实。南京市政府还表示。")
    assert found == {"南京市人民政府"}


def test_trade_name_after_the_full_company_name(run):
    found = parties(run, "宁德时代新能源科技股份有限公司在当地投资。宁德时代表示将扩产。")
    assert {r[1] for r in found} == {"宁德时代新能源科技股份有限公司"}
    assert any(r[0] == "宁德时代" for r in found)


@pytest.mark.parametrize(
    "full, short",
    [
        ("海纳智造(苏州)科技有限公司", "海纳智造"),
        ("宁德时代新能源科技股份有限公司", "宁德时代"),
        ("阿里云计算有限公司", "阿里云计算"),
        ("北京科技有限公司", None),
    ],
)
def test_brand(ref, full, short):
    assert brand(full, ref) == short


@pytest.mark.parametrize(
    "text, person, title",
    [
        ("市长李建国表示,要加快转型。", "李建国", "市长"),
        ("董事长欧阳明远详细介绍了项目。", "欧阳明远", "董事长"),
        ("副秘书长王芳在会上发言。", "王芳", "副秘书长"),
        ("总经理陈一鸣宣布项目启动。", "陈一鸣", "总经理"),
        ("联合国副秘书长约翰·史密斯和中方代表出席。", "约翰·史密斯", "副秘书长"),
    ],
)
def test_people_after_titles(run, text, person, title):
    frame = run(text)["party_mentions"]
    people = {(r["name"], r["title"]) for r in frame.iter_rows(named=True) if r["party_type"] == "person"}
    assert (person, title) in people


def test_person_affiliation_and_later_mentions(run):
    text = "苏州大学校长张晓明介绍了合作情况。张晓明表示,学校将加大投入。"
    frame = run(text)["party_mentions"]
    people = [r for r in frame.iter_rows(named=True) if r["party_type"] == "person"]
    assert [(r["name"], r["affiliation"]) for r in people] == [("张晓明", "苏州大学"), ("张晓明", "苏州大学")]


def test_collective_title_lists_people(run):
    frame = run("市领导刘伟、赵敏和市政府秘书长孙强参加活动。")["party_mentions"]
    assert {r["name"] for r in frame.iter_rows(named=True) if r["party_type"] == "person"} == {"刘伟", "赵敏", "孙强"}


def test_weak_titles_do_not_make_people(run):
    frame = run("企业的代表齐聚一堂。")["party_mentions"]
    assert frame.filter(frame["party_type"] == "person").is_empty()


@pytest.mark.parametrize(
    "text, name, kind",
    [
        ("项目建设方——江苏恒远新材料股份有限公司负责施工。", "江苏恒远新材料股份有限公司", "enterprise"),
        ("项目业主浙江某某能源发展有限公司介绍了情况。", "浙江某某能源发展有限公司", "enterprise"),
        ("副总经理兼宁波绿源能源有限公司总经理出席。", "宁波绿源能源有限公司", "enterprise"),
        ("李明代表苏州市政府签约。", "苏州市人民政府", "government"),
        ("(记者王小明)中国光伏行业协会日前发布报告。", "中国光伏行业协会", "association"),
        ("峰会由星河卫视、绿色资讯网联合主办。", "星河卫视", "media"),
        ("峰会由星河卫视、绿色资讯网联合主办。", "绿色资讯网", "media"),
        ("全国人民代表大会常务委员会通过决定。", "全国人民代表大会常务委员会", "government"),
    ],
    ids=[
        "role-and-dash",
        "role-label",
        "second-title",
        "on-behalf-of",
        "closed-bracket",
        "tv",
        "news-site",
        "congress",
    ],
)
def test_organization_boundaries(run, text, name, kind):
    assert (name, kind) in {(r[1], r[2]) for r in parties(run, text)}


@pytest.mark.parametrize(
    "text",
    [
        "跨国公司纷纷加大投资。",
        "推动老区学校建设。",
        "加快推进交办问题整改。",
        "会议在广州国际会展中心举行。",
        "主要银行业金融机构绿色信贷余额增长。",
        "加快配电网建设和工业互联网应用。",
    ],
)
def test_generic_phrases_venues_and_networks_are_not_parties(run, text):
    assert {r for r in parties(run, text) if r[2] != "person"} == set()


def test_group_short_name_joins_the_registered_company(run):
    frame = run("卓阳能源集团有限公司与县政府签约。卓阳集团投资40亿元。")["party_mentions"]
    assert {r["name"] for r in frame.iter_rows(named=True) if r["surface"] == "卓阳集团"} == {"卓阳能源集团有限公司"}


@pytest.mark.parametrize(
    "text, person",
    [
        ("联合国环境规划署驻华代表处主任涂瑞和等嘉宾出席。", "涂瑞和"),
        ("副镇长张哲君成功签约。", "张哲君"),
        ("驻华大使侯赛因·本·伊卜拉欣·哈马迪出席。", "侯赛因·本·伊卜拉欣·哈马迪"),
    ],
    ids=["name-before-list-break", "name-before-verb", "multi-part-foreign-name"],
)
def test_people_names_end_where_the_name_ends(run, text, person):
    frame = run(text)["party_mentions"]
    assert {r["name"] for r in frame.iter_rows(named=True) if r["party_type"] == "person"} == {person}


@pytest.mark.parametrize(
    "text, name, kind",
    [
        ("长三角绿色金融理事会成立。", "长三角绿色金融理事会", "association"),
        ("中国—上海合作组织绿色产业合作平台落地。", "中国—上海合作组织绿色产业合作平台", "other"),
    ],
    ids=["council", "platform-of-a-known-body"],
)
def test_councils_and_platforms(run, text, name, kind):
    assert (name, name, kind) in parties(run, text)


@pytest.mark.parametrize("text", ["打造国际合作平台。", "建设绿色金融综合服务平台。", "应邀出席的企业代表参观展区。"])
def test_generic_platforms_and_verbs_are_not_parties(run, text):
    assert {r for r in parties(run, text) if r[2] != "person"} == set()


def test_person_right_after_their_unit_before_a_verb_of_speech(run):
    frame = run("江苏恒远新材料股份有限公司李明表示,项目年内投产。")["party_mentions"]
    people = [(r["name"], r["affiliation"]) for r in frame.iter_rows(named=True) if r["party_type"] == "person"]
    assert people == [("李明", "江苏恒远新材料股份有限公司")]


@pytest.mark.parametrize(
    ("name", "body", "suffix", "verdict", "reason"),
    [
        ("企业和政府", "企业和", "政府", False, "a list (企业和政府), not a name"),
        ("相关企业协会", "相关企业", "协会", False, "a generic group (相关企业, 各级政府)"),
        ("展览厅", "展览", "厅", False, "a 厅 that is no province's (展览厅, 新闻发布厅)"),
        ("凤凰网", "凤凰", "网", True, "a news site named by a word or two (凤凰网), not a network (电网, 互联网)"),
        ("基层党组织", "基层党", "组织", False, "组织 as organizing (基层党组织), not an international organization"),
        ("市政府", "市", "政府", True, "a government named by its level alone (市政府, 省政府)"),
        ("区商务局", "区商务", "局", True, "a local government body named by its level (区商务局, 市体育局)"),
        ("合作平台", "合作", "平台", False, "a generic platform (合作平台), not a known body's"),
        (
            "兰州大学",
            "兰州",
            "大学",
            True,
            "named by its place alone: only a university, a government, a paper… (兰州大学, 兰州市人民政府)",
        ),
        (
            "常州工学院",
            "常州工",
            "学院",
            True,
            "a research or teaching body named by its place and a word (常州工学院, 南京林业大学)",
        ),
    ],
)
def test_org_rules_decide_with_their_reason(ref, name, body, suffix, verdict, reason):
    assert org_verdict(name, body, suffix, ref) == (verdict, reason)


@pytest.mark.parametrize("table", [ORG_RULES, VERB_RULES])
def test_rule_tables_end_with_a_rule_for_every_case_and_give_one_line_reasons(table):
    assert table[-1].when is always
    assert all(rule.reason and "\n" not in rule.reason for rule in table)
    assert len({rule.reason for rule in table}) == len(table)
