with clusters as (
    select * from intermediate.int_event_clusters
),

events as (
    select * from staging.stg_events
),

regions as (
    select * from intermediate.int_regions
),

members as (
    select c.event_id, e.*
    from clusters as c
    inner join events as e on e.event_uid = c.event_uid
),

ranked as (
    select
        *,
        case date_precision when 'day' then 3 when 'month' then 2 when 'year' then 1 else 0 end as precision_rank
    from members
),

final as (
    select
        m.event_id,
        first(r.region_id order by r.region_id is null, m.event_uid) as region_id,
        first(m.event_type order by m.event_uid) as event_type,
        first(m.name order by m.event_uid) as name,
        first(m.event_date order by m.precision_rank desc, m.event_uid) as event_date,
        first(m.date_precision order by m.precision_rank desc, m.event_uid) as date_precision,
        count(distinct m.doc_id) as num_documents
    from ranked as m
    left join regions as r on r.region_key = m.region_key
    group by m.event_id
)

select * from final
order by event_id
