-- Sibling files of an issued report: the same rows as CSV and JSON beside the XLSX, each with its sha256
-- (etl/exports/form_rows.py). Like the XLSX they are written once, never overwritten.
CREATE TABLE sdg.report_file (
    report_id  bigint NOT NULL REFERENCES sdg.report (report_id),
    format     text NOT NULL CHECK (format IN ('csv', 'json')),
    path       text NOT NULL,
    sha256     char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, format)
);
