-- Each party as one document names it, resolved to one party across documents. Within a
-- document the extractor already maps aliases to the full name it saw; across documents, a
-- name that elsewhere was seen only as an alias of exactly one party is mapped to that party.
-- Extraction refers to parties by name (event roles, metric subjects, affiliations): models
-- resolve those names to party_id through this table, and join on party_id after it.
with mentions as (
    select * from staging.stg_party_mentions
),

alias_pairs as (
    select distinct surface as alias, name as canonical
    from mentions
    where surface <> name
),

alias_map as (
    select alias, min(canonical) as canonical
    from alias_pairs
    group by alias
    having count(distinct canonical) = 1
),

names as (
    select distinct doc_id, name from mentions
),

final as (
    select
        n.doc_id,
        'p_' || substr(md5(coalesce(a.canonical, n.name)), 1, 16) as party_id,
        n.name as doc_name,
        coalesce(a.canonical, n.name) as party_name
    from names as n
    left join alias_map as a on a.alias = n.name
)

select * from final
