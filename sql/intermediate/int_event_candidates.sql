-- Candidate pairs of event mentions, from blocking; int_event_pairs checks the match rules on them.
--
-- Candidates come from blocking, so their number grows linearly with the mentions (rules and
-- caps: docs/extraction.md, "Cross-document event clustering"). A mention is filed under a few
-- keys: the rarest bigrams of its name (its prefix: bigrams ordered by how many mentions have
-- them, fewest first; two names with Dice >= t, t = event_name_dice(), share at least
-- ceil(t n / (2 - t)) of their n bigrams, so their prefixes of n - ceil(t n / (2 - t)) + 1 always
-- intersect), its subject, and its parties but the most common one (two shared parties put one of
-- them in both). A block is the mentions of one type and one year under one key: compatible dates
-- always share the year. Undated mentions meet every year of their type. A block of at most
-- event_block_cap() mentions gives every pair; a larger one is sorted by name (subject blocks by
-- date) and gives each mention its event_block_window() neighbours (sql/macros.sql).
--
-- Each mention numbered by its place in the order of name, date and id: blocks sort their members by
-- this one integer in place of the three (6.1 s -> 4.2 s for the model at 100,000 generated articles),
-- and DuckDB joins and groups small dense integers faster than the mentions' own numbers (hashes,
-- int_event_attributes): with those the model took 5.6 s, not 3.9. The pairs leave as those numbers.
with attributes as (
    select
        * rename (mention_no as hashed_no),
        row_number() over (order by name, event_date, event_mention_id) as mention_no
    from intermediate.int_event_attributes
),

grams as (
    select mention_no, unnest(bigrams) as token, len(bigrams) as n_tokens
    from attributes
),

gram_counts as (
    select token, count(*) as mentions from grams group by token
),

-- Each bigram's place when they are ordered by how many mentions have them, fewest first: a name's
-- prefix is its first few bigrams in that order. As one integer, a mention's prefix is a slice of its
-- sorted list (a window numbering the 5 million bigrams of 100,000 articles per mention, ordered by
-- count and text, took the model 2.6-3.0 s instead of 2.2-2.3 s).
gram_ranks as (
    select token, row_number() over (order by mentions, token) as gram_rank from gram_counts
),

name_keys as (
    select mention_no, unnest(list_slice(list_sort(list(r.gram_rank)), 1,
        -- rounded before ceil: in floating point 7 * 0.6 / 1.4 is a hair over 3
        any_value(n_tokens) - ceil(round(any_value(n_tokens) * event_name_dice() / (2 - event_name_dice()), 6)) + 1))
        as gram_rank
    from grams as g
    inner join gram_ranks as r on r.token = g.token
    group by g.mention_no
),

name_tokens as (
    select k.mention_no, r.token from name_keys as k inner join gram_ranks as r on r.gram_rank = k.gram_rank
),

party_list as (
    select mention_no, unnest(parties) as token, len(parties) as n_tokens
    from attributes
    where len(parties) >= 2
),

party_counts as (
    select token, count(*) as mentions from party_list group by token
),

party_keys as (
    select p.mention_no, p.token
    from party_list as p
    inner join party_counts as c on c.token = p.token
    qualify row_number() over (partition by p.mention_no order by c.mentions, p.token) <= p.n_tokens - 1
),

keys as (
    select 'name' as kind, mention_no, token from name_tokens
    union all
    select 'party', mention_no, token from party_keys
    union all
    select 'subject', mention_no, subject from attributes where subject is not null
),

-- A block is named by a hash of its key: two keys sharing a hash only make a larger block, and
-- every pair is checked against the rules anyway.
filed as (
    select
        k.mention_no,
        a.event_year,
        hash(k.kind, a.event_type, a.event_year, k.token) as block,
        hash(k.kind, a.event_type, k.token) as any_year_block,
        -- subject blocks hold mentions whose names may differ: neighbours by date there
        case when k.kind = 'subject' then a.event_date end as first_sort
    from keys as k
    inner join attributes as a on a.mention_no = k.mention_no
),

-- Each block as the list of its members in order; pairs are read off the lists by position (joining
-- every member to its neighbours' rows instead made 21.8 million rows for 1.5 million candidates
-- at 100,000 articles, and took twice as long).
dated_blocks as (
    select
        block,
        list(mention_no order by first_sort, mention_no) as members
    from filed
    where event_year is not null
    group by block
    having count(*) > 1
),

-- Blocks with the same members in the same order give the same pairs: keep one of each (a name's
-- rarest bigrams often file the same mentions together several times).
distinct_dated as (
    select distinct members, len(members) as size from dated_blocks
),

-- Every later member of a small block, the next event_block_window() of a large one.
dated_pairs as (
    select members[i] as mention_no, members[j] as other_mention_no
    from (
        select
            members,
            i,
            unnest(range(i + 1, least(size, i + if(size <= event_block_cap(), size, event_block_window())) + 1))
                as j
        from (select members, size, unnest(range(1, size)) as i from distinct_dated)
    )
),

-- Undated mentions: a block is one type and one key over all years, for keys an undated mention has.
undated_keys as (
    select distinct any_year_block from filed where event_year is null
),

-- Members as one ordered list, each number doubled plus 1 when the member is undated: one sorted
-- aggregate instead of two (12 s -> 6 s at 100,000 articles; a few blocks hold most mentions of a type).
mixed_blocks as (
    select
        f.any_year_block as block,
        list(2 * f.mention_no + (f.event_year is null)::integer order by f.first_sort, f.mention_no)
            as members
    from filed as f
    semi join undated_keys as u on u.any_year_block = f.any_year_block
    group by f.any_year_block
    having count(*) > 1
),

distinct_mixed as (
    select distinct members, len(members) as size from mixed_blocks
),

-- Each undated member with every other member of a small block, its neighbours on both sides in a large one.
undated_pairs as (
    select members[i] // 2 as mention_no, members[j] // 2 as other_mention_no
    from (
        select members, i, unnest(range(greatest(1, i - reach), least(size, i + reach) + 1)) as j
        from (
            select members, size, if(size <= event_block_cap(), size, event_block_window()) as reach,
                unnest(range(1, size + 1)) as i
            from distinct_mixed
        )
        where members[i] % 2 = 1
    )
    where j <> i
),

candidates as (
    select distinct
        least(mention_no, other_mention_no) as mention_no,
        greatest(mention_no, other_mention_no) as other_mention_no
    from (
        select * from dated_pairs
        union all
        select * from undated_pairs
    )
),

final as (
    select a.hashed_no as mention_no, b.hashed_no as other_mention_no
    from candidates as c
    inner join attributes as a on a.mention_no = c.mention_no
    inner join attributes as b on b.mention_no = c.other_mention_no
)

select * from final
