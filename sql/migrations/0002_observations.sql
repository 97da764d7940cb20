-- Raw snapshots and the canonical observations parsed from them, with vintages: a revised value closes
-- the old row (valid_to) and opens a new one, so any date's knowledge can be queried back.

CREATE TABLE sdg.snapshot (
    snapshot_id  bigserial PRIMARY KEY,
    source       text NOT NULL,
    series_key   text NOT NULL,
    sha256       char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    url          text NOT NULL,
    params       jsonb NOT NULL DEFAULT '{}'::jsonb,
    fetched_at   timestamptz NOT NULL,
    http_status  integer NOT NULL,
    size_bytes   bigint NOT NULL,
    storage_path text NOT NULL,
    loaded_at    timestamptz,
    rows_parsed  integer,
    -- why parsing or loading this snapshot failed (the raw bytes stay for a person to inspect)
    load_error   text,
    UNIQUE (source, series_key, sha256)
);
COMMENT ON TABLE sdg.snapshot IS
    'One row per distinct raw response of a series; unchanged bytes map to the same row (no re-load).';

CREATE TABLE sdg.observation (
    observation_id bigserial PRIMARY KEY,
    -- series, region and snapshot are checked once per load, set-based, by etl.warehouse.observations:
    -- per-row foreign-key triggers cost ~10 s per million rows (docs/performance.md)
    series_id      bigint NOT NULL,
    kato_code      char(9) NOT NULL,
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    frequency      char(1) NOT NULL CHECK (frequency IN ('A', 'Q', 'M')),
    -- disaggregation as 'DIM=CODE|DIM=CODE' in sorted order ('' = all totals); the key of the cut
    dims           text NOT NULL DEFAULT '',
    value          numeric,
    value_text     text NOT NULL,
    -- A = a value; suppressed = 'x' (confidential); missing = '-' or empty; invalid = text kept as is
    obs_status     text NOT NULL CHECK (obs_status IN ('A', 'suppressed', 'missing', 'invalid')),
    unit           text,
    snapshot_id    bigint NOT NULL,
    valid_from     timestamptz NOT NULL,
    valid_to       timestamptz,
    superseded_by_snapshot_id bigint,
    CHECK (period_start <= period_end),
    CHECK (valid_to IS NULL OR valid_from <= valid_to),
    CHECK ((obs_status = 'A') = (value IS NOT NULL))
);
-- at most one current value per cut
CREATE UNIQUE INDEX observation_current_uq
    ON sdg.observation (series_id, kato_code, period_start, period_end, dims)
    WHERE valid_to IS NULL;
CREATE INDEX observation_history_ix
    ON sdg.observation (series_id, kato_code, period_start, dims, valid_from);

-- Each revision: the value that was replaced, the one replacing it, and the snapshots of both.
CREATE VIEW sdg.observation_revision AS
SELECT old.series_id, old.kato_code, old.period_start, old.period_end, old.dims,
       old.value_text AS old_value_text, old.value AS old_value, old.snapshot_id AS old_snapshot_id,
       new.value_text AS new_value_text, new.value AS new_value, new.snapshot_id AS new_snapshot_id,
       old.valid_to AS revised_at
FROM sdg.observation AS old
JOIN sdg.observation AS new
  ON new.series_id = old.series_id AND new.kato_code = old.kato_code
 AND new.period_start = old.period_start AND new.period_end = old.period_end
 AND new.dims = old.dims AND new.valid_from = old.valid_to
WHERE old.valid_to IS NOT NULL;

-- The value of every cut as it was known at a given moment.
CREATE FUNCTION sdg.observation_as_of(at timestamptz)
RETURNS SETOF sdg.observation
LANGUAGE sql STABLE AS $$
    SELECT * FROM sdg.observation
    WHERE valid_from <= at AND (valid_to IS NULL OR valid_to > at)
$$;
