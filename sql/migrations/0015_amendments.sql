-- Amendments (issue 10, point 1) and empty reports (point 2).
-- Each issued version keeps the cells it printed (cells), how many indicator Facts it carries (facts_filled)
-- and, for an amended version, which official version it replaces (amends_report_id). The changed cells of
-- an amended version are listed in sdg.report_change: what the recipients of the earlier version must correct.

ALTER TABLE sdg.report
    ADD COLUMN cells jsonb,
    ADD COLUMN facts_filled integer CHECK (facts_filled >= 0),
    ADD COLUMN amends_report_id bigint REFERENCES sdg.report (report_id),
    ADD CONSTRAINT report_amends_only_when_amended CHECK ((status = 'amended') = (amends_report_id IS NOT NULL));

COMMENT ON COLUMN sdg.report.cells IS
    'The cells this version printed, keyed "<region>|<block>|<row>|<column>": {"ru", "kk", "obs", "snap"}; '
    'NULL for versions issued before migration 0015.';
COMMENT ON COLUMN sdg.report.facts_filled IS 'Indicator rows with a numeric Fact; 0 = an empty report, never delivered.';

CREATE TABLE sdg.report_change (
    report_id         bigint NOT NULL REFERENCES sdg.report (report_id),
    position          integer NOT NULL CHECK (position >= 1),
    kato_code         char(9) REFERENCES sdg.region (kato_code),
    block             text NOT NULL,
    row_no            text NOT NULL,
    indicator_code    text,
    column_name       text NOT NULL CHECK (column_name IN ('name', 'responsible', 'source', 'unit', 'plan', 'fact', 'note')),
    row_name_ru       text NOT NULL DEFAULT '',
    row_name_kk       text NOT NULL DEFAULT '',
    old_ru            text NOT NULL DEFAULT '',
    new_ru            text NOT NULL DEFAULT '',
    old_kk            text NOT NULL DEFAULT '',
    new_kk            text NOT NULL DEFAULT '',
    reason_ru         text NOT NULL,
    reason_kk         text NOT NULL,
    -- the observations behind the Fact before and after: the revision that explains a changed Fact
    old_observation_ids bigint[] NOT NULL DEFAULT '{}',
    new_observation_ids bigint[] NOT NULL DEFAULT '{}',
    new_snapshot_ids    bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (report_id, position)
);
COMMENT ON TABLE sdg.report_change IS
    'Each cell an amended version changed against the version it amends (sdg.report.amends_report_id), and why.';
