-- Every region mentioned, plus its ancestors up to the country, so that every
-- parent_region_id resolves. Coded regions take their attributes from the gazetteer;
-- zones and other places the gazetteer lacks take them from extraction.
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
        min(latitude) as latitude
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
        c.longitude,
        c.latitude
    from closure as cl
    inner join catalog as c on c.region_key = cl.region_key
)

select * from final
