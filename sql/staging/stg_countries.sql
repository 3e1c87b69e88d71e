-- Countries from the gazetteer (seeds/reference/countries.csv).
with source as (
    select * from ref.countries
),

final as (
    select
        iso2 as country_code,
        name_zh as name,
        nullif(name_en, '') as name_en
    from source
)

select * from final
