with clusters as (
    select * from intermediate.int_event_clusters
),

mentions as (
    select * from intermediate.int_event_mentions
),

regions as (
    select * from intermediate.int_regions
),

documents as (
    select * from intermediate.int_documents
),

members as (
    select
        c.event_id,
        m.*,
        d.is_relevant as doc_relevant,
        coalesce(d.published_on, d.reference_date) as reported_on,
        d.source_file,
        d.article_index
    from clusters as c
    inner join mentions as m on m.event_mention_id = c.event_mention_id
    inner join documents as d on d.doc_id = m.doc_id
),

ranked as (
    select
        *,
        case date_precision when 'day' then 3 when 'month' then 2 when 'year' then 1 else 0 end as precision_rank
    from members
),

grouped as (
    select
        m.event_id,
        first(r.region_id order by r.region_id is null, m.event_mention_id) as region_id,
        first(m.event_type order by m.event_mention_id) as event_type,
        first(m.name order by m.event_mention_id) as name,
        first(m.event_date order by m.precision_rank desc, m.event_mention_id) as event_date,
        first(m.date_precision order by m.precision_rank desc, m.event_mention_id) as date_precision,
        count(distinct m.doc_id) as num_documents,
        -- the article that reported it first: earliest date, then input order
        first(m.doc_id order by m.reported_on nulls last, m.source_file, m.article_index) as first_doc_id,
        list_sort(list_distinct(list(m.doc_id))) as doc_ids,
        min(m.reported_on) as first_reported_on,
        bool_or(m.doc_relevant) as is_relevant
    from ranked as m
    left join regions as r on r.region_id = m.region_id
    group by m.event_id
),

final as (
    select
        event_id,
        region_id,
        first_doc_id,
        doc_ids,
        event_type,
        name,
        is_relevant,
        num_documents,
        event_date,
        date_precision,
        -- a year-only date is stored as January 1: it has a year but no month
        case when date_precision in ('day', 'month', 'year') then year(event_date) end::integer as event_year,
        case when date_precision in ('day', 'month') then date_trunc('month', event_date)::date end as event_month,
        first_reported_on
    from grouped
)

select * from final
order by event_id
