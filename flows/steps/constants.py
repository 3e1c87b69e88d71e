"""Constants the steps share, each named once: character classes, plausible-date windows, how
region levels rank, when two event names are the same, and how far the rules look around a word.

Widths are in characters. A rule that looks back from a word looks only as far as what it looks
for can reach: that keeps its answer local and a long sentence from costing its square.
"""

from __future__ import annotations

from datetime import date, timedelta

# Chinese characters (CJK Extension A, Unified Ideographs, Compatibility Ideographs), spelled out
# so the same class works in Polars (Rust regex) and Python `re`: rf"[{HAN}]".
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The Unified Ideographs alone: the characters counted when measuring how Chinese a text (or a
# reading of its bytes) is, where the rare extension and compatibility forms would count noise.
COMMON_HAN = "\u4e00-\u9fff"

# Characters an organization's name is made of (中国-东盟(南宁)…中心, GE·中国, 华光&合作…), read back
# from its suffix word.
ORG_NAME_CHARS = rf"[{HAN}A-Za-z0-9·—\-&()（）]"
# A zone's name can also join two industries with a plus sign (…绿色能源+绿色农牧产业园); an
# organization's is read without it, as the party rules were tuned.
ZONE_NAME_CHARS = rf"[{HAN}A-Za-z0-9·—\-+&()（）]"

# Publication dates outside [EARLIEST_PUBLISHED, today + PUBLISHED_MARGIN] are misread or garbled
# stamps (6361-06-08); the margin allows a page dated by a time zone ahead of ours.
EARLIEST_PUBLISHED = date(1990, 1, 1)
PUBLISHED_MARGIN = timedelta(days=1)
# An event is dated between 1900 and five years from today (plans announce events a few years
# ahead); a date outside is a misread number and is dropped. expectations/events.json checks the
# same window, with today + EVENT_HORIZON as its `max_event_date`.
EARLIEST_EVENT = date(1900, 1, 1)
EVENT_HORIZON = timedelta(days=5 * 365)

# Region levels, most specific first: an organization is located, and a zone parented, by the most
# specific place named inside it. Levels not listed rank after all of these.
LEVEL_RANK = {"zone": 0, "county": 1, "prefecture": 2, "province": 3, "country": 4, "other": 5}
UNRANKED_LEVEL = 9

# Two event names whose character-bigram Dice is at least this name one happening (events.py within
# a document; sql/intermediate/int_event_pairs.sql across documents uses the same threshold).
SAME_NAME_DICE = 0.6
# Two agreements whose signatories are unknown are one only with nearly identical names.
SAME_SIGNING_DICE = 0.9

# How far back a name is read from the word that ends it.
ORG_NAME_REACH = 30  # an organization's own name before its suffix word (国家先进材料技术创新中心)
ZONE_NAME_REACH = 24  # a zone's own name before its zone word (广州南沙经济技术开发区)
ZONE_PLACES_REACH = 100  # which place mentions a zone word is shown: generous, it only bounds a lookup
TOWNSHIP_NAME_REACH = 8  # the characters a township's name (and its county) can take before 镇/乡/街道
TITLE_CHAIN_REACH = 12  # one more title of a chain before a title (党委副书记、|总经理)
TRANSLITERATED_NAME_REACH = 10  # the Han part before the dot of a transliterated name (玛丽亚·加西亚)
COUNTRY_PREFIX_REACH = 8  # a country's name right before an organization (美国GE); the longest is 8
# The name run before a short form (abbreviation, trade name, lexicon alias), to tell a word that starts
# a name from one inside another name (全国|网 is not 国网); a zone's short form looks a little further.
SHORT_FORM_CONTEXT = 10
ZONE_SHORT_FORM_CONTEXT = 12

# How far back event rules look from their trigger.
FUTURE_REACH = 20  # 将/拟/计划/争取 before an occasion or a phrase: not held yet
OCCASION_NAME_REACH = 40  # an occasion's noun phrase before its noun (2023临江绿色发展论坛)
RELATED_CLAUSE_REACH = 60  # 响应/迎接… before an occasion: another occasion the reported one relates to
HOLDER_REACH = 50  # …举行/召开 before an unnamed occasion: who holds it
REPORTER_SOURCE_REACH = 80  # 记者从…获悉 before a phrase: whom the news came from
TIME_REACH = 300  # a time expression before a trigger in its sentence
AWARD_NAME_REACH = 300  # the selection (“…”评选) an award ceremony gives the results of
PASSIVE_SIGNING_REACH = 40  # the name before 协议…签署: what was signed
LAST_CLAUSE_REACH = 40  # a closing …参加/出席 clause: where it can start, back from the sentence end
NAMED_DAY_REACH = 600  # characters before a sentence searched for the day 当天/同日 refer to

# Entries of each per-string cache of the extractors (functools.lru_cache over names and the name
# characters before a name word): about 3 MB a cache when full, in every extraction worker.
NAME_CACHE_SIZE = 8192

# Around a span: the text quoted as its evidence when the span crosses sentences.
EVIDENCE_CONTEXT = 40
