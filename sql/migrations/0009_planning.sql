-- Paragraph 26 of order No. 236: how far a region's SDG indicators (class 1, «актуальные», first) are
-- built into its planning documents. Mirrored from catalogue/planning_documents.csv (people edit that).

-- One row per indicator built into a regional planning document: the document (ru/kk name, adoption
-- date) and the item (пункт) where the indicator sits. A document holding five indicators is five rows.
CREATE TABLE sdg.planning_document (
    kato_code      char(9) NOT NULL REFERENCES sdg.region (kato_code),
    indicator_code text NOT NULL REFERENCES sdg.indicator (code),
    document_ru    text NOT NULL CHECK (btrim(document_ru) <> ''),
    document_kk    text NOT NULL CHECK (btrim(document_kk) <> ''),
    adopted_on     date NOT NULL,
    item           text NOT NULL CHECK (btrim(item) <> ''),
    note           text,
    PRIMARY KEY (kato_code, indicator_code, document_ru, adopted_on)
);
COMMENT ON TABLE sdg.planning_document IS
    'Para 26 register: which indicator is built into which regional planning document, adopted when, at which item.';

CREATE INDEX planning_document_region_date ON sdg.planning_document (kato_code, adopted_on);

-- Every class-1 indicator of a region's Appendix 1 list with the date it first entered one of the
-- region's planning documents (NULL: not built into any). "Integrated as of year Y" is then
-- integrated_since <= 31 December Y, so the view needs no year parameter.
CREATE VIEW sdg.planning_class1_item AS
SELECT a.kato_code,
       a.indicator_code,
       min(p.adopted_on) AS integrated_since
FROM (
    SELECT DISTINCT kato_code, indicator_code
    FROM sdg.appendix1_item
    WHERE classification = 1 AND indicator_code IS NOT NULL
) AS a
LEFT JOIN sdg.planning_document AS p
       ON p.kato_code = a.kato_code AND p.indicator_code = a.indicator_code
GROUP BY a.kato_code, a.indicator_code;

-- Per region that existed in p_year: class-1 count, how many are built into a document adopted on or
-- before 31 December p_year, their share (NULL when the region has no class-1 indicator) and the codes
-- on each side. Classification is today's Appendix 1 list; only the documents are dated.
CREATE FUNCTION sdg.planning_integration(p_year integer)
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
    WHERE r.kind <> 'country'
      AND (r.valid_from IS NULL OR r.valid_from <= make_date(p_year, 12, 31))
      AND (r.valid_to IS NULL OR r.valid_to >= make_date(p_year, 1, 1))
    GROUP BY r.kato_code, r.sort_order
    ORDER BY r.sort_order, r.kato_code
$$;
COMMENT ON FUNCTION sdg.planning_integration(integer) IS
    'Para 26 share per region as of 31 December of the year: class-1 indicators built into planning documents.';
