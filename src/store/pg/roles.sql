-- Before schema v1 (`praxis server init`, in the same transaction): the roles, cluster-wide, created only when
-- missing. praxis_owner owns every object and creates the clinicians' login roles through praxis.clinician_add.
DO $$
DECLARE
    r text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'praxis_owner') THEN
        CREATE ROLE praxis_owner NOLOGIN CREATEROLE;
    END IF;
    FOREACH r IN ARRAY ARRAY['praxis_readonly', 'praxis_therapist', 'praxis_lead', 'praxis_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
        EXECUTE format('GRANT %I TO praxis_owner WITH ADMIN OPTION', r);
    END LOOP;
    -- Clinicians create nothing: no schemas, no temporary tables, nothing in public.
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin',
                   current_database());
END $$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
