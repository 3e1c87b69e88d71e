-- Every span of an event mention, with the mention's id (int_event_clusters maps it to its event)
-- and the id of the place it names.
with events as (
    select * from staging.stg_events
    where in_scope(doc_id)
),

final as (
    select
        event_mention_id(doc_id, doc_event_id) as event_mention_id,
        doc_id,
        region_id(region_code) as region_id,
        event_type,
        name,
        surface,
        subject,
        event_date,
        date_precision,
        char_start,
        char_end,
        evidence_start,
        evidence_end
    from events
)

select * from final
