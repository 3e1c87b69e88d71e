-- A party's role in an event of one document; the party is named as that document names it.
with source as (
    select * from raw.event_parties
),

final as (
    select
        doc_id,
        event_key as doc_event_id,
        party_name,
        role
    from source
)

select * from final
