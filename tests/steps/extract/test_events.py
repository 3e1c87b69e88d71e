"""Events: named occasions, verb-made events, dates, places, roles, one event per happening."""

from datetime import date

import pytest

from flows.steps.extract.events import _VERB_RES, VERB_RULES, VerbTrigger
from flows.steps.extract.rules import decide
from flows.steps.extract.text import sentences


def events(run, text, reference=None, year=None):
    facts = run(text, reference, year)
    rows = {}
    for r in facts["events"].iter_rows(named=True):
        rows.setdefault(r["event_key"], r)
    roles = {}
    for r in facts["event_parties"].iter_rows(named=True):
        roles.setdefault(r["event_key"], set()).add((r["party_name"], r["role"]))
    return [
        (r["event_type"], r["name"], r["event_date"], r["date_precision"], roles.get(k, set()), r["region_key"])
        for k, r in rows.items()
    ]


def test_named_forum_with_date_place_and_hosts(run):
    text = "2024年6月5日,第三届长江生态论坛在武汉市举行。论坛由生态环境部、湖北省人民政府主办。"
    found = events(run, text)
    assert found == [
        (
            "forum_conference",
            "第三届长江生态论坛",
            date(2024, 6, 5),
            "day",
            {("生态环境部", "host"), ("湖北省人民政府", "host")},
            "CN-420100",
        )
    ]


def test_month_day_takes_the_year_of_the_text(run):
    found = events(run, "6月5日,长江生态保护论坛在武汉举行。", year=2024)
    assert [(e[1], e[2]) for e in found] == [("长江生态保护论坛", date(2024, 6, 5))]


def test_yesterday_resolves_against_the_reference_date(run):
    found = events(run, "昨天,长江生态保护论坛在武汉举行。", reference=date(2024, 6, 6))
    assert [(e[2], e[3]) for e in found] == [(date(2024, 6, 5), "day")]


def test_relative_year_falls_back_to_the_year_of_the_text(run):
    assert [e[2] for e in events(run, "去年成功举办首届长江绿色发展博览会。", year=2024)] == [date(2023, 1, 1)]
    assert [e[2] for e in events(run, "去年成功举办首届长江绿色发展博览会。")] == [None]


def test_same_day_refers_to_the_last_date_named(run):
    text = "2024年12月26日,光伏项目全容量并网投运。当天,副省长刘明一行到项目现场考察。"
    found = {e[0]: e[2] for e in events(run, text)}
    assert found == {"launch": date(2024, 12, 26), "visit": date(2024, 12, 26)}


def test_signing_with_its_signatories_and_the_occasion_date(run):
    text = "5月20日,绿色低碳发展大会在合肥举行。会上,国家电网有限公司与安徽省能源局签署战略合作协议。"
    found = events(run, text, year=2024)
    signing = next(e for e in found if e[0] == "signing")
    assert signing[1] == "国家电网有限公司与安徽省能源局签署战略合作协议"
    assert signing[2] == date(2024, 5, 20)  # the occasion's date: nothing in its own sentence
    assert signing[4] == {("国家电网有限公司", "signatory"), ("安徽省能源局", "signatory")}


def test_respective_signings_are_separate_agreements(run):
    text = "合肥市商务局、合肥新站高新区管委会与江苏恒远新材料股份有限公司、浙江海川能源有限公司分别签订投资协议。"
    found = [e for e in events(run, text) if e[0] == "signing"]
    partners = sorted(next(n for n, _ in e[4] if n not in ("合肥市商务局", "合肥新站高新区管委会")) for e in found)
    assert partners == ["江苏恒远新材料股份有限公司", "浙江海川能源有限公司"]


def test_launch_per_subject(run):
    text = "长三角氢能产业联盟和长三角储能产业联盟同步启动。"
    found = events(run, text)
    assert sorted((e[0], e[1]) for e in found) == [
        ("launch", "长三角储能产业联盟启动"),
        ("launch", "长三角氢能产业联盟启动"),
    ]


def test_announced_launch(run):
    found = events(run, "会上,主任王强宣布专家咨询委员会成立。")
    assert [(e[0], e[1], e[4]) for e in found] == [("launch", "专家咨询委员会成立", {("王强", "speaker")})]


