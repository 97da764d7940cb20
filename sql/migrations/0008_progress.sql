-- Progress towards the target per region, indicator and year (issue 8, point 7): the Statistics Canada
-- (Open SDG) category and the ESCAP current-status and anticipated-progress indices, stored with every
-- input they were computed from. Written by etl/indicators/progress_store.py::compute_progress; read by
-- the forms' explanations column and the national extract. Methods: docs/decisions/progress.md.

CREATE TABLE sdg.indicator_progress (
    indicator_code   text NOT NULL REFERENCES sdg.indicator (code) ON DELETE CASCADE,
    kato_code        char(9) NOT NULL REFERENCES sdg.region (kato_code),
    -- the assessed year: the facts up to it count, the plan is this year's
    year             integer NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    -- 'target' (ratio of observed to required growth) or 'no_target' (growth thresholds)
    method           text NOT NULL CHECK (method IN ('target', 'no_target')),
    -- 1 an increase is desirable, -1 a decrease, NULL not set (then no Statistics Canada category)
    direction        smallint CHECK (direction IN (-1, 1)),
    base_year        integer,
    base_value       numeric,
    -- 'appendix1': the region's list gives the baseline value; 'fact': the first fact from the base year
    base_source      text NOT NULL CHECK (base_source IN ('appendix1', 'fact')),
    latest_year      integer,
    latest_value     numeric,
    -- number of values from the base year to the assessed year, the base included
    points           integer NOT NULL,
    target_year      integer NOT NULL,
    target_value     numeric,
    -- 'region': the region's Appendix 1 list gives the target; 'default': none given (year 2030, no value)
    target_source    text NOT NULL CHECK (target_source IN ('region', 'default')),
    plan_value       numeric,
    cagr_actual      double precision,
    cagr_required    double precision,
    -- R = s·d·CAGR_a / |CAGR_r| (method 'target') and g = s·d·CAGR_a (method 'no_target')
    ratio            double precision,
    growth           double precision,
    -- factor C scaling the positive growth cut-offs near 100 % (1 = none)
    limit_coefficient double precision,
    category         text CHECK (category IN ('target_achieved', 'on_track', 'acceleration_needed',
                                              'limited_progress', 'deterioration')),
    -- why there is no category: direction_not_set, fewer_points, mixed_signs ('' when there is one)
    reason           text NOT NULL DEFAULT '',
    escap_current_status double precision,
    -- 'cagr', 'weighted_logit' or 'weighted_log': how x̂ at the target year was projected
    escap_projection text NOT NULL DEFAULT '',
    escap_projected_value double precision,
    escap_api        double precision,
    escap_gap        double precision,
    escap_category   text CHECK (escap_category IN ('on_track', 'acceleration_needed', 'regressing')),
    escap_reason     text NOT NULL DEFAULT '',
    -- every input: the points, baseline and target as listed, direction, unit, plan, the settings used
    inputs           jsonb NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator_code, kato_code, year),
    CHECK ((category IS NULL) <> (reason = ''))
);
COMMENT ON TABLE sdg.indicator_progress IS
    'Progress per indicator, region and year: Statistics Canada category and ESCAP indices with their inputs.';

CREATE INDEX indicator_progress_year ON sdg.indicator_progress (year, kato_code);
