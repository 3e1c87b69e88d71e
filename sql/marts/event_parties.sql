with clusters as (
    select * from intermediate.int_event_clusters
),

event_parties as (
    select * from intermediate.int_event_parties
),

final as (
    select distinct
        c.event_id,
        ep.party_id,
        ep.role
    from event_parties as ep
    inner join clusters as c on c.event_mention_id = ep.event_mention_id
)

select * from final
order by event_id, party_id, role
