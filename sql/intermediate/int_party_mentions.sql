-- Every party mention with its party (int_document_parties) and, for a person, the party of the
-- organization they hold their title in, when that organization is a party of the corpus.
with mentions as (
    select * from staging.stg_party_mentions
    where in_scope(doc_id)
),

document_parties as (
    select * from intermediate.int_document_parties
),

parties as (
    select * from intermediate.int_parties
),

final as (
    select
        dp.party_id,
        m.doc_id,
        region_id(m.region_code) as region_id,
        af.party_id as affiliation_party_id,
        dp.party_name,
        m.name as doc_name,
        m.surface,
        m.party_type,
        m.title,
        m.affiliation,
        m.country_code,
        m.region_code,
        m.char_start,
        m.char_end,
        m.evidence_start,
        m.evidence_end
    from mentions as m
    left join document_parties as dp on dp.doc_id = m.doc_id and dp.doc_name = m.name
    left join parties as af on af.party_name = m.affiliation
)

select * from final
