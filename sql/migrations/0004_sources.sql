-- Every source, not just Taldau: a mapping names the disaggregation cut it takes (''= all totals),
-- series may exist without a mapping (the national platform is ingested whole), and sources are listed.

ALTER TABLE sdg.indicator_series ADD COLUMN dims text NOT NULL DEFAULT '';
-- when several series give a value for the same indicator, region and year, the lowest priority wins
ALTER TABLE sdg.indicator_series ADD COLUMN priority smallint NOT NULL DEFAULT 100;
ALTER TABLE sdg.indicator_series DROP CONSTRAINT indicator_series_pkey;
ALTER TABLE sdg.indicator_series ADD PRIMARY KEY (indicator_code, series_key, dims);

ALTER TABLE sdg.series ADD COLUMN name text;

CREATE INDEX snapshot_series_ix ON sdg.snapshot (source, series_key, fetched_at DESC);

-- Last outcome of each series per source: what a data engineer looks at in the morning.
CREATE VIEW sdg.series_status AS
SELECT s.source, s.series_key, count(o.observation_id) AS current_observations,
       (SELECT max(fetched_at) FROM sdg.snapshot sn WHERE sn.series_key = s.series_key) AS last_fetched_at,
       (SELECT max(loaded_at) FROM sdg.snapshot sn WHERE sn.series_key = s.series_key) AS last_loaded_at,
       (SELECT load_error FROM sdg.snapshot sn WHERE sn.series_key = s.series_key
         ORDER BY fetched_at DESC LIMIT 1) AS last_error
FROM sdg.series s
LEFT JOIN sdg.observation o ON o.series_id = s.series_id AND o.valid_to IS NULL
GROUP BY s.source, s.series_key;

-- Sources name regions in their own code lists (M49 in the UN database and SDMX, KATO itself in files
-- from responsible bodies, ...): the alias scheme is open, the catalogue says which exist.
ALTER TABLE sdg.region_alias DROP CONSTRAINT region_alias_scheme_check;
ALTER TABLE sdg.region_alias ADD CONSTRAINT region_alias_scheme_format CHECK (scheme ~ '^[a-z0-9_]+$');
