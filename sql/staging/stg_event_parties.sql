with source as (
    select * from raw.event_parties
),

final as (
    select distinct
        doc_id,
        event_key,
        doc_id || '/' || event_key as event_uid,
        party_name,
        role
    from source
)

select * from final
