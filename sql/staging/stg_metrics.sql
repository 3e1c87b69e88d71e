with source as (
    select * from raw.metrics
),

final as (
    select
        doc_id,
        nullif(event_key, '') as doc_event_id,
        subject_party as subject_party_name,
        subject_region_key as subject_region_code,
        raw_text,
        unit,
        classifier,
        qualifier,
        indicator,
        period,
        cast(value as double) as value,
        cast(char_start as integer) as char_start,
        cast(char_end as integer) as char_end,
        cast(evidence_start as integer) as evidence_start,
        cast(evidence_end as integer) as evidence_end
    from source
)

select * from final
