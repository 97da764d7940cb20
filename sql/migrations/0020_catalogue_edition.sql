-- The catalogue as each sync read it, so every step of a run reads the same edition (etl/catalogue/edition.py):
-- the people-edited files change while runs are under way, and several files are read as files after the sync.
CREATE TABLE sdg.catalogue_edition (
    sha256     text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    file_count integer NOT NULL CHECK (file_count > 0),
    synced_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE sdg.catalogue_edition IS
    'One row per distinct catalogue content a sync stored; the newest synced_at is the edition runs read.';

CREATE TABLE sdg.catalogue_file (
    sha256  text NOT NULL REFERENCES sdg.catalogue_edition (sha256),
    name    text NOT NULL CHECK (name ~ '^[A-Za-z0-9_./-]+\.csv$' AND name !~ '(^|/)\.\.(/|$)'),
    content bytea NOT NULL,
    PRIMARY KEY (sha256, name)
);
COMMENT ON TABLE sdg.catalogue_file IS
    'The bytes of each catalogue file (name relative to the catalogue folder) in an edition.';
