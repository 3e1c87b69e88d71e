with documents as (
    select * from intermediate.int_documents
),

final as (
    select
        doc_id,
        duplicate_of,
        source_file,
        article_index,
        title,
        text,
        original_script,
        decode_errors,
        byline,
        publisher,
        url,
        topics,
        is_relevant,
        duplicate_similarity,
        published_on,
        reference_date
    from documents
)

select * from final
order by source_file, article_index
