-- Catalogue: regions with their aliases and validity, national indicators, source series and the
-- mappings between them. Loaded from the files in catalogue/ (people edit those; the database mirrors).

CREATE SCHEMA IF NOT EXISTS sdg;

CREATE TABLE sdg.region (
    kato_code       char(9) PRIMARY KEY CHECK (kato_code ~ '^[0-9]{9}$'),
    kind            text NOT NULL CHECK (kind IN ('country', 'region', 'city')),
    name_ru         text NOT NULL,
    name_kk         text NOT NULL,
    name_en         text NOT NULL,
    valid_from      date,
    valid_to        date,
    split_from_kato char(9) REFERENCES sdg.region (kato_code),
    sort_order      integer NOT NULL,
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to)
);
COMMENT ON TABLE sdg.region IS
    'Regions keyed by 9-digit KATO code; historical regions stay with their validity period.';

-- Every outside code a region goes by: Taldau term ids, Open SDG REF_AREA codes, ISO 3166-2.
CREATE TABLE sdg.region_alias (
    scheme      text NOT NULL CHECK (scheme IN ('taldau_term', 'opensdg', 'iso3166_2', 'name_ru')),
    alias       text NOT NULL,
    kato_code   char(9) NOT NULL REFERENCES sdg.region (kato_code),
    PRIMARY KEY (scheme, alias)
);

CREATE TABLE sdg.indicator (
    code        text PRIMARY KEY,
    goal        integer NOT NULL CHECK (goal BETWEEN 1 AND 17),
    target      text NOT NULL,
    name_ru     text NOT NULL,
    name_kk     text NOT NULL,
    name_en     text NOT NULL,
    unit_ru     text NOT NULL,
    unit_kk     text NOT NULL,
    direction   smallint NOT NULL CHECK (direction IN (-1, 1)),
    decimals    smallint NOT NULL DEFAULT 1 CHECK (decimals BETWEEN 0 AND 4),
    responsible_ru text NOT NULL,
    source_ru   text NOT NULL,
    -- the same in Kazakh, for the Kazakh sheet of Appendix 2
    responsible_kk text NOT NULL,
    source_kk   text NOT NULL,
    opensdg_id  text
);

-- A statistical series as a source publishes it (one Taldau index + period type + dictionaries, ...).
CREATE TABLE sdg.series (
    series_id   bigserial PRIMARY KEY,
    series_key  text NOT NULL UNIQUE,
    source      text NOT NULL,
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,
    unit        text,
    frequency   char(1) NOT NULL DEFAULT 'A' CHECK (frequency IN ('A', 'Q', 'M'))
);

-- How an indicator's value is computed from series: 'direct' (value * scale) for now; ratio, per
-- 1,000/100,000, sum and difference take more inputs (the inputs array).
CREATE TABLE sdg.indicator_series (
    indicator_code text NOT NULL REFERENCES sdg.indicator (code),
    series_key     text NOT NULL REFERENCES sdg.series (series_key),
    formula        text NOT NULL DEFAULT 'direct'
                   CHECK (formula IN ('direct', 'ratio', 'per_1000', 'per_100000', 'sum', 'difference')),
    scale          numeric NOT NULL DEFAULT 1,
    PRIMARY KEY (indicator_code, series_key)
);