@pytest.mark.parametrize(
    "text, kind, name",
    [
        ("生态环境部发布《中国应对气候变化的政策与行动》。", "release", "发布《中国应对气候变化的政策与行动》"),
        (
            "国务院批复同意《长江三角洲区域一体化发展规划》。",
            "approval",
            "国务院批复同意《长江三角洲区域一体化发展规划》",
        ),
        ("副省长刘明赴滁州市调研。", "visit", "刘明赴滁州市调研"),
        ("省防汛抗旱指挥部解除防汛四级应急响应。", "other", "解除防汛四级应急响应"),
        ("生态环境部举行“美丽中国建设”新闻发布会。", "press_conference", "“美丽中国建设”新闻发布会"),
        ("参观了长三角绿色发展成就展。", "exhibition", "长三角绿色发展成就展"),
    ],
)
def test_event_types(run, text, kind, name):
    assert [(e[0], e[1]) for e in events(run, text)] == [(kind, name)]


@pytest.mark.parametrize(
    "text",
    [
        "论坛期间,多家企业参展。",
        "此次论坛内容丰富,包括项目签约、主旨演讲等环节。",
        "全省4家园区获批国家级试点。",
        "推出“签约即开工”模式。",
        "海纳AI一体机的发布引起关注。",
    ],
)
def test_mentions_that_are_not_new_events(run, text):
    assert events(run, text) == []


def test_one_event_reported_twice_in_a_document(run):
    text = "2025长江生态论坛在武汉举行。本届长江生态论坛聚焦绿色转型。2025长江生态论坛发布多项成果。"
    found = [e for e in events(run, text) if e[0] == "forum_conference"]
    assert [e[1] for e in found] == ["2025长江生态论坛"]


def test_year_in_an_event_name_dates_it(run):
    found = events(run, "他出席2023国际低碳大会新闻发布会时表示。")
    assert ("press_conference", "2023国际低碳大会新闻发布会", date(2023, 1, 1), "year") in [e[:4] for e in found]


def test_a_campaign_or_survey_in_a_plan_is_not_an_event(run):
    assert events(run, "各地要组织开展废弃矿山核查,实施湿地保护与恢复工程。") == []


def test_a_list_of_headlines_reports_no_events(run):
    assert events(run, "五月工业企业利润平稳增长\n世界看好中国经济(来自夏季达沃斯论坛的报道)\n责编:王明") == []


@pytest.mark.parametrize(
    "text, year, expected",
    [
        # Ceremonies named by their form.
        ("3月8日,青山储能电站开工仪式在武汉市举行。", 2024, ("launch", "青山储能电站开工仪式", date(2024, 3, 8))),
        (
            "3月8日,绿色低碳产业联盟成立仪式在武汉市举行。",
            2024,
            ("launch", "绿色低碳产业联盟成立仪式", date(2024, 3, 8)),
        ),
        # Exhibitions, fairs by their short names.
        ("4月15日,第130届广交会开幕。", 2024, ("exhibition", "第130届广交会", date(2024, 4, 15))),
        (
            "5月20日,全省生态文明建设成果展在南昌开展。",
            2024,
            ("exhibition", "全省生态文明建设成果展", date(2024, 5, 20)),
        ),
        # Work conferences.
        (
            "1月5日,全省生态环境保护工作会议在南京召开。",
            2024,
            ("forum_conference", "全省生态环境保护工作会议", date(2024, 1, 5)),
        ),
        # Accession, dated surveys and programmes, activities named with their occasion.
        ("自1992年加入《湿地公约》以来,我国湿地保护成效显著。", None, ("other", "加入《湿地公约》", date(1992, 1, 1))),
        ("2021年,自然资源部组织开展全国废弃矿山核查。", None, ("other", "组织开展全国废弃矿山核查", date(2021, 1, 1))),
        (
            "2023年5月,国家林草局组织实施国土绿化提速工程。",
            None,
            ("launch", "组织实施国土绿化提速工程", date(2023, 5, 1)),
        ),
        ("2月2日,我国在杭州西溪举办主场宣传活动。", 2024, ("other", "在杭州西溪举办主场宣传活动", date(2024, 2, 2))),
        ("6月15日,2024年江城节能宣传周开幕。", 2024, ("other", "2024年江城节能宣传周", date(2024, 6, 15))),
        # Reviews passed, declarations signed, bulletins released, campaigns and bonds launched.
        (
            "《青山县储备林建设方案》通过省级专家评审。",
            None,
            ("approval", "《青山县储备林建设方案》通过省级专家评审", None),
        ),
        ("与会城区为《绿色低碳宣言》云签名。", None, ("signing", "《绿色低碳宣言》云签名", None)),
        (
            "2021年8月23日 现将2020年各省能耗降低率等指标数据公布如下:北京下降9.18%。",
            None,
            ("release", "2020年各省能耗降低率等指标数据公布", date(2021, 8, 23)),
        ),
        (
            "江城卫视早在2021年就发起了“碳中和行动者”评选。",
            None,
            ("launch", "发起“碳中和行动者”评选", date(2021, 1, 1)),
        ),
        (
            "2024年3月5日,江城银行成功发行10亿元绿色金融债券。",
            None,
            ("launch", "发行10亿元绿色金融债券", date(2024, 3, 5)),
        ),
    ],
)
def test_event_kinds_named_by_their_form(run, text, year, expected):
    assert [e[:3] for e in events(run, text, year=year)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "双方将共同设立绿色发展基金。",
        "今年举办赛展演等特色活动超百场。",
        "此次论坛内容丰富,包括成果推介、项目签约和主旨演讲等环节。",
        "倡导绿色会议,打造绿色展馆。",
    ],
)
def test_plans_lists_and_slogans_are_not_events(run, text):
    assert events(run, text, year=2024) == []


