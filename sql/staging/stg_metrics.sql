with source as (
    select * from raw.metrics
),

final as (
    select
        doc_id,
        'm_' || substr(md5(doc_id || '#' || char_start || '#' || raw_text), 1, 16) as metric_id,
        nullif(event_key, '') as event_key,
        subject_party,
        subject_region_key,
        raw_text,
        unit,
        classifier,
        qualifier,
        indicator,
        period,
        cast(value as double) as value,
        cast(char_start as integer) as char_start,
        cast(char_end as integer) as char_end,
        evidence
    from source
)

select * from final
