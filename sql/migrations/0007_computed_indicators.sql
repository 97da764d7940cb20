-- The whole national catalogue and computed indicators (issue 8).
--
-- Indicators carry the platform's unit code; a desirable direction may be unknown (NULL) for an
-- indicator nobody has judged yet. Computed indicators are formulas over operand series, per region
-- where a region needs its own (kato_code '*' = every region). A fact records how it was made
-- (formula, every operand's observation) and, when it cannot be computed, why.

ALTER TABLE sdg.indicator ADD COLUMN unit_code text NOT NULL DEFAULT '';
ALTER TABLE sdg.indicator ALTER COLUMN direction DROP NOT NULL;
ALTER TABLE sdg.indicator ADD COLUMN kind text NOT NULL DEFAULT 'national'
    CHECK (kind IN ('national', 'global'));
ALTER TABLE sdg.indicator ADD COLUMN reporting_status text NOT NULL DEFAULT '';
ALTER TABLE sdg.indicator DROP CONSTRAINT indicator_decimals_check;
ALTER TABLE sdg.indicator ADD CONSTRAINT indicator_decimals_check CHECK (decimals BETWEEN 0 AND 6);

-- Series mappings are direct only; everything else is a formula below.
ALTER TABLE sdg.indicator_series DROP CONSTRAINT indicator_series_formula_check;
UPDATE sdg.indicator_series SET formula = 'direct';
ALTER TABLE sdg.indicator_series ADD CONSTRAINT indicator_series_formula_check CHECK (formula = 'direct');

CREATE TABLE sdg.indicator_formula (
    indicator_code text NOT NULL REFERENCES sdg.indicator (code),
    -- '*' = every region; a KATO code = this region's own formula, replacing the '*' one
    kato_code      text NOT NULL CHECK (kato_code = '*' OR kato_code ~ '^[0-9]{9}$'),
    formula        text NOT NULL CHECK (formula IN ('ratio', 'per_capita', 'share', 'sum', 'difference')),
    factor         numeric NOT NULL DEFAULT 1 CHECK (factor > 0),
    priority       smallint NOT NULL DEFAULT 50,
    PRIMARY KEY (indicator_code, kato_code)
);

CREATE TABLE sdg.indicator_operand (
    indicator_code text NOT NULL,
    kato_code      text NOT NULL,
    position       smallint NOT NULL CHECK (position >= 1),
    role           text NOT NULL,
    series_key     text NOT NULL REFERENCES sdg.series (series_key),
    dims           text NOT NULL DEFAULT '',
    unit           text NOT NULL,
    -- multiplier bringing the operand to the unit the formula works in (thousand persons -> persons: 1000)
    scale          numeric NOT NULL DEFAULT 1 CHECK (scale > 0),
    -- how the form's explanations name the operand («число родившихся живыми»)
    label_ru       text NOT NULL DEFAULT '',
    label_kk       text NOT NULL DEFAULT '',
    PRIMARY KEY (indicator_code, kato_code, position),
    FOREIGN KEY (indicator_code, kato_code) REFERENCES sdg.indicator_formula ON DELETE CASCADE
);

ALTER TABLE sdg.indicator_value ADD COLUMN formula text NOT NULL DEFAULT 'direct';
-- why a value is empty (a missing or suppressed operand, division by zero), in Russian and Kazakh
ALTER TABLE sdg.indicator_value ADD COLUMN explanation_ru text NOT NULL DEFAULT '';
ALTER TABLE sdg.indicator_value ADD COLUMN explanation_kk text NOT NULL DEFAULT '';
-- every operand: role, series, observation, snapshot, value as published
ALTER TABLE sdg.indicator_value ADD COLUMN inputs jsonb NOT NULL DEFAULT '[]'::jsonb;
