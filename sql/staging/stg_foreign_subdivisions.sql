-- First-level subdivisions of other countries from the gazetteer (seeds/reference/foreign_subdivisions.csv).
with source as (
    select * from ref.foreign_subdivisions
),

final as (
    select
        code as subdivision_code,
        country_code,
        name_zh as name,
        nullif(name_en, '') as name_en
    from source
)

select * from final
