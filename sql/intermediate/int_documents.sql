-- Near-duplicate articles. Each article carries a MinHash signature of signature_length() values of its
-- character 5-grams (flows/steps/dedup.py). Candidate pairs share one band of signature_band_width() values
-- (LSH); a pair is a near-duplicate when at least near_duplicate_similarity() of the values agree, i.e. an
-- estimated 5-gram Jaccard similarity that high (constants: sql/macros.sql). The later article (by file, then
-- position) points at the earliest one in its group. The text stays in staging: the documents mart takes it
-- from there (a copy here cost a write of every article's text per build).
-- An article is compared only with the first bucket_originals() articles of each band bucket it falls in
-- (by position): a story reposted a thousand times, or a boilerplate paragraph shared by a
-- whole site, would otherwise make the pairs grow with the square of the bucket (43 million
-- pairs and 163 s at 100,000 generated articles). The original of a group of copies is the
-- first member of their buckets, so each copy still finds it.
with documents as (
    select * from staging.stg_documents
),

-- The search needs only each article's id, place and signature; its other columns join at the end.
ordered as (
    select
        doc_id,
        signature,
        row_number() over (order by source_file, article_index) as position
    from documents
),

bands as (
    select
        doc_id,
        position,
        band,
        hash(signature[band * signature_band_width() + 1 : (band + 1) * signature_band_width()]) as band_hash
    from ordered, range(signature_length() // signature_band_width()) as b(band)
    where len(signature) = signature_length()
),

ranked as (
    select
        *,
        row_number() over (partition by band, band_hash order by position) as rank_in_bucket
    from bands
),

candidates as (
    select distinct
        later.doc_id as doc_id,
        earlier.doc_id as earlier_doc_id,
        earlier.position as earlier_position
    from ranked as later
    inner join ranked as earlier
        on later.band = earlier.band
        and later.band_hash = earlier.band_hash
        and earlier.rank_in_bucket <= bucket_originals()
        and earlier.position < later.position
),

band_lists as (
    select doc_id, list(band_hash order by band) as band_hashes from bands group by doc_id
),

-- Two articles with at least near_duplicate_similarity() of their values equal differ in at most
-- signature_length() - ceil(that share * signature_length()) positions, which break at most as many
-- bands: they share the rest of their bands' hashes. Only pairs that do are compared value by value
-- (3.1 million candidates at 100,000 articles; comparing 64 values of each took 8 of the model's 11 s).
close as materialized (
    select c.*
    from candidates as c
    inner join band_lists as a on a.doc_id = c.doc_id
    inner join band_lists as b on b.doc_id = c.earlier_doc_id
    where len(list_filter(list_zip(a.band_hashes, b.band_hashes), lambda x: x[1] = x[2]))
        >= signature_length() // signature_band_width()
        - (signature_length() - ceil(round(near_duplicate_similarity() * signature_length(), 6)))
),

scored as (
    select
        c.doc_id,
        c.earlier_doc_id,
        c.earlier_position,
        len(list_filter(list_zip(a.signature, b.signature), lambda x: x[1] = x[2])) / signature_length()::double
            as similarity
    from close as c
    inner join ordered as a on a.doc_id = c.doc_id
    inner join ordered as b on b.doc_id = c.earlier_doc_id
),

first_original as (
    select
        doc_id,
        arg_min(earlier_doc_id, earlier_position) as duplicate_of,
        max(similarity) as duplicate_similarity
    from scored
    where similarity >= near_duplicate_similarity()
    group by doc_id
),

final as (
    select
        o.doc_id,
        o.source_file,
        o.article_index,
        o.title,
        o.published_on,
        o.reference_date,
        o.is_relevant,
        f.duplicate_of,
        f.duplicate_similarity,
        o.topics,
        o.original_script,
        o.decode_errors,
        o.byline,
        o.publisher,
        o.url
    from documents as o
    left join first_original as f on f.doc_id = o.doc_id
)

select * from final
