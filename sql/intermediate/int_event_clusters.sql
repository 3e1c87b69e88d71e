-- One real event reported by several articles becomes one event.
--
-- Two event mentions from different articles match when they have the same type,
-- compatible dates (equal at the coarser precision, or one of them undated), the same
-- numbers in their names when both have some (the 2024 and 2025 editions stay apart),
-- the same subject when both have one (two launches at one ceremony stay apart), and either similar names (character-bigram Dice >= 0.6), the same subject party, or
-- at least two parties in common.
--
-- Matching is closed transitively (connected components) in two phases so that an undated mention cannot chain
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

-- One row per event (stg_events has one per mention; these columns are the same on each).
named as (
    select
        *,
        list_distinct([substr(name, i, 2) for i in range(1, length(name))]) as bigrams,
        list_sort(list_distinct(regexp_extract_all(name, '[0-9]+'))) as numbers
    from (select distinct event_uid, doc_id, event_type, name, event_date, date_precision, subject from events)
),

shared_parties as (
    select pa.event_uid, pb.event_uid as other_uid, count(distinct pa.party_name) as shared
    from event_parties as pa
    inner join event_parties as pb
        on pa.party_name = pb.party_name
        and pa.doc_id <> pb.doc_id
        and pa.event_uid < pb.event_uid
    group by 1, 2
),

-- Candidate pairs come from what a match needs (a shared name bigram, the same subject, two
-- shared parties), so the rules below run on those pairs only, not on every pair of a type.
grams as (
    select event_uid, doc_id, event_type, len(bigrams) as n_grams, unnest(bigrams) as gram
    from named
),

-- Pairs whose names are similar enough: bigram Dice = 2 * shared / (n_a + n_b) >= 0.6.
similar_names as (
    select a.event_uid, b.event_uid as other_uid
    from grams as a
    inner join grams as b
        on a.event_type = b.event_type
        and a.gram = b.gram
        and a.doc_id <> b.doc_id
        and a.event_uid < b.event_uid
    group by a.event_uid, b.event_uid, a.n_grams, b.n_grams
    having 2.0 * count(*) / greatest(a.n_grams + b.n_grams, 1) >= 0.6
),

candidates as (
    select event_uid, other_uid, bool_or(names_alike) as names_alike
    from (
        select event_uid, other_uid, true as names_alike from similar_names
        union all
        select a.event_uid, b.event_uid, false
        from named as a
        inner join named as b
            on a.event_type = b.event_type
            and a.subject = b.subject
            and a.doc_id <> b.doc_id
            and a.event_uid < b.event_uid
        union all
        select event_uid, other_uid, false from shared_parties where shared >= 2
    )
    group by 1, 2
),

pairs as (
    select a.event_uid, b.event_uid as other_uid, a.event_date is not null and b.event_date is not null as both_dated
    from candidates as c
    inner join named as a on a.event_uid = c.event_uid
    inner join named as b on b.event_uid = c.other_uid
    left join shared_parties as sp
        on sp.event_uid = c.event_uid
        and sp.other_uid = c.other_uid
    where
        a.event_type = b.event_type
        and (
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
            c.names_alike
            or a.subject is not null and a.subject = b.subject
            or coalesce(sp.shared, 0) >= 2
        )
),

edges as (
    select event_uid, other_uid, both_dated from pairs
    union all
    select other_uid, event_uid, both_dated from pairs
),

-- Connected components by label propagation: every event starts as its own group and takes
-- the smallest group id among its neighbours until nothing changes (USING KEY keeps one row
-- per event), so the work grows with the edges, not with the square of a component.
dated_groups(event_uid, group_uid) using key (event_uid) as (
    select event_uid, event_uid from named where event_date is not null
    union
    select e.other_uid, min(g.group_uid)
    from dated_groups as g
    inner join edges as e on e.event_uid = g.event_uid and e.both_dated
    inner join recurring.dated_groups as current on current.event_uid = e.other_uid
    group by e.other_uid
    having min(g.group_uid) < any_value(current.group_uid)
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

loose_edges as (
    select event_uid, other_uid from edges
    where event_uid in (select event_uid from loose) and other_uid in (select event_uid from loose)
),

loose_groups(event_uid, group_uid) using key (event_uid) as (
    select event_uid, event_uid from loose
    union
    select e.other_uid, min(g.group_uid)
    from loose_groups as g
    inner join loose_edges as e on e.event_uid = g.event_uid
    inner join recurring.loose_groups as current on current.event_uid = e.other_uid
    group by e.other_uid
    having min(g.group_uid) < any_value(current.group_uid)
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
