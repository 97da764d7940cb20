-- Database roles (issue 11, point 6): sdg_loader writes the warehouse (the DAG tasks and `sdg` commands),
-- sdg_analyst only reads it (the analysts' page in the Airflow UI, report readers). Both are NOLOGIN group
-- roles: a login user gets one with `GRANT sdg_analyst TO <user>` (docs/analysts-page.md). Migrations
-- themselves keep running as the owner of the schemas.
--
-- Roles belong to the whole server, not to one database: several warehouses (test databases, a staging copy)
-- on one server each run this migration, possibly at the same moment. The first creates the role; the others
-- find it in pg_roles or, when they raced past that check before the first committed, catch the error of the
-- second CREATE ROLE (duplicate_object, or unique_violation on pg_authid's name index after waiting for it).
-- The grants below are per database and always applied.

DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['sdg_loader', 'sdg_analyst'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                RAISE NOTICE 'role % was created concurrently by another database''s migration', role_name;
            END;
        END IF;
    END LOOP;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO sdg_loader', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO sdg_analyst', current_database());
END
$$;

-- The analyst reads every table, view and function of the warehouse schemas, now and in later migrations.
GRANT USAGE ON SCHEMA sdg, sdg_meta TO sdg_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA sdg, sdg_meta TO sdg_analyst;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA sdg TO sdg_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA sdg, sdg_meta GRANT SELECT ON TABLES TO sdg_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA sdg GRANT EXECUTE ON FUNCTIONS TO sdg_analyst;

-- The loader reads and writes rows (COPY into temporary stage tables, vintages, facts, reports), draws ids
-- from the sequences, and reads the migration record; it changes no schema.
GRANT USAGE ON SCHEMA sdg, sdg_meta TO sdg_loader;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA sdg TO sdg_loader;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA sdg TO sdg_loader;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA sdg TO sdg_loader;
GRANT SELECT ON ALL TABLES IN SCHEMA sdg_meta TO sdg_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA sdg GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO sdg_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA sdg GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO sdg_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA sdg GRANT EXECUTE ON FUNCTIONS TO sdg_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA sdg_meta GRANT SELECT ON TABLES TO sdg_loader;