def test_signing_ceremony_folds_into_the_agreements_signed_at_it(run):
    text = "5月6日,合肥市举行重点项目签约仪式。合肥市人民政府与华光新能源有限公司签署投资协议。"
    found = events(run, text, year=2024)
    assert [e[:3] for e in found] == [("signing", "合肥市人民政府与华光新能源有限公司签署投资协议", date(2024, 5, 6))]


def test_a_counted_batch_alone_is_the_signing(run):
    assert [e[:2] for e in events(run, "大会现场,12个新能源项目集中签约。")] == [("signing", "12个新能源项目集中签约")]


def test_signing_with_no_agreement_named_takes_the_project_it_brings(run):
    text = (
        "华光新能源有限公司与青山镇人民政府成功签约,这标志着总投资5亿元的青山50兆瓦光伏电站项目正式落户青山镇。"
        "随后,该县还签约了青山光伏电站、白水风电场、绿源储能等3大项目。"
    )
    assert sorted(e[:2] for e in events(run, text)) == [
        ("signing", "青山50兆瓦光伏电站项目签约"),
        ("signing", "青山光伏电站等3大项目签约"),
    ]


def test_one_party_signing_with_a_list_signs_one_agreement_each(run):
    text = "合肥市人民政府与华光新能源有限公司、青山能源集团有限公司签订合作协议。"
    assert sorted(e[1] for e in events(run, text)) == [
        "合肥市人民政府与华光新能源有限公司签订合作协议",
        "合肥市人民政府与青山能源集团有限公司签订合作协议",
    ]


def test_quoted_projects_of_a_ceremony_are_signed_one_by_one(run):
    text = "此次签约仪式涉及“青山储能基地项目”和“白水电池生产项目”。"
    assert sorted(e[:2] for e in events(run, text)) == [
        ("signing", "白水电池生产项目签约"),
        ("signing", "青山储能基地项目签约"),
    ]


@pytest.mark.parametrize(
    "text, reference, expected",
    [
        # Founded: the organization after the verb.
        (
            "2021年,五个城区共同组建成立了长江城区绿色发展联盟。",
            None,
            ("launch", "长江城区绿色发展联盟组建成立", date(2021, 1, 1)),
        ),
        # Grid connection, nominalized; a page that starts mid-article with no date stays undated.
        (
            "该储能电站总容量为200兆瓦。此次青山磷酸铁锂储能电站的成功并网,将提升调峰能力。",
            None,
            ("launch", "青山磷酸铁锂储能电站并网", None),
        ),
        # A day of the month between the subject and its verb, of the month of the publication date.
        (
            "新华社贵阳12月30日电 总投资4亿元的青山风电装备基地29日在遵义正式开工。",
            date(2024, 12, 30),
            ("launch", "青山风电装备基地开工", date(2024, 12, 29)),
        ),
        (
            "青山风电项目今年3月底在“贵州屋脊”赫章县正式开工。",
            date(2024, 12, 30),
            ("launch", "青山风电项目开工", date(2024, 3, 1)),
        ),
    ],
)
def test_launch_subjects(run, text, reference, expected):
    assert [e[:3] for e in events(run, text, reference=reference)] == [expected]


