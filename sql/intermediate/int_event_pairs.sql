-- Pairs of event mentions from different articles that are the same event; int_event_clusters
-- (flows/steps/cluster.py) closes them into events.
--
-- Candidates come from blocking, so their number grows linearly with the mentions (rules and
-- caps: docs/extraction.md, "Cross-document event clustering"). A mention is filed under a few
-- keys: the rarest bigrams of its name (its prefix: bigrams ordered by how many mentions have
-- them, fewest first; two names with Dice >= 0.6 share at least ceil(3n/7) of their n bigrams,
-- so their prefixes of n - ceil(3n/7) + 1 always intersect), its subject, and its parties but
-- the most common one (two shared parties put one of them in both). A block is the mentions of
-- one type and one year under one key: compatible dates always share the year. Undated
-- mentions meet every year of their type. A block of at most `event_block_cap` mentions gives
-- every pair; a larger one is sorted by name (subject blocks by date) and gives each mention
-- its `event_block_window` neighbours.
--
-- Candidates match when they have the same type, compatible dates (equal at the coarser
-- precision, or one of them undated), the same numbers in their names when both have some (the
-- 2024 and 2025 editions stay apart), the same subject when both have one (two launches at one
-- ceremony stay apart), and either similar names (character-bigram Dice >= 0.6), the same
-- subject, or at least two parties in common.
with events as (
    select * from staging.stg_events
),

event_parties as (
    select * from staging.stg_event_parties
),

mentions as (
    select distinct event_uid, doc_id, event_type, name, event_date, date_precision, subject from events
),

parties as (
    select event_uid, list_sort(list(distinct party_name)) as parties
    from event_parties
    where party_name is not null
    group by event_uid
),

attributes as materialized (
    select
        -- a number per mention: the blocks and pairs below join and deduplicate integers, not text
        row_number() over (order by m.event_uid) as id,
        m.event_uid,
        m.doc_id,
        m.event_type,
        m.name,
        m.subject,
        list_distinct([substr(m.name, i, 2) for i in range(1, length(m.name))]) as bigrams,
        list_sort(list_distinct(regexp_extract_all(m.name, '[0-9]+'))) as numbers,
        coalesce(p.parties, []::varchar[]) as parties,
        m.event_date,
        m.date_precision,
        year(m.event_date) as event_year
    from mentions as m
    left join parties as p on p.event_uid = m.event_uid
),

-- Tests set these DuckDB variables to make small blocks count as large.
limits as (
    select
        coalesce(getvariable('event_block_cap'), 20) as block_cap,
        coalesce(getvariable('event_block_window'), 5) as block_window
),

grams as (
    select id, unnest(bigrams) as token, len(bigrams) as n_tokens
    from attributes
),

gram_counts as (
    select token, count(*) as mentions from grams group by token
),

name_keys as (
    select g.id, g.token
    from grams as g
    inner join gram_counts as c on c.token = g.token
    qualify row_number() over (partition by g.id order by c.mentions, g.token)
        <= g.n_tokens - (3 * g.n_tokens + 6) // 7 + 1
),

party_list as (
    select id, unnest(parties) as token, len(parties) as n_tokens
    from attributes
    where len(parties) >= 2
),

party_counts as (
    select token, count(*) as mentions from party_list group by token
),

party_keys as (
    select p.id, p.token
    from party_list as p
    inner join party_counts as c on c.token = p.token
    qualify row_number() over (partition by p.id order by c.mentions, p.token) <= p.n_tokens - 1
),

keys as (
    select 'name' as kind, id, token from name_keys
    union all
    select 'party', id, token from party_keys
    union all
    select 'subject', id, subject from attributes where subject is not null
),

-- A block is named by a hash of its key: two keys sharing a hash only make a larger block, and
-- every pair is checked against the rules anyway.
filed as (
    select
        k.id,
        a.event_year,
        hash(k.kind, a.event_type, a.event_year, k.token) as block,
        hash(k.kind, a.event_type, k.token) as any_year_block,
        -- subject blocks hold mentions whose names may differ: neighbours by date there
        case when k.kind = 'subject' then a.event_date end as first_sort,
        a.name,
        a.event_date
    from keys as k
    inner join attributes as a on a.id = k.id
),

dated_blocks as (
    select
        block, id,
        row_number() over (partition by block order by first_sort, name, event_date, id) as position,
        count(*) over (partition by block) as size
    from filed
    where event_year is not null
),

-- Every later member of a small block, the next `block_window` of a large one.
dated_pairs as (
    select a.id, b.id as other_id
    from (
        select d.*, unnest(range(1, least(d.size - d.position,
                                          if(d.size <= l.block_cap, d.size, l.block_window)) + 1)) as step
        from dated_blocks as d, limits as l
        where d.size > 1
    ) as a
    inner join dated_blocks as b on b.block = a.block and b.position = a.position + a.step
),

-- Undated mentions: a block is one type and one key over all years, for keys an undated mention has.
undated_keys as (
    select distinct any_year_block from filed where event_year is null
),

mixed_blocks as (
    select
        f.any_year_block as block, f.id, f.event_year is null as is_undated,
        row_number() over (partition by f.any_year_block order by f.first_sort, f.name, f.event_date, f.id) as position,
        count(*) over (partition by f.any_year_block) as size
    from filed as f
    semi join undated_keys as u on u.any_year_block = f.any_year_block
),

-- Each undated member with every other member of a small block, its neighbours on both sides in a large one.
undated_pairs as (
    select a.id, b.id as other_id
    from (
        select m.*, unnest(range(greatest(1 - m.position, -reach), least(m.size - m.position, reach) + 1)) as step
        from (
            select m.*, if(m.size <= l.block_cap, m.size, l.block_window) as reach
            from mixed_blocks as m, limits as l
            where m.is_undated and m.size > 1
        ) as m
    ) as a
    inner join mixed_blocks as b on b.block = a.block and b.position = a.position + a.step
    where a.step <> 0
),

candidates as (
    select distinct least(id, other_id) as id, greatest(id, other_id) as other_id
    from (
        select * from dated_pairs
        union all
        select * from undated_pairs
    )
),

compared as (
    select
        a.event_uid,
        b.event_uid as other_uid,
        a.event_date is not null and b.event_date is not null as both_dated,
        a.doc_id <> b.doc_id
        and a.event_type = b.event_type
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
            -- list_filter + list_contains: several times faster than list_intersect on lists this short
            2.0 * len(list_filter(a.bigrams, lambda gram: list_contains(b.bigrams, gram)))
                / greatest(len(a.bigrams) + len(b.bigrams), 1) >= 0.6
            or a.subject is not null and a.subject = b.subject
            or len(a.parties) >= 2 and len(b.parties) >= 2
                and len(list_filter(a.parties, lambda party: list_contains(b.parties, party))) >= 2
        ) as is_match
    from candidates as c
    inner join attributes as a on a.id = c.id
    inner join attributes as b on b.id = c.other_id
),

final as (
    select event_uid, other_uid, both_dated
    from compared
    where is_match
)

select * from final
