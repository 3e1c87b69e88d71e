-- region_code is extraction's code for the place: CN-<admin code>, ISO-<alpha-2>, an ISO 3166-2 code, or
-- TOWN:/ZONE: and the name for places without one; int_region_mentions turns it into region_id.
with source as (
    select * from raw.region_mentions
),

final as (
    select
        doc_id,
        region_key as region_code,
        parent_key as parent_region_code,
        surface,
        name,
        level,
        nullif(country_code, '') as country_code,
        nullif(admin_code, '') as admin_code,
        longitude,
        latitude,
        cast(char_start as integer) as char_start,
        cast(char_end as integer) as char_end,
        cast(evidence_start as integer) as evidence_start,
        cast(evidence_end as integer) as evidence_end
    from source
)

select * from final
