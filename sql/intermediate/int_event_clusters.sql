-- One real event reported by several articles becomes one event.
--
-- Two event mentions from different articles match when they have the same type,
-- compatible dates (equal at the coarser precision, or one of them undated), the same
-- numbers in their names when both have some (the 2024 and 2025 editions stay apart),
-- the same subject when both have one (two launches at one ceremony stay apart), and either similar names (character-bigram Dice >= 0.6), the same subject party, or
-- at least two parties in common.
--
-- Matching is closed transitively in two phases so that an undated mention cannot chain
-- two events that are known to differ: dated mentions are grouped first; an undated
-- mention then joins the one dated group it matches, and only when it matches exactly
-- one; undated mentions left over are grouped among themselves. The event_id comes from
-- the group's smallest member id, so the same inputs always give the same ids.
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

shared_parties as (
    select pa.event_uid, pb.event_uid as other_uid, count(distinct pa.party_name) as shared
    from event_parties as pa
    inner join event_parties as pb
        on pa.party_name = pb.party_name
        and pa.doc_id <> pb.doc_id
    group by 1, 2
),

pairs as (
    select a.event_uid, b.event_uid as other_uid, a.event_date is not null and b.event_date is not null as both_dated
    from named as a
    inner join named as b
        on a.event_type = b.event_type
        and a.doc_id <> b.doc_id
        and a.event_uid < b.event_uid
    left join shared_parties as sp
        on sp.event_uid = a.event_uid
        and sp.other_uid = b.event_uid
    where
        (
            a.event_date is null
            or b.event_date is null
            or a.event_date = b.event_date
            or (a.date_precision = 'month' or b.date_precision = 'month')
                and date_trunc('month', a.event_date) = date_trunc('month', b.event_date)
            or (a.date_precision = 'year' or b.date_precision = 'year')
                and year(a.event_date) = year(b.event_date)
        )
        and (len(a.numbers) = 0 or len(b.numbers) = 0 or a.numbers = b.numbers)
        and (a.subject is null or b.subject is null or a.subject = b.subject)
        and (
            2.0 * len(list_intersect(a.bigrams, b.bigrams)) / greatest(len(a.bigrams) + len(b.bigrams), 1) >= 0.6
            or a.subject is not null and a.subject = b.subject
            or coalesce(sp.shared, 0) >= 2
        )
),

edges as (
    select event_uid, other_uid, both_dated from pairs
    union all
    select other_uid, event_uid, both_dated from pairs
),

dated_reach(event_uid, member_uid) as (
    select event_uid, event_uid from named where event_date is not null
    union
    select r.event_uid, e.other_uid
    from dated_reach as r
    inner join edges as e on e.event_uid = r.member_uid and e.both_dated
),

dated_groups as (
    select event_uid, min(member_uid) as group_uid
    from dated_reach
    group by event_uid
),

undated_candidates as (
    select e.event_uid, min(g.group_uid) as group_uid, count(distinct g.group_uid) as n_groups
    from edges as e
    inner join named as u on u.event_uid = e.event_uid and u.event_date is null
    inner join dated_groups as g on g.event_uid = e.other_uid
    group by e.event_uid
),

attached as (
    select event_uid, group_uid from undated_candidates where n_groups = 1
),

loose as (
    select event_uid from named
    where event_date is null and event_uid not in (select event_uid from attached)
),

loose_reach(event_uid, member_uid) as (
    select event_uid, event_uid from loose
    union
    select r.event_uid, e.other_uid
    from loose_reach as r
    inner join edges as e on e.event_uid = r.member_uid
    where e.other_uid in (select event_uid from loose)
),

loose_groups as (
    select event_uid, min(member_uid) as group_uid
    from loose_reach
    group by event_uid
),

grouped as (
    select * from dated_groups
    union all
    select * from attached
    union all
    select * from loose_groups
),

final as (
    select
        event_uid,
        'e_' || substr(md5(group_uid), 1, 16) as event_id
    from grouped
)

select * from final
