-- Pairs of event mentions from different articles that are the same event; int_event_clusters
-- (flows/steps/cluster.py) closes them into events.
--
-- Candidates (int_event_candidates, from blocking) match when they have the same type, compatible
-- dates (equal at the coarser precision, or one of them undated), the same numbers in their names
-- when both have some (the 2024 and 2025 editions stay apart), the same subject when both have one (two launches at one
-- ceremony stay apart), and either similar names (character-bigram Dice >= event_name_dice()), the same
-- subject, or at least two parties in common.
with candidates as (
    select * from intermediate.int_event_candidates
    where pair_in_scope(mention_no, other_mention_no)  -- every pair but in an incremental build (sql/macros.sql)
),

-- Bigrams and party names as 64-bit hashes: the rules only intersect and count them, and copying and
-- comparing integers instead of strings took the model from 39 s to 22 s at 100,000 articles.
attributes as (
    select
        * replace (
            list_transform(bigrams, lambda x: hash(x)) as bigrams,
            list_transform(parties, lambda x: hash(x)) as parties
        )
    from intermediate.int_event_attributes
),

-- Each candidate with both mentions' attributes, as two struct columns, materialized: left to
-- the optimizer, the rules' equalities (a.event_type = b.event_type) became a join of all
-- mentions of a type with each other before the candidates narrowed it (83 s instead of 1 s
-- for 20,000 mentions).
joined as materialized (
    select a, b
    from candidates as c
    inner join attributes as a on a.mention_no = c.mention_no
    inner join attributes as b on b.mention_no = c.other_mention_no
),

compared as (
    select
        a.event_mention_id,
        b.event_mention_id as other_event_mention_id,
        a.mention_no,
        b.mention_no as other_mention_no,
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
            -- Equal names have equal bigrams, Dice 1: tested first, the intersection is computed only for
            -- the other pairs (OR stops at the first true; 73% of the pairs at 100,000 generated articles)
            a.name = b.name and len(a.bigrams) > 0
            -- list_intersect, not list_filter with a lambda: 80x faster on 200,000 pairs (both lists are distinct)
            or 2.0 * len(list_intersect(a.bigrams, b.bigrams)) / greatest(len(a.bigrams) + len(b.bigrams), 1)
                >= event_name_dice()
            or a.subject is not null and a.subject = b.subject
            or len(a.parties) >= 2 and len(b.parties) >= 2
                and len(list_intersect(a.parties, b.parties)) >= 2
        ) as is_match
    from joined
),

-- Each pair named in the order of its ids (mention numbers are hashes, in no meaningful order), and
-- by its candidate's two mention numbers in order, by which an incremental build carries it over
final as (
    select
        least(event_mention_id, other_event_mention_id) as event_mention_id,
        greatest(event_mention_id, other_event_mention_id) as other_event_mention_id,
        both_dated,
        least(mention_no, other_mention_no) as low_mention_no,
        greatest(mention_no, other_mention_no) as high_mention_no
    from compared
    where is_match
)

select * from final
