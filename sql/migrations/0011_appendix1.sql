-- Each region's Appendix 1 list (issue 8, point 4): Kazakh wording and bodies, region names in the form a
-- body's name needs, the lines resolved for each region, and every accepted analyst's file kept.

-- «Управление здравоохранения области» becomes «Управление здравоохранения города Астаны» for Astana:
-- the genitive replaces «области» (ru) and «Облыстың» (kk) in an indicator's generic regional body.
ALTER TABLE sdg.region ADD COLUMN genitive_ru text NOT NULL DEFAULT '';
ALTER TABLE sdg.region ADD COLUMN genitive_kk text NOT NULL DEFAULT '';

-- A region's own Kazakh wording and body (NULL: the Russian override as written, else the generic one).
ALTER TABLE sdg.appendix1_item ADD COLUMN regional_name_kk text;
ALTER TABLE sdg.appendix1_item ADD COLUMN responsible_kk text;

-- One row per accepted analyst's XLSX of a region's list: the kept copy and the region's rows it left in
-- catalogue/appendix1.csv. Versions count per region; nothing here is ever updated.
CREATE TABLE sdg.appendix1_import (
    import_id      bigserial PRIMARY KEY,
    kato_code      char(9) NOT NULL REFERENCES sdg.region (kato_code),
    version        integer NOT NULL CHECK (version >= 1),
    sha256         char(64) NOT NULL,
    file_name      text NOT NULL,
    path           text NOT NULL,
    -- the issued list the analyst edited (year and version of sdg.report kind 'appendix1')
    issued_year    integer NOT NULL,
    issued_version integer NOT NULL,
    -- every accepted cell: sheet, address, row_no, field, old and new value
    cells          jsonb NOT NULL DEFAULT '[]'::jsonb,
    -- the region's own rows of appendix1.csv after the import (column -> text)
    rows           jsonb NOT NULL,
    imported_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kato_code, version)
);
CREATE INDEX appendix1_import_sha ON sdg.appendix1_import (kato_code, sha256);

-- A region's list as it is printed (Appendix 1) and named (Appendix 2): per region and row, the names and
-- responsible bodies in both languages resolved for the region, the baseline (given, else the Fact of the
-- baseline year, flagged as derived; the baseline year is 2015 unless given) and the target.
CREATE VIEW sdg.appendix1_line AS
SELECT a.kato_code,
       a.row_no,
       string_to_array(a.row_no, '.')::int[] AS row_order,
       a.indicator_code,
       i.name_ru AS national_name_ru,
       i.name_kk AS national_name_kk,
       a.regional_name_ru,
       COALESCE(a.regional_name_kk, a.regional_name_ru) AS regional_name_kk,
       COALESCE(a.regional_name_ru, concat_ws(' ', i.code, i.name_ru)) AS name_ru,
       COALESCE(a.regional_name_kk, a.regional_name_ru, concat_ws(' ', i.code, i.name_kk)) AS name_kk,
       a.classification,
       i.unit_ru,
       i.unit_kk,
       COALESCE(a.responsible_ru,
                CASE WHEN r.genitive_ru <> ''
                     THEN regexp_replace(i.responsible_ru, '(^|\s)области($|[\s,.;)])', '\1' || r.genitive_ru || '\2')
                     ELSE i.responsible_ru END) AS responsible_ru,
       COALESCE(a.responsible_kk, a.responsible_ru,
                CASE WHEN r.genitive_kk <> ''
                     THEN regexp_replace(i.responsible_kk, '(^|\s)[Оо]блыстың($|[\s,.;)])', '\1' || r.genitive_kk || '\2')
                     ELSE i.responsible_kk END) AS responsible_kk,
       a.responsible_ru IS NOT NULL OR a.responsible_kk IS NOT NULL AS responsible_own,
       COALESCE(a.baseline_value, v.value) AS baseline_value,
       COALESCE(a.baseline_year, 2015) AS baseline_year,
       a.baseline_value IS NULL AND v.value IS NOT NULL AS baseline_derived,
       a.target_value,
       a.target_year
FROM sdg.appendix1_item AS a
JOIN sdg.region AS r ON r.kato_code = a.kato_code
LEFT JOIN sdg.indicator AS i ON i.code = a.indicator_code
LEFT JOIN sdg.indicator_value AS v
       ON a.baseline_value IS NULL AND v.indicator_code = a.indicator_code AND v.kato_code = a.kato_code
      AND v.year = COALESCE(a.baseline_year, 2015);
COMMENT ON VIEW sdg.appendix1_line IS
    'Appendix 1 lines per region: names and bodies ru/kk resolved for the region (own override, else the '
    'generic body with the region''s genitive), baseline given or derived from the baseline year''s Fact.';
