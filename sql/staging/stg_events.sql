with source as (
    select * from raw.events
),

final as (
    select
        doc_id,
        event_key,
        doc_id || '/' || event_key as event_uid,
        event_type,
        name,
        surface,
        region_key,
        subject,
        cast(event_date as date) as event_date,
        coalesce(date_precision, 'unknown') as date_precision,
        cast(char_start as integer) as char_start,
        cast(char_end as integer) as char_end,
        evidence
    from source
)

select * from final
