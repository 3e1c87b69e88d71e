-- Every input file the warehouse has seen, with its latest fate.
with source as (
    select * from raw.files
),

final as (
    select
        source_file,
        cast(sha256 as varchar) as sha256,
        cast(size_bytes as bigint) as size_bytes,
        status,
        reason,
        encoding,
        run_id,
        first_seen_at,
        last_seen_at
    from source
)

select * from final
