-- Every metric with its id and the ids of what it is about: its event mention, its subject party
-- (resolved from the name its document gives it) and its subject place.
with metrics as (
    select * from staging.stg_metrics
    where in_scope(doc_id)
),

document_parties as (
    select * from intermediate.int_document_parties
),

final as (
    select
        'm_' || substr(md5(m.doc_id || '#' || m.char_start || '#' || m.raw_text), 1, 16) as metric_id,
        m.doc_id,
        event_mention_id(m.doc_id, m.doc_event_id) as event_mention_id,
        dp.party_id as subject_party_id,
        region_id(m.subject_region_code) as subject_region_id,
        m.raw_text,
        m.unit,
        m.classifier,
        m.qualifier,
        m.indicator,
        m.period,
        m.value,
        m.char_start,
        m.char_end,
        m.evidence_start,
        m.evidence_end
    from metrics as m
    left join document_parties as dp on dp.doc_id = m.doc_id and dp.doc_name = m.subject_party_name
)

select * from final
