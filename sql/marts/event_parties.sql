with clusters as (
    select * from intermediate.int_event_clusters
),

event_parties as (
    select * from staging.stg_event_parties
),

parties as (
    select distinct doc_id, doc_name, party_id from intermediate.int_party_mentions
),

final as (
    select distinct
        c.event_id,
        p.party_id,
        ep.role
    from event_parties as ep
    inner join clusters as c on c.event_uid = ep.event_uid
    inner join parties as p on p.doc_id = ep.doc_id and p.doc_name = ep.party_name
)

select * from final
order by event_id, party_id, role
