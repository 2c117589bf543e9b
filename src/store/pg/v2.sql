-- PostgreSQL schema v2 (SQLite v5 and v6): the medication state of an assessment, and a plan's goals with their Goal
-- Attainment Scaling reviews, as records (corrected or voided through praxis.amend, audited by the database).
-- Applied by `praxis server init` on a new database and by `praxis server upgrade` (the owner) on a v1 one.
SET LOCAL ROLE praxis_owner;

UPDATE praxis.schema_version SET version = 2;

ALTER TABLE praxis.assessments ADD COLUMN med_state text CHECK (med_state IS NULL OR med_state IN ('on', 'off'));

CREATE TABLE praxis.goals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id    bigint NOT NULL REFERENCES praxis.patients(id) ON DELETE CASCADE,
    plan_id       bigint REFERENCES praxis.plans(id) ON DELETE SET NULL,
    instrument    text NOT NULL,
    target        double precision NOT NULL,
    by_date       text NOT NULL,
    text          text NOT NULL DEFAULT '',
    created_at    text NOT NULL,
    created_by    text NOT NULL DEFAULT session_user,
    record_status text NOT NULL DEFAULT 'current' CHECK (record_status IN ('current', 'corrected', 'voided')),
    supersedes    bigint,
    status_reason text,
    status_by     text,
    status_at     text
);
CREATE INDEX goals_patient ON praxis.goals(patient_id);
CREATE INDEX goals_supersedes ON praxis.goals(supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE praxis.goal_reviews (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id    bigint NOT NULL REFERENCES praxis.patients(id) ON DELETE CASCADE,
    goal_id       bigint NOT NULL REFERENCES praxis.goals(id) ON DELETE CASCADE,
    level         integer NOT NULL CHECK (level BETWEEN -2 AND 2),
    date          text NOT NULL,
    notes         text NOT NULL DEFAULT '',
    created_at    text NOT NULL,
    created_by    text NOT NULL DEFAULT session_user,
    record_status text NOT NULL DEFAULT 'current' CHECK (record_status IN ('current', 'corrected', 'voided')),
    supersedes    bigint,
    status_reason text,
    status_by     text,
    status_at     text
);
CREATE INDEX goal_reviews_patient ON praxis.goal_reviews(patient_id, goal_id, date);
CREATE INDEX goal_reviews_supersedes ON praxis.goal_reviews(supersedes) WHERE supersedes IS NOT NULL;

CREATE TRIGGER goals_audit AFTER INSERT OR UPDATE OR DELETE ON praxis.goals
    FOR EACH ROW EXECUTE FUNCTION praxis.audit_row('goal');
CREATE TRIGGER goal_reviews_audit AFTER INSERT OR UPDATE OR DELETE ON praxis.goal_reviews
    FOR EACH ROW EXECUTE FUNCTION praxis.audit_row('goal_review');
CREATE TRIGGER goals_creator BEFORE INSERT ON praxis.goals
    FOR EACH ROW EXECUTE FUNCTION praxis.stamp_creator();
CREATE TRIGGER goal_reviews_creator BEFORE INSERT ON praxis.goal_reviews
    FOR EACH ROW EXECUTE FUNCTION praxis.stamp_creator();

ALTER TABLE praxis.goals ENABLE ROW LEVEL SECURITY;
ALTER TABLE praxis.goal_reviews ENABLE ROW LEVEL SECURITY;

GRANT SELECT ON praxis.goals, praxis.goal_reviews TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin;
GRANT INSERT ON praxis.goals, praxis.goal_reviews TO praxis_therapist, praxis_lead, praxis_admin;

-- A goal's free text is personal: withheld from the trail like notes.
CREATE OR REPLACE FUNCTION praxis.redact(v jsonb, before jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    k text;
    empty boolean;
    changed boolean;
BEGIN
    IF v IS NULL THEN RETURN NULL; END IF;
    FOREACH k IN ARRAY ARRAY['name', 'birth_year', 'notes', 'goal', 'text', 'reason', 'status_reason'] LOOP
        CONTINUE WHEN NOT v ? k AND (before IS NULL OR NOT before ? k);
        changed := before IS NOT NULL AND (before -> k) IS DISTINCT FROM (v -> k);
        empty := v -> k IS NULL OR v -> k = 'null'::jsonb OR v -> k = '""'::jsonb;
        IF empty AND NOT changed THEN CONTINUE; END IF;
        v := jsonb_set(v, ARRAY[k], to_jsonb(CASE
            WHEN empty THEN '(removed)'
            WHEN changed THEN '(withheld; changed)'
            ELSE '(withheld)' END), true);
    END LOOP;
    RETURN v;
END $$;

-- The correction path also for goals and their reviews.
CREATE OR REPLACE FUNCTION praxis.amend(p_kind text, p_id bigint, p_reason text, p_new jsonb)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = praxis, pg_catalog AS $$
DECLARE
    tbl text := CASE p_kind WHEN 'assessment' THEN 'assessments' WHEN 'session' THEN 'sessions'
                            WHEN 'plan' THEN 'plans' WHEN 'goal' THEN 'goals'
                            WHEN 'goal_review' THEN 'goal_reviews' END;
    role text := praxis.my_role();
    old jsonb;
    cols text;
    new_id bigint;
    now_text text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'unknown record kind %', p_kind USING ERRCODE = '22023';
    END IF;
    IF length(trim(coalesce(p_reason, ''))) = 0 THEN
        RAISE EXCEPTION 'a reason is required to correct or void a record' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('SELECT to_jsonb(t) FROM praxis.%I t WHERE id = $1 FOR UPDATE', tbl) INTO old USING p_id;
    IF old IS NULL OR NOT praxis.sees_patient((old ->> 'patient_id')::bigint) THEN
        RAISE EXCEPTION '% % does not exist', p_kind, p_id USING ERRCODE = 'P0002';
    END IF;
    IF role IS NULL OR role = 'readonly'
       OR (role = 'therapist' AND old ->> 'created_by' IS DISTINCT FROM session_user) THEN
        RAISE EXCEPTION '%', praxis.amend_refused(p_kind, p_id, old ->> 'created_by') USING ERRCODE = '42501';
    END IF;
    IF old ->> 'record_status' <> 'current' THEN
        RAISE EXCEPTION '% % is %: only a current record can be corrected or voided', p_kind, p_id,
            old ->> 'record_status' USING ERRCODE = '40001';
    END IF;
    PERFORM set_config('praxis.action', CASE WHEN p_new IS NULL THEN 'void' ELSE 'correct' END, true);
    EXECUTE format('UPDATE praxis.%I SET record_status = $2, status_reason = $3, status_by = session_user, '
                   'status_at = $4 WHERE id = $1', tbl)
        USING p_id, CASE WHEN p_new IS NULL THEN 'voided' ELSE 'corrected' END, p_reason, now_text;
    IF p_new IS NULL THEN
        PERFORM set_config('praxis.action', '', true);
        RETURN p_id;
    END IF;
    -- The new row keeps the patient and the creator (who may still correct it); the rest comes from p_new.
    p_new := p_new - ARRAY['id', 'record_status', 'status_reason', 'status_by', 'status_at']
        || jsonb_build_object('patient_id', old -> 'patient_id', 'created_by', old -> 'created_by',
                              'supersedes', p_id, 'record_status', 'current');
    SELECT string_agg(quote_ident(k), ', ') INTO cols FROM jsonb_object_keys(p_new) k
        WHERE k IN (SELECT column_name FROM information_schema.columns
                    WHERE table_schema = 'praxis' AND table_name = tbl);
    EXECUTE format('INSERT INTO praxis.%I (%s) SELECT %s FROM jsonb_populate_record(NULL::praxis.%I, $1) '
                   'RETURNING id', tbl, cols, cols, tbl)
        INTO new_id USING p_new;
    PERFORM set_config('praxis.action', '', true);
    RETURN new_id;
END $$;

-- Remove a clinician (admin only): their login loses every Praxis group and site; the login role itself stays (the
-- server's administrator drops it if the person leaves). The last admin stays.
CREATE FUNCTION praxis.clinician_remove(p_user text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
DECLARE
    g text;
BEGIN
    PERFORM praxis.require_admin();
    IF NOT EXISTS (SELECT 1 FROM praxis.clinicians WHERE os_user = p_user) THEN
        RAISE EXCEPTION '% is not a clinician in this database', p_user USING ERRCODE = 'P0002';
    END IF;
    IF (SELECT role FROM praxis.clinicians WHERE os_user = p_user) = 'admin'
       AND (SELECT count(*) FROM praxis.clinicians WHERE role = 'admin') <= 1 THEN
        RAISE EXCEPTION 'the last admin cannot be removed' USING ERRCODE = '42501';
    END IF;
    FOREACH g IN ARRAY ARRAY['admin', 'lead', 'therapist', 'readonly'] LOOP
        IF pg_has_role(p_user, 'praxis_' || g, 'MEMBER') THEN
            EXECUTE format('REVOKE %I FROM %I', 'praxis_' || g, p_user);
        END IF;
    END LOOP;
    DELETE FROM praxis.clinicians WHERE os_user = p_user;
    PERFORM praxis.audit_append('remove', 'clinician', p_user, NULL, NULL, NULL);
END $$;

-- Right to erasure (admin only; store::Tx::delete_patient on SQLite): the patient and every record of theirs go, the
-- trail's rows about them lose their payload (the chain stays verifiable: praxis.audit_guard allows exactly this),
-- and one row that names no patient says how much was removed.
CREATE FUNCTION praxis.erase_patient(p_code text) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
DECLARE
    pid bigint;
    counts jsonb;
    erased bigint;
BEGIN
    PERFORM praxis.require_admin();
    SELECT id INTO pid FROM praxis.patients WHERE code = p_code;
    IF pid IS NULL THEN
        RAISE EXCEPTION 'no patient with code %', p_code USING ERRCODE = 'P0002';
    END IF;
    counts := jsonb_build_object(
        'assessments', (SELECT count(*) FROM praxis.assessments WHERE patient_id = pid),
        'sessions', (SELECT count(*) FROM praxis.sessions WHERE patient_id = pid),
        'plans', (SELECT count(*) FROM praxis.plans WHERE patient_id = pid));
    DELETE FROM praxis.goal_reviews WHERE patient_id = pid;
    DELETE FROM praxis.goals WHERE patient_id = pid;
    DELETE FROM praxis.assessments WHERE patient_id = pid;
    DELETE FROM praxis.sessions WHERE patient_id = pid;
    DELETE FROM praxis.plans WHERE patient_id = pid;
    DELETE FROM praxis.patients WHERE id = pid;
    PERFORM set_config('praxis.erasing', p_code, true);
    UPDATE praxis.audit SET entity_key = '(erased)', patient_code = NULL, before_json = NULL, after_json = NULL,
        salt = NULL WHERE patient_code = p_code;
    GET DIAGNOSTICS erased = ROW_COUNT;
    PERFORM set_config('praxis.erasing', '', true);
    counts := counts || jsonb_build_object('audit_rows', erased);
    PERFORM praxis.audit_append('delete', 'patient', '(erased)', NULL, NULL, counts);
    RETURN counts;
END $$;

REVOKE EXECUTE ON FUNCTION praxis.clinician_remove(text), praxis.erase_patient(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION praxis.clinician_remove(text), praxis.erase_patient(text)
    TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin;


-- Row-level security that the planner evaluates once per query rather than once per row (v1 called a function per
-- row: a list of 10,000 patients took over a second). The sites the user sees are computed once; a record is
-- visible when its patient is (the inner query is itself filtered by the patients' policy).
CREATE FUNCTION praxis.my_sites() RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
    SELECT s.id FROM praxis.sites s WHERE praxis.my_role() = 'admin'
    UNION
    SELECT g.site_id FROM praxis.site_grants g WHERE g.os_user = session_user
$$;
REVOKE EXECUTE ON FUNCTION praxis.my_sites() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION praxis.my_sites() TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin;

DROP POLICY site ON praxis.patients;
CREATE POLICY site ON praxis.patients USING (site_id IN (SELECT praxis.my_sites()));
-- Each record carries its patient's site (stamped by the database on insert, never written by a clinician), so the
-- policy of a record is the same once-per-query site list as the patients' (a policy that looked the patient up
-- hashed the whole patients table for every query: 8 ms for one patient's history of 10,000 patients).
CREATE FUNCTION praxis.stamp_site() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
BEGIN
    SELECT p.site_id INTO NEW.site_id FROM praxis.patients p WHERE p.id = NEW.patient_id;
    RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION praxis.stamp_site() FROM PUBLIC;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['assessments', 'sessions', 'plans', 'goals', 'goal_reviews'] LOOP
        EXECUTE format('ALTER TABLE praxis.%I ADD COLUMN site_id bigint REFERENCES praxis.sites(id)', t);
        -- Existing rows (a v1 database): filled without the row triggers, which would audit a change nobody made.
        EXECUTE format('ALTER TABLE praxis.%I DISABLE TRIGGER USER', t);
        EXECUTE format('UPDATE praxis.%I r SET site_id = p.site_id FROM praxis.patients p WHERE p.id = r.patient_id',
                       t);
        EXECUTE format('ALTER TABLE praxis.%I ENABLE TRIGGER USER', t);
        EXECUTE format('ALTER TABLE praxis.%I ALTER COLUMN site_id SET NOT NULL', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON praxis.%I FOR EACH ROW EXECUTE FUNCTION praxis.stamp_site()',
                       t || '_site', t);
        IF t <> 'goals' AND t <> 'goal_reviews' THEN
            EXECUTE format('DROP POLICY site ON praxis.%I', t);
        END IF;
        EXECUTE format('CREATE POLICY site ON praxis.%I USING (site_id IN (SELECT praxis.my_sites()))', t);
    END LOOP;
END $$;
DROP POLICY site ON praxis.audit;
CREATE POLICY site ON praxis.audit FOR SELECT USING (
    patient_code IS NULL OR EXISTS (SELECT 1 FROM praxis.patients p WHERE p.code = patient_code));


-- clinician_add (v1) with the main site as the default grant.
CREATE OR REPLACE FUNCTION praxis.clinician_add(p_user text, p_role text, p_display text, p_site text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = praxis, pg_catalog AS $$
DECLARE
    g text;
    site bigint;
BEGIN
    PERFORM praxis.require_admin();
    IF p_role NOT IN ('admin', 'lead', 'therapist', 'readonly') THEN
        RAISE EXCEPTION 'unknown role %: one of admin, lead, therapist, readonly', p_role USING ERRCODE = '22023';
    END IF;
    IF p_user !~ '^[a-z_][a-z0-9_.-]{0,62}$' OR p_user LIKE 'praxis\_%' OR p_user = 'postgres' THEN
        RAISE EXCEPTION 'not a user name Praxis accepts: %', p_user USING ERRCODE = '22023';
    END IF;
    IF p_user = session_user AND p_role <> 'admin' AND (SELECT count(*) FROM praxis.clinicians
                                                        WHERE role = 'admin') <= 1 THEN
        RAISE EXCEPTION 'the last admin cannot be demoted' USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_user) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', p_user);
    ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_user AND (rolsuper OR rolcreaterole OR rolbypassrls)) THEN
        RAISE EXCEPTION '% is a privileged database role; a clinician''s login must not be', p_user
            USING ERRCODE = '42501';
    END IF;
    FOREACH g IN ARRAY ARRAY['admin', 'lead', 'therapist', 'readonly'] LOOP
        IF g = p_role THEN
            EXECUTE format('GRANT %I TO %I', 'praxis_' || g, p_user);
        ELSIF pg_has_role(p_user, 'praxis_' || g, 'MEMBER') THEN
            EXECUTE format('REVOKE %I FROM %I', 'praxis_' || g, p_user);
        END IF;
    END LOOP;
    INSERT INTO praxis.clinicians (os_user, display_name, role, created_at)
    VALUES (p_user, coalesce(p_display, ''), p_role,
            to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    ON CONFLICT (os_user) DO UPDATE SET role = EXCLUDED.role,
        display_name = CASE WHEN EXCLUDED.display_name = '' THEN praxis.clinicians.display_name
                            ELSE EXCLUDED.display_name END;
    -- A clinic of one site needs no --site: a clinician granted no site yet gets the main one.
    IF p_site IS NULL AND NOT EXISTS (SELECT 1 FROM praxis.site_grants WHERE os_user = p_user) THEN
        p_site := 'main';
    END IF;
    IF p_site IS NOT NULL THEN
        SELECT id INTO site FROM praxis.sites WHERE code = p_site;
        IF site IS NULL THEN
            RAISE EXCEPTION 'no site %: add it first with praxis site add', p_site USING ERRCODE = 'P0002';
        END IF;
        INSERT INTO praxis.site_grants VALUES (p_user, site) ON CONFLICT DO NOTHING;
    END IF;
    PERFORM praxis.audit_append('add', 'clinician', p_user, NULL, NULL,
        jsonb_build_object('role', p_role, 'site', p_site));
END $$;


-- Grant or take back a site (admin only), without changing the clinician's role. The last site of a clinician can be
-- taken back: they then see no patients until granted another.
CREATE FUNCTION praxis.site_grant(p_user text, p_site text, p_grant boolean) RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = praxis, pg_catalog AS $$
DECLARE
    site bigint;
    n bigint;
BEGIN
    PERFORM praxis.require_admin();
    IF NOT EXISTS (SELECT 1 FROM praxis.clinicians WHERE os_user = p_user) THEN
        RAISE EXCEPTION '% is not a clinician in this database', p_user USING ERRCODE = 'P0002';
    END IF;
    SELECT id INTO site FROM praxis.sites WHERE code = p_site;
    IF site IS NULL THEN
        RAISE EXCEPTION 'no site %: add it first with praxis site add', p_site USING ERRCODE = 'P0002';
    END IF;
    IF p_grant THEN
        INSERT INTO praxis.site_grants VALUES (p_user, site) ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM praxis.site_grants WHERE os_user = p_user AND site_id = site;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            RAISE EXCEPTION '% was not granted the site %', p_user, p_site USING ERRCODE = 'P0002';
        END IF;
    END IF;
    PERFORM praxis.audit_append(CASE WHEN p_grant THEN 'grant' ELSE 'revoke' END, 'clinician', p_user, NULL, NULL,
        jsonb_build_object('site', p_site));
END $$;
REVOKE EXECUTE ON FUNCTION praxis.site_grant(text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION praxis.site_grant(text, text, boolean)
    TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin;

RESET ROLE;
