with source as (
    select * from raw.documents
),

final as (
    select
        doc_id,
        source_file,
        cast(article_index as integer) as article_index,
        nullif(trim(title), '') as title,
        cast(published_on as date) as published_on,
        cast(reference_date as date) as reference_date,
        text,
        original_script,
        coalesce(cast(decode_errors as integer), 0) as decode_errors,
        nullif(trim(byline), '') as byline,
        publisher,
        url,
        coalesce(is_relevant, false) as is_relevant,
        coalesce(topics, []) as topics,
        signature
    from source
)

select * from final
