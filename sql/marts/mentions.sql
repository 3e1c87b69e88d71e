-- Provenance: every extracted row points back at the span of documents.text it came from, with its evidence
-- (the text of stg_evidence its evidence offsets name, joined in last).
with regions as (
    select m.doc_id, r.region_id as entity_id, m.char_start, m.char_end, m.surface,
        m.evidence_start, m.evidence_end
    from intermediate.int_region_mentions as m
    inner join intermediate.int_regions as r on r.region_id = m.region_id
    where in_scope(m.doc_id)
),

parties as (
    select doc_id, party_id as entity_id, char_start, char_end, surface, evidence_start, evidence_end
    from intermediate.int_party_mentions
    where in_scope(doc_id)
),

events as (
    select e.doc_id, c.event_id as entity_id, e.char_start, e.char_end, e.surface,
        e.evidence_start, e.evidence_end
    from intermediate.int_event_mentions as e
    inner join intermediate.int_event_clusters as c on c.event_mention_id = e.event_mention_id
    where in_scope(e.doc_id)
),

metrics as (
    select doc_id, metric_id as entity_id, char_start, char_end, raw_text as surface,
        evidence_start, evidence_end
    from intermediate.int_metrics
    where in_scope(doc_id)
),

unioned as (
    select 'region' as entity_kind, * from regions
    union all
    select 'party', * from parties
    union all
    select 'event', * from events
    union all
    select 'metric', * from metrics
),

-- Two rows can be the same mention (an article's two event mentions of one span that fall in one
-- event): only rows whose (kind, document, entity, span) repeats are compared whole, the rest are
-- unique already (a distinct over every column of the 2.6 million rows of 100,000 articles took half
-- the model's time). The repeats are found by a hash of those columns: a collision only sends unique
-- rows through the whole comparison, which keeps them. No order: publish sorts each table
-- (flows/warehouse/publish.py, ORDER_BY).
keyed as (
    select *, hash(entity_kind, doc_id, entity_id, char_start, char_end) as identity from unioned
),

repeated as (
    select identity from keyed group by identity having count(*) > 1
),

deduplicated as (
    select * exclude (identity) from keyed anti join repeated using (identity)
    union all
    select distinct * exclude (identity) from keyed semi join repeated using (identity)
),

evidence as (
    select * from staging.stg_evidence
    where in_scope(doc_id)
),

final as (
    select
        'n_' || substr(md5(m.entity_kind || m.doc_id || m.entity_id || m.char_start || m.char_end), 1, 16) as mention_id,
        m.doc_id,
        m.entity_kind,
        m.entity_id,
        m.char_start,
        m.char_end,
        m.surface,
        e.evidence
    from deduplicated as m
    left join evidence as e
        on e.doc_id = m.doc_id and e.evidence_start = m.evidence_start and e.evidence_end = m.evidence_end
)

select * from final
