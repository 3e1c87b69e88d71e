-- Each party's role in each event mention, the party resolved to its party_id. A name no party
-- mention of the document carries has no party to point at and is left out.
with event_parties as (
    select * from staging.stg_event_parties
),

document_parties as (
    select * from intermediate.int_document_parties
),

final as (
    select distinct
        event_mention_id(ep.doc_id, ep.doc_event_id) as event_mention_id,
        dp.party_id,
        ep.role
    from event_parties as ep
    inner join document_parties as dp on dp.doc_id = ep.doc_id and dp.doc_name = ep.party_name
)

select * from final
