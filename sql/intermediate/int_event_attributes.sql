-- One row per event mention (stg_events has one per span), with what blocking and matching need: an
-- integer number, name bigrams, the numbers in the name, the names of its parties sorted, year.
-- Per document (flows/warehouse/increments.py): every column comes from the mention's own document, so
-- an incremental build replaces the rows of the changed documents only.
-- Its own table so int_event_candidates and int_event_pairs read it once (as one query, DuckDB
-- planned the whole chain 40-80x slower).
-- Parties are compared by the names the articles give them, not by party_id: matching is about what
-- two articles say, and party_id's cross-document alias resolution would change which events meet.
with events as (
    select * from staging.stg_events
    where in_scope(doc_id)
),

event_parties as (
    select * from staging.stg_event_parties
    where in_scope(doc_id)
),

mentions as (
    select distinct
        event_mention_id(doc_id, doc_event_id) as event_mention_id,
        doc_id,
        event_type,
        name,
        event_date,
        date_precision,
        subject
    from events
),

parties as (
    select
        event_mention_id(doc_id, doc_event_id) as event_mention_id,
        list_sort(list(distinct party_name)) as parties
    from event_parties
    where party_name is not null
    group by all
),

final as (
    select
        -- a number per mention, for int_event_pairs to join integers, not text: a hash of its id (a row
        -- number would renumber every mention after a new one). Two mentions sharing a number (odds about
        -- mentions**2 / 2**65) would only be compared with each other's candidates too: int_event_pairs
        -- checks every candidate's rules on the mentions' own attributes.
        hash(m.event_mention_id) as mention_no,
        m.event_mention_id,
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
    left join parties as p on p.event_mention_id = m.event_mention_id
)

select * from final
