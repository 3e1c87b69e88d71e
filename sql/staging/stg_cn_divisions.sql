-- China's administrative divisions from the gazetteer (seeds/reference/cn_divisions.csv).
with source as (
    select * from ref.cn_divisions
),

final as (
    select
        admin_code,
        nullif(parent_code, '') as parent_admin_code,
        name,
        nullif(name_pinyin, '') as name_en,
        level,
        try_cast(longitude as double) as longitude,
        try_cast(latitude as double) as latitude
    from source
)

select * from final
