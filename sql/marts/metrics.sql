with metrics as (
    select * from staging.stg_metrics
),

clusters as (
    select * from intermediate.int_event_clusters
),

parties as (
    select distinct doc_id, doc_name, party_id from intermediate.int_party_mentions
),

regions as (
    select * from intermediate.int_regions
),

final as (
    select
        m.metric_id,
        m.doc_id,
        p.party_id as subject_party_id,
        r.region_id as subject_region_id,
        c.event_id,
        m.raw_text,
        m.unit,
        m.classifier,
        m.qualifier,
        m.indicator,
        m.period,
        m.value
    from metrics as m
    left join clusters as c on c.event_uid = m.doc_id || '/' || m.event_key
    left join parties as p on p.doc_id = m.doc_id and p.doc_name = m.subject_party
    left join regions as r on r.region_key = m.subject_region_key
)

select * from final
order by metric_id
