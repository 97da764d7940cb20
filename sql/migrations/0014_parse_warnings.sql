-- Issue 9, point 3: what a parser read but did not load, or loaded with a doubt, is stored with the snapshot
-- instead of only logged: rows shorter than the header (skipped), GeoCode/REF_AREA contradictions, ...
-- {"<kind>": {"count": <rows>, "samples": ["line 2: ...", ...]}}; written by etl.warehouse.parse_warnings.
-- See docs/decisions/no-silent-wrong-values.md.

ALTER TABLE sdg.snapshot ADD COLUMN parse_warnings jsonb NOT NULL DEFAULT '{}'::jsonb
    CHECK (jsonb_typeof(parse_warnings) = 'object');

-- One row per snapshot and kind: what a data engineer queries ("which series lost rows last night?").
CREATE VIEW sdg.snapshot_parse_warning AS
SELECT s.snapshot_id, s.source, s.series_key, s.fetched_at, w.key AS kind,
       (w.value ->> 'count')::integer AS row_count, w.value -> 'samples' AS samples
FROM sdg.snapshot AS s
CROSS JOIN LATERAL jsonb_each(s.parse_warnings) AS w;
