-- Constants and id rules that more than one model uses, named once. The build creates these macros (as
-- temporary macros of its connection) before the first model, after the ones it generates from Python
-- constants: signature_length() is flows/steps/dedup.py's PERMUTATIONS, the length of every MinHash signature;
-- event_name_dice() is flows/steps/constants.py's SAME_NAME_DICE: event mentions of different documents
-- (int_event_candidates, int_event_pairs) have similar names when the Dice coefficient of their character
-- bigrams reaches it, as two event names of one document do in extraction.

-- A per-document model (flows/warehouse/increments.py: PER_DOCUMENT) reads its sources through
-- in_scope(doc_id): true in a full build; an incremental build makes it true only for the documents whose
-- rows it replaces.
create or replace temp macro in_scope(id) as true;

-- int_event_pairs checks the candidate pairs pair_in_scope(mention_no, other_mention_no) names: every pair in a
-- full build; in an incremental one, the pairs it cannot carry over from the previous build (increments.PAIRWISE).
create or replace temp macro pair_in_scope(a, b) as true;

-- Near-duplicate articles (int_documents): signatures cut into bands of this many values for LSH, and two
-- articles are near-duplicates when this share of their signature values agree (estimated Jaccard similarity).
create or replace temp macro signature_band_width() as 4;
create or replace temp macro near_duplicate_similarity() as 0.8;
-- An article is compared with the first this-many articles of each band bucket it falls in.
create or replace temp macro bucket_originals() as 8;

-- A block of at most event_block_cap() mentions gives every pair, a larger one each mention's
-- event_block_window() neighbours. Tests set the DuckDB variables to make small blocks count as large.
create or replace temp macro event_block_cap() as coalesce(getvariable('event_block_cap'), 20);
create or replace temp macro event_block_window() as coalesce(getvariable('event_block_window'), 5);

-- An event mention is one event as one document reports it: event_mention_id('d1c42b6f9e9b03c9', 'e0')
-- -> 'd1c42b6f9e9b03c9/e0'.
create or replace temp macro event_mention_id(doc_id, doc_event_id) as doc_id || '/' || doc_event_id;

-- A place's published id: its code when that is plain ASCII (CN-310115, ISO-US, US-CA), else a hash of the
-- code (TOWN:CN:德党镇 -> R-<12 hex digits>).
create or replace temp macro region_id(region_code) as
    case
        when regexp_full_match(region_code, '[A-Z0-9-]+') then region_code
        else 'R-' || substr(md5(region_code), 1, 12)
    end;
