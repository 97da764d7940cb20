-- The overview that travels with a national extract (etl/reports/overview_issue.py): one HTML page per language
-- and its PDF, recorded like the form rows' CSV and JSON as sibling files of the extract's report, each with its
-- sha256. A sibling file now has a language ('' when it holds every language, as the CSV and JSON do).
ALTER TABLE sdg.report_file ADD COLUMN language text NOT NULL DEFAULT '' CHECK (language IN ('', 'ru', 'kk'));
ALTER TABLE sdg.report_file DROP CONSTRAINT report_file_format_check;
ALTER TABLE sdg.report_file ADD CONSTRAINT report_file_format_check CHECK (format IN ('csv', 'json', 'html', 'pdf'));
ALTER TABLE sdg.report_file DROP CONSTRAINT report_file_pkey;
ALTER TABLE sdg.report_file ADD PRIMARY KEY (report_id, format, language);
