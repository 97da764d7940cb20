-- Issue 9, points 1 and 2: a critical failure about rows holds back only those rows (the rest of the
-- snapshot loads), and values a source publishes for a region before it existed load flagged as
-- back-calculated. See docs/decisions/row-level-quarantine.md.

-- 'partial': the batch loaded except the rows held in sdg.quarantine (scope 'rows')
ALTER TABLE sdg.quality_run DROP CONSTRAINT quality_run_decision_check;
ALTER TABLE sdg.quality_run ADD CONSTRAINT quality_run_decision_check
    CHECK (decision IN ('load', 'partial', 'quarantine', 'released', 'pass', 'fail'));

-- batch = nothing of the snapshot loaded; rows = only failing_rows held back, the rest loaded
ALTER TABLE sdg.quarantine ADD COLUMN scope text NOT NULL DEFAULT 'batch' CHECK (scope IN ('batch', 'rows'));
ALTER TABLE sdg.quarantine ADD COLUMN held_count integer;
UPDATE sdg.quarantine SET held_count = row_count;
ALTER TABLE sdg.quarantine ALTER COLUMN held_count SET NOT NULL;
ALTER TABLE sdg.quarantine ADD CHECK (held_count BETWEEN 1 AND row_count);

-- the source published this value for a region before the region existed (Abai before 2022-06-08,
-- Turkestan region before 2018-06-19, ...): a recalculation, not an observation of the time
ALTER TABLE sdg.observation ADD COLUMN back_calculated boolean NOT NULL DEFAULT false;
UPDATE sdg.observation AS o SET back_calculated = true
FROM sdg.region AS r
WHERE r.kato_code = o.kato_code AND r.valid_from IS NOT NULL AND o.period_end < r.valid_from
  AND o.obs_status <> 'missing';