@pytest.mark.parametrize(
    "text, reference, year, expected",
    [
        # The start of a range, not its end; 联合国 is not cut at 联合.
        (
            "将于2024年11月30日至12月12日在迪拜举行的第二十八届联合国气候变化大会。",
            None,
            None,
            ("forum_conference", "第二十八届联合国气候变化大会", date(2024, 11, 30)),
        ),
        # 当日 is the last date named; 2023年度 is what the results cover.
        (
            "2024年2月2日是世界湿地日。当日,我国发布2023年度湿地生态状况监测成果。",
            None,
            None,
            ("release", "发布2023年度湿地生态状况监测成果", date(2024, 2, 2)),
        ),
        # 日前 said on a known day: that month, at month precision.
        (
            "中国银行业协会日前发布的《2023年度银行业社会责任报告》显示,绿色信贷增长。",
            date(2024, 6, 20),
            2024,
            ("release", "发布《2023年度银行业社会责任报告》", date(2024, 6, 1)),
        ),
        # 日前 with no publication date: undated, never January 1 of a year from the name.
        (
            "中国银行业协会日前发布的《2023年度银行业社会责任报告》显示,绿色信贷增长。",
            None,
            2024,
            ("release", "发布《2023年度银行业社会责任报告》", None),
        ),
        (
            "县里召开2023年度目标责任考核总结表彰大会。",
            None,
            None,
            ("forum_conference", "2023年度目标责任考核总结表彰大会", None),
        ),
    ],
)
def test_event_dates(run, text, reference, year, expected):
    assert [e[:3] for e in events(run, text, reference=reference, year=year)][:1] == [expected]


def test_names_keep_their_quotes_and_combined_occasions(run):
    text = (
        "11月1日,第三届“2023零碳使命国际气候峰会”在北京召开。"
        "7月22日,江城联盟第二次联席会议暨绿色经济主题论坛在南京召开。"
    )
    assert [e[1] for e in events(run, text, year=2023)] == [
        "第三届“2023零碳使命国际气候峰会”",
        "江城联盟第二次联席会议暨绿色经济主题论坛",
    ]


def test_release_continued_with_yiji_is_a_second_release(run):
    text = "会上发布集团《绿色低碳发展报告》,同时发布集团2021年社会责任报告,以及15家子公司的社会责任报告。"
    assert [e[1] for e in events(run, text)] == [
        "发布集团《绿色低碳发展报告》",
        "发布集团2021年社会责任报告",
        "发布15家子公司的社会责任报告",
    ]


def test_press_conference_speakers_listed_by_title_and_name(run):
    text = "6月5日,国家能源局举行新闻发布会。发展规划司副司长王明、新能源司副司长李强介绍有关情况并回答记者提问。"
    found = events(run, text, year=2024)
    assert [(e[0], e[1]) for e in found] == [("press_conference", "国家能源局新闻发布会")]
    assert {n for n, r in found[0][4] if r == "speaker"} == {"王明", "李强"}


def test_an_occasion_the_reported_one_responds_to_keeps_no_borrowed_date(run):
    text = "11月1日,第三届零碳使命国际气候峰会在北京召开。本届峰会积极响应第28届联合国气候变化大会。"
    assert [e[1:3] for e in events(run, text, year=2023)] == [
        ("第三届零碳使命国际气候峰会", date(2023, 11, 1)),
        ("第28届联合国气候变化大会", None),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "国家能源局关于组织开展2024年可再生能源发展试点示范的通知。",
            ("release", "国家能源局关于组织开展2024年可再生能源发展试点示范的通知", {("国家能源局", "host")}),
        ),
        (
            "国家发展改革委、国家能源局联合印发《关于做好新能源消纳工作的通知》。",
            (
                "release",
                "印发《关于做好新能源消纳工作的通知》",
                {("国家发展和改革委员会", "host"), ("国家能源局", "host")},
            ),
        ),
        (
            "国家发展改革委印发《关于加快推动新型储能发展的指导意见》的通知。",
            ("release", "印发《关于加快推动新型储能发展的指导意见》的通知", {("国家发展和改革委员会", "host")}),
        ),
        ("近日,全国首单碳中和债券成功发行。", ("launch", "全国首单碳中和债券发行", set())),
        ("生态环境部组织召开全国碳市场建设工作推进会。", ("forum_conference", "全国碳市场建设工作推进会", set())),
        (
            "南京市与华光集团签署战略合作框架协议。",
            ("signing", "南京市与华光集团签署战略合作框架协议", {("华光集团", "signatory")}),
        ),
    ],
)
def test_notices_bonds_meetings_and_agreements(run, text, expected):
    assert [(e[0], e[1], e[4]) for e in events(run, text)] == [expected]


