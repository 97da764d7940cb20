-- Issue 9, point 2: at a region split the parent's series breaks. One row per split and indicator with facts
-- on both sides of it: for an additive indicator the sum test (parent the year before ≈ successor + new
-- regions in the split year), for any other the known break without a test. Rewritten by every
-- `sdg compute` (etl.indicators.series_breaks). See docs/decisions/series-breaks.md.
CREATE TABLE sdg.series_break (
    indicator_code   text NOT NULL REFERENCES sdg.indicator (code) ON DELETE CASCADE,
    -- the region before the split (South Kazakhstan in 2018, East Kazakhstan in 2022)
    parent_kato      char(9) NOT NULL REFERENCES sdg.region (kato_code),
    -- the region that carries the parent's series on (Turkestan region in 2018, the parent itself in 2022)
    successor_kato   char(9) NOT NULL REFERENCES sdg.region (kato_code),
    -- the first year on the new borders
    break_year       integer NOT NULL CHECK (break_year BETWEEN 1990 AND 2100),
    new_katos        char(9)[] NOT NULL CHECK (cardinality(new_katos) >= 1),
    additive         boolean NOT NULL,
    -- additive: true = the parent's old figure held the new regions (break confirmed), false = it did not
    -- (e.g. the source recalculated the parent's history); NULL = not tested (non-additive, or a value missing)
    detected         boolean,
    -- the parent's value of break_year - 1, and the successor's plus the new regions' of break_year
    parent_before    numeric,
    successor_after  numeric,
    new_after        numeric,
    after_sum        numeric,
    -- |parent_before - after_sum| / |parent_before|, percent, and the tolerance it was judged by
    gap_pct          numeric,
    tolerance_pct    numeric NOT NULL,
    detected_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator_code, parent_kato, break_year),
    CHECK (detected IS NULL OR additive),
    CHECK (detected IS NULL OR gap_pct IS NOT NULL)
);
CREATE INDEX series_break_successor ON sdg.series_break (successor_kato, break_year);
COMMENT ON TABLE sdg.series_break IS
    'Series breaks at region splits per indicator: the sum test for additive indicators (detected), the known '
    'territorial break for the others (detected NULL); the form explains them for the successor region.';
