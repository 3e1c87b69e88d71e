-- `name` is the party's full name as its document gives it; `surface` the text at the span.
with source as (
    select * from raw.party_mentions
),

final as (
    select
        doc_id,
        region_key as region_code,
        surface,
        name,
        party_type,
        nullif(title, '') as title,
        nullif(affiliation, '') as affiliation,
        nullif(country_code, '') as country_code,
        cast(char_start as integer) as char_start,
        cast(char_end as integer) as char_end,
        cast(evidence_start as integer) as evidence_start,
        cast(evidence_end as integer) as evidence_end
    from source
)

select * from final
