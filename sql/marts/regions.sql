with regions as (
    select * from intermediate.int_regions
),

mentions as (
    select * from staging.stg_region_mentions
),

aliases as (
    select region_key, list_sort(list_distinct(list(surface))) as surfaces
    from mentions
    group by region_key
),

final as (
    select
        r.region_id,
        p.region_id as parent_region_id,
        province.region_id as province_region_id,
        prefecture.region_id as prefecture_region_id,
        r.name,
        r.name_en,
        r.level,
        r.country_code,
        r.admin_code,
        coalesce(list_filter(a.surfaces, lambda s: s <> r.name), []) as aliases,
        r.longitude,
        r.latitude,
        r.geo_precision
    from regions as r
    left join regions as p on p.region_key = r.parent_key
    left join regions as province on province.region_key = r.province_key
    left join regions as prefecture on prefecture.region_key = r.prefecture_key
    left join aliases as a on a.region_key = r.region_key
)

select * from final
order by region_id
