-- One real event reported by several articles becomes one event. Two event mentions
-- from different articles are the same event when they have the same type, compatible
-- dates (equal at the coarser precision, or one of them undated), the same numbers in
-- their names (2024 vs 2025 editions stay apart), and either similar names (character
-- bigram Dice >= 0.6), the same subject party, or at least two parties in common.
-- Matches are closed transitively; the event_id is derived from the earliest member, so
-- the same inputs always give the same ids.
with recursive events as (
    select * from staging.stg_events
),

event_parties as (
    select * from staging.stg_event_parties
),

named as (
    select
        *,
        list_distinct([substr(name, i, 2) for i in range(1, length(name))]) as bigrams,
        list_sort(list_distinct(regexp_extract_all(name, '[0-9]+'))) as numbers
    from events
),

pairs as (
    select a.event_uid, b.event_uid as other_uid
    from named as a
    inner join named as b
        on a.event_type = b.event_type
        and a.doc_id <> b.doc_id
        and a.event_uid < b.event_uid
    where
        (
            a.event_date is null or b.event_date is null
            or (a.date_precision = 'year' or b.date_precision = 'year')
                and year(a.event_date) = year(b.event_date)
            or (a.date_precision = 'month' or b.date_precision = 'month')
                and date_trunc('month', a.event_date) = date_trunc('month', b.event_date)
            or a.event_date = b.event_date
        )
        and (len(a.numbers) = 0 or len(b.numbers) = 0 or a.numbers = b.numbers)
        and (
            2.0 * len(list_intersect(a.bigrams, b.bigrams)) / greatest(len(a.bigrams) + len(b.bigrams), 1) >= 0.6
            or a.subject is not null and a.subject = b.subject
            or (
                select count(distinct pa.party_name)
                from event_parties as pa
                inner join event_parties as pb
                    on pa.party_name = pb.party_name
                where pa.event_uid = a.event_uid and pb.event_uid = b.event_uid
            ) >= 2
        )
),

edges as (
    select event_uid, other_uid from pairs
    union all
    select other_uid, event_uid from pairs
),

reach(event_uid, member_uid) as (
    select event_uid, event_uid from events
    union
    select r.event_uid, e.other_uid
    from reach as r
    inner join edges as e on e.event_uid = r.member_uid
),

final as (
    select
        event_uid,
        'e_' || substr(md5(min(member_uid)), 1, 16) as event_id
    from reach
    group by event_uid
)

select * from final
