-- Every party of the corpus once, by its resolved name: what a person's affiliation (an organization's
-- name) is looked up in (int_party_mentions). A table of its own so that an incremental build sees
-- which names came or went (flows/warehouse/increments.py).
with document_parties as (
    select * from intermediate.int_document_parties
),

final as (
    select distinct party_id, party_name from document_parties
)

select * from final
