-- Every region mentioned, plus its ancestors up to the country, so that every
-- parent_region_id resolves. Coded regions take their attributes from the gazetteer;
-- zones and other places the gazetteer lacks take them from extraction.
-- Roll-ups: the province and prefecture a region lies in (itself when it is one). A region
-- without a point of its own takes its nearest ancestor's, and geo_precision says whose.
with recursive reference as (
    select * from staging.stg_ref_regions
),

mentions as (
    select * from staging.stg_region_mentions
),

extracted as (
    select
        region_key,
        min(parent_key) as parent_key,
        min(name) as name,
        min(level) as level,
        min(country_code) as country_code,
        min(admin_code) as admin_code,
        min(longitude) as longitude,
        min(latitude) as latitude,
        null::varchar as name_en
    from mentions
    where region_key not in (select region_key from reference)
    group by region_key
),

catalog as (
    select * from reference
    union all
    select * from extracted
),

closure(region_key) as (
    select distinct region_key from mentions
    union
    select c.parent_key
    from closure as cl
    inner join catalog as c on c.region_key = cl.region_key
    where c.parent_key is not null
),

regions as (
    select c.*
    from closure as cl
    inner join catalog as c on c.region_key = cl.region_key
),

lineage(region_key, ancestor_key, depth) as (
    select region_key, region_key, 0 from regions
    union all
    select l.region_key, c.parent_key, l.depth + 1
    from lineage as l
    inner join catalog as c on c.region_key = l.ancestor_key
    where c.parent_key is not null and l.depth < 8
),

ancestry as (
    select
        l.region_key,
        first(a.region_key order by l.depth) filter (where a.level = 'province') as province_key,
        first(a.region_key order by l.depth) filter (where a.level = 'prefecture') as prefecture_key,
        first(a.longitude order by l.depth) filter (where a.longitude is not null) as longitude,
        first(a.latitude order by l.depth) filter (where a.longitude is not null) as latitude,
        first(case when l.depth = 0 then 'exact' else 'parent_' || a.level end order by l.depth)
            filter (where a.longitude is not null) as geo_precision
    from lineage as l
    inner join catalog as a on a.region_key = l.ancestor_key
    group by l.region_key
),

final as (
    select
        c.region_key,
        case
            when regexp_full_match(c.region_key, '[A-Z0-9-]+') then c.region_key
            else 'R-' || substr(md5(c.region_key), 1, 12)
        end as region_id,
        c.parent_key,
        c.name,
        c.level,
        c.country_code,
        c.admin_code,
        c.name_en,
        a.province_key,
        a.prefecture_key,
        a.longitude,
        a.latitude,
        coalesce(a.geo_precision, 'none') as geo_precision
    from regions as c
    left join ancestry as a on a.region_key = c.region_key
)

select * from final
