-- One index instead of two on sdg.observation: every row (current or closed) is unique on its cut plus
-- valid_to, with NULLS NOT DISTINCT so that a cut still has at most one current row (valid_to IS NULL).
-- The same index serves the current-row lookups of the merge (prefix + valid_to IS NULL) and the history
-- lookups of sdg.observation_revision (prefix), so observation_history_ix only cost index upkeep: about a
-- second per million loaded rows (docs/performance.md, decision 20).
DROP INDEX sdg.observation_current_uq;
DROP INDEX sdg.observation_history_ix;
CREATE UNIQUE INDEX observation_cut_uq
    ON sdg.observation (series_id, kato_code, period_start, period_end, dims, valid_to) NULLS NOT DISTINCT;
