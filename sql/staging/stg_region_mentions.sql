with source as (
    select * from raw.region_mentions
),

final as (
    select
        doc_id,
        region_key,
        parent_key,
        surface,
        name,
        level,
        nullif(country_code, '') as country_code,
        nullif(admin_code, '') as admin_code,
        longitude,
        latitude,
        cast(char_start as integer) as char_start,
        cast(char_end as integer) as char_end,
        evidence
    from source
)

select * from final
