with regions as (
    select * from intermediate.int_regions
),

mentions as (
    select * from intermediate.int_region_mentions
),

aliases as (
    select region_id, list_sort(list_distinct(list(surface))) as surfaces
    from mentions
    group by region_id
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
    left join regions as p on p.region_id = r.parent_region_id
    left join regions as province on province.region_id = r.province_region_id
    left join regions as prefecture on prefecture.region_id = r.prefecture_region_id
    left join aliases as a on a.region_id = r.region_id
)

select * from final
order by region_id
