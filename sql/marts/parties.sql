with mentions as (
    select * from intermediate.int_party_mentions
),

regions as (
    select * from intermediate.int_regions
),

affiliations as (
    select distinct party_name, party_id from mentions
),

grouped as (
    select
        party_id,
        first(party_name) as name,
        first(party_type order by type_count desc, party_type) as party_type,
        list_sort(list_distinct(list(surface) || list(doc_name))) as seen_names,
        first(title order by title is null, title) as title,
        first(affiliation order by affiliation is null, affiliation) as affiliation,
        first(country_code order by country_code is null, country_code) as country_code,
        first(region_key order by region_key is null, region_key) as region_key,
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
        af.party_id as affiliation_party_id,
        r.region_id,
        g.name,
        g.party_type,
        list_filter(g.seen_names, lambda s: s <> g.name) as aliases,
        g.title,
        g.country_code,
        g.num_documents
    from grouped as g
    left join affiliations as af on af.party_name = g.affiliation
    left join regions as r on r.region_key = g.region_key
)

select * from final
order by party_id
