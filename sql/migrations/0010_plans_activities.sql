-- Plans and activities (issue 8, points 5 and 6); see docs/decisions/plans-activities.md.

-- An activity belongs to a region's block or to a district's (the order's footnote: an initiative group
-- fills the activities block where a district has no indicators). '' = the region's own block.
ALTER TABLE sdg.activity
    ADD COLUMN district_ru text NOT NULL DEFAULT '',
    ADD COLUMN district_kk text NOT NULL DEFAULT '';
ALTER TABLE sdg.activity DROP CONSTRAINT activity_pkey;
ALTER TABLE sdg.activity ADD PRIMARY KEY (kato_code, year, district_ru, row_no);

-- Opt-in straight paths (catalogue/plan_paths.csv): '*' = every region / indicator. The most specific
-- rule wins (region and indicator named, then the region, then the indicator, then '*,*');
-- 'none' switches the path off for what a wider rule switched on.
CREATE TABLE sdg.plan_path (
    kato_code      text NOT NULL CHECK (kato_code = '*' OR kato_code ~ '^[0-9]{9}$'),
    indicator_code text NOT NULL,
    method         text NOT NULL CHECK (method IN ('linear', 'none')),
    PRIMARY KEY (kato_code, indicator_code)
);

-- The plan of every region, indicator and year the form may show: the explicit plans of
-- catalogue/plans.csv (derived = false, method 'explicit'), and where none is given and the opt-in
-- applies, the straight line from the region's Appendix 1 baseline to its target for the years after
-- the baseline year up to and including the target year (derived = true, method 'linear').
-- A region with two Appendix 1 rows of one indicator takes the first by row number.
CREATE VIEW sdg.plan_line AS
WITH rule AS (
    SELECT DISTINCT ON (a.kato_code, a.indicator_code)
           a.kato_code, a.indicator_code, a.baseline_year, a.baseline_value, a.target_year, a.target_value,
           p.method
    FROM sdg.appendix1_item AS a
    JOIN sdg.plan_path AS p
      ON p.kato_code IN (a.kato_code, '*') AND p.indicator_code IN (a.indicator_code, '*')
    WHERE a.indicator_code IS NOT NULL
      AND a.baseline_value IS NOT NULL AND a.baseline_year IS NOT NULL
      AND a.target_value IS NOT NULL AND a.target_year IS NOT NULL
      AND a.target_year > a.baseline_year
    ORDER BY a.kato_code, a.indicator_code,
             (p.kato_code <> '*')::int * 2 + (p.indicator_code <> '*')::int DESC,
             CASE WHEN a.row_no ~ '^[0-9]+(\.[0-9]+)*$' THEN string_to_array(a.row_no, '.')::int[] END,
             a.row_no
),
derived AS (
    SELECT r.kato_code, r.indicator_code, y.year,
           trim_scale(r.baseline_value + (r.target_value - r.baseline_value) * (y.year - r.baseline_year)
                      / (r.target_year - r.baseline_year)) AS value
    FROM rule AS r
    CROSS JOIN LATERAL generate_series(r.baseline_year + 1, r.target_year) AS y (year)
    WHERE r.method = 'linear'
)
SELECT p.kato_code, p.indicator_code, p.year, p.value, false AS derived, 'explicit'::text AS method
FROM sdg.plan_value AS p
UNION ALL
SELECT d.kato_code, d.indicator_code, d.year, d.value, true AS derived, 'linear'::text AS method
FROM derived AS d
WHERE NOT EXISTS (
    SELECT 1 FROM sdg.plan_value AS p
    WHERE p.kato_code = d.kato_code AND p.indicator_code = d.indicator_code AND p.year = d.year
);
