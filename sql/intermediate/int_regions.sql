-- Every region mentioned, plus its ancestors up to the country, so that every
-- parent_region_id resolves. Coded regions take their attributes from the gazetteer;
-- zones and other places the gazetteer lacks take them from extraction.
-- Roll-ups: the province and prefecture a region lies in (itself when it is one). A region
-- without a point of its own takes its nearest ancestor's, and geo_precision says whose.
with recursive divisions as (
    select * from staging.stg_cn_divisions
),

countries as (
    select * from staging.stg_countries
),

subdivisions as (
    select * from staging.stg_foreign_subdivisions
),

mentions as (
    select * from intermediate.int_region_mentions
),

-- the gazetteer under the codes extraction uses: CN-<admin_code> for Chinese divisions,
-- ISO-<alpha2> for countries, <ISO 3166-2> for foreign subdivisions
gazetteer as (
    select
        'CN-' || admin_code as region_code,
        coalesce('CN-' || parent_admin_code, 'ISO-CN') as parent_region_code,
        name,
        level,
        'CN' as country_code,
        admin_code,
        longitude,
        latitude,
        name_en
    from divisions
    union all
    select 'ISO-' || country_code, null, name, 'country', country_code, null, null, null, name_en
    from countries
    union all
    select subdivision_code, 'ISO-' || country_code, name, 'province', country_code, null, null, null, name_en
    from subdivisions
),

reference as (
    select
        region_id(region_code) as region_id,
        region_id(parent_region_code) as parent_region_id,
        name,
        level,
        country_code,
        admin_code,
        longitude,
        latitude,
        name_en
    from gazetteer
),

-- One whole mention per place the gazetteer lacks: the first by parent, name, level and the rest.
-- Mentions of one place agree on these in practice; when they do not, the row stays whole
-- rather than taking each column's minimum from a different mention.
extracted as (
    select
        region_id,
        parent_region_id,
        name,
        level,
        country_code,
        admin_code,
        longitude,
        latitude,
        null::varchar as name_en
    from mentions
    where region_id not in (select region_id from reference)
    qualify row_number() over (
        partition by region_id
        order by parent_region_code, name, level, country_code, admin_code, longitude, latitude
    ) = 1
),

catalog as (
    select * from reference
    union all
    select * from extracted
),

closure(region_id) as (
    select distinct region_id from mentions
    union
    select c.parent_region_id
    from closure as cl
    inner join catalog as c on c.region_id = cl.region_id
    where c.parent_region_id is not null
),

regions as (
    select c.*
    from closure as cl
    inner join catalog as c on c.region_id = cl.region_id
),

lineage(region_id, ancestor_id, depth) as (
    select region_id, region_id, 0 from regions
    union all
    select l.region_id, c.parent_region_id, l.depth + 1
    from lineage as l
    inner join catalog as c on c.region_id = l.ancestor_id
    where c.parent_region_id is not null and l.depth < 8
),

ancestry as (
    select
        l.region_id,
        first(a.region_id order by l.depth) filter (where a.level = 'province') as province_region_id,
        first(a.region_id order by l.depth) filter (where a.level = 'prefecture') as prefecture_region_id,
        first(a.longitude order by l.depth) filter (where a.longitude is not null) as longitude,
        first(a.latitude order by l.depth) filter (where a.longitude is not null) as latitude,
        first(case when l.depth = 0 then 'exact' else 'parent_' || a.level end order by l.depth)
            filter (where a.longitude is not null) as geo_precision
    from lineage as l
    inner join catalog as a on a.region_id = l.ancestor_id
    group by l.region_id
),

final as (
    select
        c.region_id,
        c.parent_region_id,
        a.province_region_id,
        a.prefecture_region_id,
        c.name,
        c.level,
        c.country_code,
        c.admin_code,
        c.name_en,
        a.longitude,
        a.latitude,
        coalesce(a.geo_precision, 'none') as geo_precision
    from regions as c
    left join ancestry as a on a.region_id = c.region_id
)

select * from final