def test_press_conference_held_on_a_stated_day_with_its_listed_speakers(run):
    text = "国务院新闻办公室于6月8日上午举行新闻发布会。出席发布会的有:国家能源局局长章建华、副局长任京东。"
    found = events(run, text, year=2024)
    assert [e[:3] for e in found] == [("press_conference", "国务院新闻办公室新闻发布会", date(2024, 6, 8))]
    assert {n for n, r in found[0][4] if r == "speaker"} == {"章建华", "任京东"}


def test_an_award_given_releases_the_selection_named_before_it(run):
    text = "江城卫视发起“2024绿色发展年度致敬”评选。并于11月1日,在第三届江城气候峰会为获奖企业颁奖。"
    found = [e[:3] for e in events(run, text, year=2024) if e[0] == "release"]
    assert found == [("release", "“2024绿色发展年度致敬”评选颁奖", date(2024, 11, 1))]


def test_one_edition_named_two_ways_is_one_occasion(run):
    text = (
        "为呼应将于2023年11月30日在迪拜举行的第二十八届联合国气候变化大会,11月1日,第三届零碳峰会在北京举办。"
        "“我们选择在《联合国气候变化框架公约》第28次缔约方大会召开前夕举办峰会。”"
    )
    found = events(run, text, year=2023)
    assert [e[1:3] for e in found] == [
        ("第二十八届联合国气候变化大会", date(2023, 11, 30)),
        ("第三届零碳峰会", date(2023, 11, 1)),
    ]


@pytest.mark.parametrize("numeral, value", [("二十八", 28), ("28", 28), ("十", 10), ("十五", 15), ("一百零五", 105)])
def test_edition_numbers(numeral, value):
    from flows.steps.extract.events import _number

    assert _number(numeral) == value


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "3月12日,青山区300余名干部群众参加义务植树活动。",
            ("other", "青山区300余名干部群众参加义务植树活动", date(2024, 3, 12)),
        ),
        (
            "记者从国家林业和草原局获悉,我国再新增青山湖、白水湾、绿源滩等18处国际重要湿地。",
            ("approval", "新增青山湖等18处国际重要湿地", None),
        ),
    ],
)
def test_civic_actions_and_designations(run, text, expected):
    assert [e[:3] for e in events(run, text, year=2024)] == [expected]


def test_the_body_a_reporter_learned_it_from_announced_it(run):
    found = events(run, "记者从国家林业和草原局获悉,我国再新增青山湖等18处国际重要湿地。")
    assert found[0][4] == {("国家林业和草原局", "host")}


@pytest.mark.parametrize("text", ["青山区干部群众参加义务植树活动。", "全省新增口径统计的充电桩12万个。"])
def test_undated_civic_actions_and_counts_are_not_events(run, text):
    assert events(run, text) == []


@pytest.mark.parametrize(
    "text, name",
    [
        ("5月8日,青山市举办「绿色生活」主题论坛。", "「绿色生活」主题论坛"),
        ("5月8日,青山市参加了“2024青山绿色发展”论坛。", "“2024青山绿色发展”论坛"),
        ("5月8日,第二届「青山杯」绿色创新大赛颁奖大会在青山召开。", "第二届「青山杯」绿色创新大赛颁奖大会"),
    ],
)
def test_names_are_not_cut_at_an_opening_quotation_mark(run, text, name):
    assert [e[1] for e in events(run, text, year=2024)] == [name]


@pytest.mark.parametrize(
    ("text", "event_type", "reason"),
    [
        ("工地上挂着“拿地即开工”的标语。", "launch", "inside quotes: a slogan (“拿地即开工”)"),
        ("该中心由两所大学共同组建。", "launch", "由A和B共同组建: who founded an event already named"),
        (
            "这标志着项目正式落户。",
            "launch",
            "这标志着项目正式落户: what an event reported before means, not a new one",
        ),
        ("全省4家获批国家级绿色工厂。", "approval", "4家获批…: a count, not an event"),
        ("双方在签约会上致辞。", "signing", "签约会, 发布环节, 调研组: part of another name or occasion"),
    ],
)
def test_verb_rules_refuse_with_their_reason(text, event_type, reason):
    sentence = sentences(text)[0]
    match = _VERB_RES[event_type].search(sentence.text)
    assert decide(VERB_RULES, VerbTrigger(sentence, match, event_type, [], [])) == (None, reason)
