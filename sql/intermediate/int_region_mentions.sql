-- Every place mention with the ids of its place and of the place extraction put it in.
with mentions as (
    select * from staging.stg_region_mentions
    where in_scope(doc_id)
),

final as (
    select
        region_id(region_code) as region_id,
        region_id(parent_region_code) as parent_region_id,
        doc_id,
        region_code,
        parent_region_code,
        surface,
        name,
        level,
        country_code,
        admin_code,
        longitude,
        latitude,
        char_start,
        char_end,
        evidence_start,
        evidence_end
    from mentions
)

select * from final
