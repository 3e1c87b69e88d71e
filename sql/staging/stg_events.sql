-- One row per span of an event in a document; an event has one doc_event_id per document (e0, e1, ...).
with source as (
    select * from raw.events
),

final as (
    select
        doc_id,
        event_key as doc_event_id,
        region_key as region_code,
        event_type,
        name,
        surface,
        subject,
        cast(event_date as date) as event_date,
        coalesce(date_precision, 'unknown') as date_precision,
        cast(char_start as integer) as char_start,
        cast(char_end as integer) as char_end,
        cast(evidence_start as integer) as evidence_start,
        cast(evidence_end as integer) as evidence_end
    from source
)

select * from final
