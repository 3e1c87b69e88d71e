with documents as (
    select * from intermediate.int_documents
),

texts as (
    select doc_id, text from staging.stg_documents
),

final as (
    select
        d.doc_id,
        d.duplicate_of,
        d.source_file,
        d.article_index,
        d.title,
        t.text,
        d.original_script,
        d.decode_errors,
        d.byline,
        d.publisher,
        d.url,
        d.topics,
        d.is_relevant,
        d.duplicate_similarity,
        d.published_on,
        d.reference_date
    from documents as d
    inner join texts as t on t.doc_id = d.doc_id
    where in_scope(d.doc_id)
)

select * from final
order by source_file, article_index
