-- The gazetteer (seeds/reference) as region rows with the keys extraction uses:
-- CN-<admin_code> for Chinese divisions, ISO-<alpha2> for countries, <ISO 3166-2> for
-- foreign subdivisions.
with divisions as (
    select * from ref.cn_divisions
),

countries as (
    select * from ref.countries
),

subdivisions as (
    select * from ref.foreign_subdivisions
),

final as (
    select
        'CN-' || admin_code as region_key,
        case when parent_code is null or parent_code = '' then 'ISO-CN' else 'CN-' || parent_code end as parent_key,
        name,
        level,
        'CN' as country_code,
        admin_code,
        try_cast(longitude as double) as longitude,
        try_cast(latitude as double) as latitude,
        nullif(name_pinyin, '') as name_en
    from divisions
    union all
    select
        'ISO-' || iso2,
        null,
        name_zh,
        'country',
        iso2,
        null,
        null,
        null,
        nullif(name_en, '')
    from countries
    union all
    select
        code,
        'ISO-' || country_code,
        name_zh,
        'province',
        country_code,
        null,
        null,
        null,
        nullif(name_en, '')
    from subdivisions
)

select * from final
