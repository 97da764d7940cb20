-- Data quality (issue 4): every Great Expectations run and each expectation's outcome, batches held
-- back by a critical failure (quarantine, with reasons and failing rows), and the alerts sent for them.

CREATE TABLE sdg.quality_run (
    run_id       bigserial PRIMARY KEY,
    -- observations | catalogue | indicator_values | appendix2_form
    dataset      text NOT NULL,
    suite        text NOT NULL,
    source       text,
    series_key   text,
    snapshot_id  bigint REFERENCES sdg.snapshot (snapshot_id),
    year         integer,
    row_count    integer NOT NULL,
    success      boolean NOT NULL,
    -- what the gate decided: load (all good or warnings only), quarantine, released (loaded after release),
    -- pass / fail for datasets that are checked, not loaded
    decision     text NOT NULL CHECK (decision IN ('load', 'quarantine', 'released', 'pass', 'fail')),
    critical_failed integer NOT NULL DEFAULT 0,
    warning_failed  integer NOT NULL DEFAULT 0,
    run_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quality_run_series_ix ON sdg.quality_run (series_key, run_at DESC);

CREATE TABLE sdg.quality_result (
    run_id            bigint NOT NULL REFERENCES sdg.quality_run (run_id) ON DELETE CASCADE,
    position          integer NOT NULL,
    expectation_type  text NOT NULL,
    column_name       text,
    severity          text NOT NULL CHECK (severity IN ('critical', 'warning')),
    why               text NOT NULL DEFAULT '',
    success           boolean NOT NULL,
    element_count     integer,
    unexpected_count  integer,
    unexpected_percent numeric,
    -- a few failing values with the keys of their rows (GX partial_unexpected_index_list), or the observed value
    sample            jsonb NOT NULL DEFAULT '[]'::jsonb,
    kwargs            jsonb NOT NULL DEFAULT '{}'::jsonb,
    run_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, position)
);

CREATE TABLE sdg.quarantine (
    quarantine_id bigserial PRIMARY KEY,
    run_id        bigint NOT NULL REFERENCES sdg.quality_run (run_id),
    dataset       text NOT NULL,
    source        text NOT NULL,
    series_key    text NOT NULL,
    snapshot_id   bigint NOT NULL REFERENCES sdg.snapshot (snapshot_id),
    status        text NOT NULL DEFAULT 'quarantined' CHECK (status IN ('quarantined', 'released')),
    -- failed critical expectations: type, column, count, sample
    reasons       jsonb NOT NULL,
    failing_rows  jsonb NOT NULL DEFAULT '[]'::jsonb,
    row_count     integer NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    released_at   timestamptz,
    released_by   text,
    release_note  text,
    -- the run that loaded the batch after its release
    loaded_run_id bigint REFERENCES sdg.quality_run (run_id),
    CHECK ((status = 'released') = (released_at IS NOT NULL))
);
-- one quarantine per snapshot: a re-run of an unreleased batch refreshes it instead of piling up rows
CREATE UNIQUE INDEX quarantine_snapshot_uq ON sdg.quarantine (snapshot_id, dataset);

CREATE TABLE sdg.quality_alert (
    alert_id     bigserial PRIMARY KEY,
    run_id       bigint REFERENCES sdg.quality_run (run_id),
    channel      text NOT NULL DEFAULT 'email',
    recipients   text NOT NULL DEFAULT '',
    subject      text NOT NULL,
    sent         boolean NOT NULL,
    detail       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One line per run: what was checked, what failed, and whether it was let through.
CREATE VIEW sdg.quality_summary AS
SELECT r.run_id, r.run_at, r.dataset, r.source, r.series_key, r.snapshot_id, r.year, r.row_count,
       r.decision, r.critical_failed, r.warning_failed,
       array_remove(array_agg(q.expectation_type || COALESCE('(' || q.column_name || ')', '') || ': '
                              || COALESCE(q.unexpected_count::text, '?') ORDER BY q.position)
                    FILTER (WHERE NOT q.success), NULL) AS failed_expectations,
       qa.quarantine_id, qa.status AS quarantine_status
FROM sdg.quality_run AS r
LEFT JOIN sdg.quality_result AS q ON q.run_id = r.run_id
LEFT JOIN sdg.quarantine AS qa ON qa.run_id = r.run_id
GROUP BY r.run_id, qa.quarantine_id, qa.status;
