with source as (
    select * from raw.party_mentions
),

final as (
    select
        doc_id,
        surface,
        name,
        party_type,
        nullif(title, '') as title,
        nullif(affiliation, '') as affiliation,
        nullif(country_code, '') as country_code,
        region_key,
        cast(char_start as integer) as char_start,
        cast(char_end as integer) as char_end,
        evidence
    from source
)

select * from final
