-- The evidence of extracted rows: each distinct sentence (or text around a span that crosses sentences)
-- of a document once, at its offsets in the document's text; rows refer to it by (doc_id, evidence_start,
-- evidence_end) and the marts join its text in.
with source as (
    select * from raw.evidence
),

final as (
    select
        doc_id,
        cast(evidence_start as integer) as evidence_start,
        cast(evidence_end as integer) as evidence_end,
        evidence
    from source
)

select * from final
