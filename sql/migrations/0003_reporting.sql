-- Indicator values (facts with provenance), each region's Appendix 1 list, plans, activities, and the
-- issued reports with their deliveries.

CREATE TABLE sdg.indicator_value (
    indicator_code text NOT NULL REFERENCES sdg.indicator (code),
    kato_code      char(9) NOT NULL REFERENCES sdg.region (kato_code),
    year           integer NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    value          numeric,
    value_text     text NOT NULL DEFAULT '',
    status         text NOT NULL
                   CHECK (status IN ('final', 'preliminary', 'estimate', 'suppressed', 'missing')),
    unit           text,
    -- which observations (and so which snapshots) the value came from
    observation_ids bigint[] NOT NULL DEFAULT '{}',
    snapshot_ids    bigint[] NOT NULL DEFAULT '{}',
    computed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator_code, kato_code, year),
    CHECK ((status IN ('final', 'preliminary', 'estimate')) = (value IS NOT NULL))
);

-- Appendix 1: the region's list of SDG indicators (classification 1 priority, 2 monitoring, 3 measures).
CREATE TABLE sdg.appendix1_item (
    kato_code          char(9) NOT NULL REFERENCES sdg.region (kato_code),
    row_no             text NOT NULL,
    indicator_code     text REFERENCES sdg.indicator (code),
    regional_name_ru   text,
    classification     smallint NOT NULL CHECK (classification IN (1, 2, 3)),
    baseline_value     numeric,
    baseline_year      integer,
    target_value       numeric,
    target_year        integer,
    responsible_ru     text,
    PRIMARY KEY (kato_code, row_no)
);

CREATE TABLE sdg.plan_value (
    kato_code      char(9) NOT NULL REFERENCES sdg.region (kato_code),
    indicator_code text NOT NULL REFERENCES sdg.indicator (code),
    year           integer NOT NULL,
    value          numeric NOT NULL,
    PRIMARY KEY (kato_code, indicator_code, year)
);

CREATE TABLE sdg.activity (
    kato_code      char(9) NOT NULL REFERENCES sdg.region (kato_code),
    year           integer NOT NULL,
    row_no         text NOT NULL,
    name_ru        text NOT NULL,
    responsible_ru text NOT NULL DEFAULT '',
    source_ru      text NOT NULL DEFAULT '',
    unit_ru        text NOT NULL DEFAULT '',
    plan_value     numeric,
    fact_value     numeric,
    note_ru        text NOT NULL DEFAULT '',
    -- Kazakh texts for the Kazakh sheet; '' = not translated, the sheet shows the Russian text
    name_kk        text NOT NULL DEFAULT '',
    responsible_kk text NOT NULL DEFAULT '',
    source_kk      text NOT NULL DEFAULT '',
    unit_kk        text NOT NULL DEFAULT '',
    note_kk        text NOT NULL DEFAULT '',
    PRIMARY KEY (kato_code, year, row_no)
);

-- Every issued file: immutable, content-hashed, versioned draft -> final -> amended.
CREATE TABLE sdg.report (
    report_id    bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('appendix1', 'appendix2', 'national_extract')),
    kato_code    char(9) REFERENCES sdg.region (kato_code),
    year         integer NOT NULL,
    version      integer NOT NULL CHECK (version >= 1),
    status       text NOT NULL CHECK (status IN ('draft', 'final', 'amended')),
    path         text NOT NULL,
    sha256       char(64) NOT NULL,
    -- hash of the form content (facts, plans, texts) without timestamps: an unchanged re-run issues nothing
    content_sha256 char(64) NOT NULL,
    -- the snapshots whose observations fed the facts in this file
    snapshot_ids bigint[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (kind, kato_code, year, version)
);

CREATE TABLE sdg.delivery (
    delivery_id  bigserial PRIMARY KEY,
    report_id    bigint NOT NULL REFERENCES sdg.report (report_id),
    recipient    text NOT NULL,
    channel      text NOT NULL CHECK (channel IN ('email', 'folder', 'api')),
    status       text NOT NULL CHECK (status IN ('sent', 'failed')),
    detail       text NOT NULL DEFAULT '',
    sent_at      timestamptz NOT NULL DEFAULT now()
);
