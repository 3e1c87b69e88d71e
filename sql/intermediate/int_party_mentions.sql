-- Each party mention resolved to one party across documents. Within a document the
-- extractor already maps aliases to the full name it saw; across documents, a name that
-- elsewhere was seen only as an alias of exactly one party is mapped to that party.
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

final as (
    select
        'p_' || substr(md5(coalesce(a.canonical, m.name)), 1, 16) as party_id,
        coalesce(a.canonical, m.name) as party_name,
        m.doc_id,
        m.name as doc_name,
        m.surface,
        m.party_type,
        m.title,
        m.affiliation,
        m.country_code,
        m.region_key,
        m.char_start,
        m.char_end,
        m.evidence
    from mentions as m
    left join alias_map as a on a.alias = m.name
)

select * from final
