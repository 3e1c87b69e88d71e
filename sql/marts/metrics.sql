with metrics as (
    select * from intermediate.int_metrics
    where in_scope(doc_id)
),

evidence as (
    select * from staging.stg_evidence
    where in_scope(doc_id)
),

clusters as (
    select * from intermediate.int_event_clusters
),

regions as (
    select * from intermediate.int_regions
),

-- period text -> first and last day: 2022, 2023-01/2023-09, 2025-H1, 2024-Q3, 2021/2025
periods as (
    select
        metric_id,
        regexp_extract(split_part(period, '/', 1), '^(\d{4})(?:-(\d{2})(?:-\d{2})?|-H([12])|-Q([1-4]))?$',
                       ['y', 'm', 'h', 'q']) as a,
        regexp_extract(coalesce(nullif(split_part(period, '/', 2), ''), period),
                       '^(\d{4})(?:-(\d{2})(?:-\d{2})?|-H([12])|-Q([1-4]))?$', ['y', 'm', 'h', 'q']) as b
    from metrics
),

bounds as (
    select
        metric_id,
        make_date(nullif(a.y, '')::integer, coalesce(
            nullif(a.m, '')::integer, nullif(a.h, '')::integer * 6 - 5, nullif(a.q, '')::integer * 3 - 2, 1
        ), 1) as period_start,
        last_day(make_date(nullif(b.y, '')::integer, coalesce(
            nullif(b.m, '')::integer, nullif(b.h, '')::integer * 6, nullif(b.q, '')::integer * 3, 12
        ), 1)) as period_end
    from periods
),

-- what kind of figure it is, from the unit and keywords of the indicator and of the clause just before
-- the number (the indicator alone is often cut short)
context as (
    select
        metric_id,
        unit,
        classifier,
        coalesce(indicator, '') || ' '
        || right(regexp_extract(split_part(e.evidence, m.raw_text, 1), '[^，。；;,]*$'), 12) as words
    from metrics as m
    left join evidence as e
        on e.doc_id = m.doc_id and e.evidence_start = m.evidence_start and e.evidence_end = m.evidence_end
),

categorized as (
    select
        metric_id,
        case
            when unit in ('year', 'month', 'day') then 'duration'
            when regexp_full_match(unit, '[A-Z]{3}') then case
                when regexp_matches(words, '投资|投入|融资|资金|基金|外资|信贷|贷款') then 'investment'
                when regexp_matches(words, '产值|生产总值|GDP|增加值|营收|营业收入|收入|销售|交易额|进出口|出口|消费')
                    then 'output_value'
                else 'money' end
            when unit = 'percent' then case
                when regexp_matches(words, '增长|增速|下降|提高|降低|减少|提升|同比|环比') then 'growth_rate'
                else 'share' end
            when unit in ('kW', 'MW', 'GW', 'PFLOPS') then 'capacity'
            when unit in ('kWh', 'tce') then case
                when regexp_matches(words, '节能|节约|节省|降低|减少') then 'energy_saving'
                else 'energy' end
            when unit = 't' then case
                when regexp_matches(words, '排放|二氧化碳|碳|减排') then 'emissions'
                when regexp_matches(words, '能力|产能|规模') then 'capacity'
                else 'mass' end
            when unit in ('mu', 'hectare', 'km2', 'm2') then 'area'
            when unit = 'km' then 'length'
            when unit = 'count' then case
                when classifier in ('人', '位', '名', '人次') then 'people'
                else 'count' end
            else 'other'
        end as indicator_category
    from context
),

final as (
    select
        m.metric_id,
        m.doc_id,
        m.subject_party_id,
        r.region_id as subject_region_id,
        c.event_id,
        m.raw_text,
        m.unit,
        m.classifier,
        m.qualifier,
        m.indicator,
        m.period,
        b.period_start,
        b.period_end,
        k.indicator_category,
        m.unit in ('year', 'month', 'day') as is_duration,
        m.value
    from metrics as m
    inner join bounds as b on b.metric_id = m.metric_id
    inner join categorized as k on k.metric_id = m.metric_id
    left join clusters as c on c.event_mention_id = m.event_mention_id
    left join regions as r on r.region_id = m.subject_region_id
)

select * from final
order by metric_id
