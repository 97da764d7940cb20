-- Rules that several queries share, written once here (issue 12, point 3): Python, the analysts' page and the
-- tests name these objects instead of repeating the rule as a string (tests/test_sql_rules.py keeps it so).

-- 1. A region exists in a year when its validity overlaps the year at all: it began on or before 31 December
--    and ended (if it ended) on or after 1 January. Both bounds are inclusive; NULL is an open end.
--    Records not (yet) in the database use the Python twin etl.catalogue.model.Region.valid_in.
CREATE FUNCTION sdg.region_in_year(p_valid_from date, p_valid_to date, p_year integer)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (p_valid_from IS NULL OR p_valid_from <= make_date(p_year, 12, 31))
       AND (p_valid_to IS NULL OR p_valid_to >= make_date(p_year, 1, 1))
$$;
COMMENT ON FUNCTION sdg.region_in_year(date, date, integer) IS
    'True when a region with this validity (valid_from, valid_to; NULL = open) existed for at least part of the '
    'year: valid_from <= 31 December and valid_to >= 1 January. Python twin: Region.valid_in.';

-- The planning share (migration 0009) names the rule instead of spelling it; same body otherwise.
CREATE OR REPLACE FUNCTION sdg.planning_integration(p_year integer)
RETURNS TABLE (
    kato_code        char(9),
    class1_count     integer,
    integrated_count integer,
    share            numeric,
    integrated       text[],
    not_integrated   text[]
)
LANGUAGE sql STABLE AS $$
    WITH item AS (
        SELECT c.kato_code, c.indicator_code,
               coalesce(c.integrated_since <= make_date(p_year, 12, 31), false) AS done
        FROM sdg.planning_class1_item AS c
    )
    SELECT r.kato_code,
           count(i.indicator_code)::integer,
           count(i.indicator_code) FILTER (WHERE i.done)::integer,
           CASE WHEN count(i.indicator_code) > 0
                THEN round(count(i.indicator_code) FILTER (WHERE i.done)::numeric / count(i.indicator_code), 4)
           END,
           coalesce(array_agg(i.indicator_code ORDER BY i.indicator_code) FILTER (WHERE i.done), '{}'),
           coalesce(array_agg(i.indicator_code ORDER BY i.indicator_code) FILTER (WHERE NOT i.done), '{}')
    FROM sdg.region AS r
    LEFT JOIN item AS i ON i.kato_code = r.kato_code
    WHERE r.kind <> 'country' AND sdg.region_in_year(r.valid_from, r.valid_to, p_year)
    GROUP BY r.kato_code, r.sort_order
    ORDER BY r.sort_order, r.kato_code
$$;

-- 2. The monitored items: the lines of a region's Appendix 1 list with classification 1 (priority) or 2
--    (monitoring). These are the rows the Appendix 2 form reports on, the facts a year is expected to have and
--    the lines of the national extract; classification 3 (measures) is listed but not monitored.
CREATE VIEW sdg.monitored_item AS
SELECT a.*
FROM sdg.appendix1_item AS a
WHERE a.classification IN (1, 2);
COMMENT ON VIEW sdg.monitored_item IS
    'Appendix 1 items the Appendix 2 form monitors: classification 1 (priority) or 2 (monitoring), not 3 '
    '(measures). Same columns as sdg.appendix1_item; join sdg.appendix1_line on (kato_code, row_no) for names.';

-- 3. The latest issued report: of each report (kind, region or NULL for the national extract, year), the
--    version with the highest number, whatever its status. The newest version of one status only (e.g. the
--    newest official one an amendment compares against) is a different question and is asked of sdg.report.
CREATE VIEW sdg.latest_report AS
SELECT DISTINCT ON (r.kind, r.kato_code, r.year) r.*
FROM sdg.report AS r
ORDER BY r.kind, r.kato_code, r.year, r.version DESC;
COMMENT ON VIEW sdg.latest_report IS
    'One row per report (kind, kato_code, year; a NULL kato_code is the national extract): its highest version, '
    'whatever the status. Same columns as sdg.report.';
