with mentions as (
    select * from intermediate.int_party_mentions
),

regions as (
    select * from intermediate.int_regions
),

grouped as (
    select
        party_id,
        first(party_name) as name,
        first(party_type order by type_count desc, party_type) as party_type,
        list_sort(list_distinct(list(surface) || list(doc_name))) as seen_names,
        first(title order by title is null, title) as title,
        first(affiliation_party_id order by affiliation is null, affiliation) as affiliation_party_id,
        first(country_code order by country_code is null, country_code) as country_code,
        -- the place with the smallest code (hashed ids sort differently, and would pick another one)
        first(region_id order by region_code is null, region_code) as region_id,
        count(distinct doc_id) as num_documents
    from (
        select *, count(*) over (partition by party_id, party_type) as type_count
        from mentions
    )
    group by party_id
),

final as (
    select
        g.party_id,
        g.affiliation_party_id,
        r.region_id,
        g.name,
        g.party_type,
        list_filter(g.seen_names, lambda s: s <> g.name) as aliases,
        g.title,
        g.country_code,
        g.num_documents
    from grouped as g
    left join regions as r on r.region_id = g.region_id
)

select * from final
order by party_id
