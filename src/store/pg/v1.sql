-- Praxis on PostgreSQL, schema v1: the tables of SQLite schema v4, plus sites, with roles, privileges, row-level
-- security and an audit trail written by the database itself. Run by `praxis server init` as the database's owner
-- (a role with CREATEROLE, or a superuser), in one transaction. Every object lives in the schema `praxis`, owned by
-- the NOLOGIN role `praxis_owner`; no clinician is a member of it.
--
-- Who may do what is decided here, not in the program (issue 13):
--   praxis_readonly   reads the patients of the sites granted to them;
--   praxis_therapist  also adds patients, assessments, sessions and plans, edits patients and plans, and corrects or
--                     voids the records they entered (praxis.amend);
--   praxis_lead       also corrects or voids anyone's records;
--   praxis_admin      sees every site, adds sites and clinicians, erases a patient (praxis.erase_patient).
-- Nobody but praxis_owner may update or delete a record, or touch the audit table; every change to a record table
-- appends an audit row (trigger, SECURITY DEFINER) in the change's own transaction, hash-chained as in SQLite
-- (store::audit::chain: the same JSON texts, so `praxis audit --verify` checks both backends with one code).

CREATE SCHEMA praxis AUTHORIZATION praxis_owner;
REVOKE ALL ON SCHEMA praxis FROM PUBLIC;
GRANT USAGE ON SCHEMA praxis TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin;
SET LOCAL search_path = praxis, pg_catalog;
SET LOCAL ROLE praxis_owner;

CREATE TABLE praxis.schema_version (
    id      integer PRIMARY KEY CHECK (id = 1),
    version integer NOT NULL
);
INSERT INTO praxis.schema_version VALUES (1, 1);

CREATE TABLE praxis.sites (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    name text NOT NULL DEFAULT ''
);
INSERT INTO praxis.sites (code, name) VALUES ('main', 'Main site');

-- The clinicians Praxis knows: their login role (the OS user, with peer authentication) and group role. The role
-- itself is what PostgreSQL enforces; this table names it for the program and the audit.
CREATE TABLE praxis.clinicians (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    os_user      text NOT NULL UNIQUE,
    display_name text NOT NULL DEFAULT '',
    role         text NOT NULL CHECK (role IN ('admin', 'lead', 'therapist', 'readonly')),
    created_at   text NOT NULL
);

-- Which sites a clinician sees (an admin sees all).
CREATE TABLE praxis.site_grants (
    os_user text NOT NULL REFERENCES praxis.clinicians(os_user) ON DELETE CASCADE,
    site_id bigint NOT NULL REFERENCES praxis.sites(id),
    PRIMARY KEY (os_user, site_id)
);

CREATE TABLE praxis.patients (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id         bigint NOT NULL DEFAULT 1 REFERENCES praxis.sites(id),
    code            text NOT NULL UNIQUE,
    name            text,
    birth_year      integer NOT NULL,
    sex             text,
    dominant_hand   text,
    affected_side   text,
    condition       text NOT NULL,
    facts           jsonb NOT NULL,
    notes           text NOT NULL DEFAULT '',
    created_at      text NOT NULL,
    updated_at      text NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    last_assessment text,
    last_session    text,
    n_assessments   integer NOT NULL DEFAULT 0,
    n_sessions      integer NOT NULL DEFAULT 0,
    plan_protocol   text,
    plan_start      text
);
CREATE INDEX patients_condition ON praxis.patients(condition);
CREATE INDEX patients_site ON praxis.patients(site_id);

CREATE TABLE praxis.assessments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id    bigint NOT NULL REFERENCES praxis.patients(id) ON DELETE CASCADE,
    instrument    text NOT NULL,
    score         double precision NOT NULL,
    date          text NOT NULL,
    assessor      text,
    notes         text NOT NULL DEFAULT '',
    created_at    text NOT NULL,
    created_by    text NOT NULL DEFAULT session_user,
    record_status text NOT NULL DEFAULT 'current' CHECK (record_status IN ('current', 'corrected', 'voided')),
    supersedes    bigint,
    status_reason text,
    status_by     text,
    status_at     text
);
CREATE INDEX assessments_patient_date ON praxis.assessments(patient_id, date);
CREATE INDEX assessments_supersedes ON praxis.assessments(supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE praxis.sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id    bigint NOT NULL REFERENCES praxis.patients(id) ON DELETE CASCADE,
    started_at    text NOT NULL,
    protocol_id   text NOT NULL,
    minutes       integer NOT NULL CHECK (minutes BETWEEN 1 AND 600),
    repetitions   integer NOT NULL CHECK (repetitions >= 0),
    level         integer,
    success_rate  double precision CHECK (success_rate IS NULL OR success_rate BETWEEN 0 AND 1),
    rpe           integer CHECK (rpe IS NULL OR rpe BETWEEN 0 AND 10),
    notes         text NOT NULL DEFAULT '',
    clinician     text,
    created_at    text NOT NULL,
    created_by    text NOT NULL DEFAULT session_user,
    record_status text NOT NULL DEFAULT 'current' CHECK (record_status IN ('current', 'corrected', 'voided')),
    supersedes    bigint,
    status_reason text,
    status_by     text,
    status_at     text
);
CREATE INDEX sessions_patient_started ON praxis.sessions(patient_id, started_at);
CREATE INDEX sessions_supersedes ON praxis.sessions(supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE praxis.plans (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id    bigint NOT NULL REFERENCES praxis.patients(id) ON DELETE CASCADE,
    protocol_id   text NOT NULL,
    start_date    text NOT NULL,
    goal          text NOT NULL DEFAULT '',
    status        text NOT NULL CHECK (status IN ('active', 'completed', 'stopped')),
    created_at    text NOT NULL,
    updated_at    text NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    created_by    text NOT NULL DEFAULT session_user,
    record_status text NOT NULL DEFAULT 'current' CHECK (record_status IN ('current', 'corrected', 'voided')),
    supersedes    bigint,
    status_reason text,
    status_by     text,
    status_at     text
);
CREATE UNIQUE INDEX plans_one_active ON praxis.plans(patient_id) WHERE status = 'active' AND record_status = 'current';
CREATE INDEX plans_patient ON praxis.plans(patient_id);

-- The audit trail: the columns of SQLite's (v4), chained the same way.
CREATE TABLE praxis.audit (
    id           bigint PRIMARY KEY,
    at           text NOT NULL,
    os_user      text NOT NULL,
    ssh_addr     text,
    action       text NOT NULL,
    entity       text NOT NULL,
    entity_key   text NOT NULL,
    patient_code text,
    before_json  text,
    after_json   text,
    hash         text NOT NULL,
    salt         text,
    digest       text
);
CREATE INDEX audit_patient ON praxis.audit(patient_code, id);

CREATE TABLE praxis.pseudonym_key (
    id  integer PRIMARY KEY CHECK (id = 1),
    key bytea NOT NULL CHECK (length(key) = 32)
);
INSERT INTO praxis.pseudonym_key VALUES (1, decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- ---------------------------------------------------------------------------------------------------------------
-- Audit: the chain. serde_json's compact text of the same arrays as store::audit::chain, so one verifier serves both.

CREATE FUNCTION praxis.json_text(v text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT coalesce(to_json(v)::text, 'null') $$;

CREATE FUNCTION praxis.sha256_hex(v text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT encode(sha256(convert_to(v, 'UTF8')), 'hex') $$;

-- Personal fields are withheld from the trail (store::audit::PERSONAL_FIELDS), saying only that they were set and
-- whether they changed.
CREATE FUNCTION praxis.redact(v jsonb, before jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    k text;
    empty boolean;
    changed boolean;
BEGIN
    IF v IS NULL THEN RETURN NULL; END IF;
    FOREACH k IN ARRAY ARRAY['name', 'birth_year', 'notes', 'goal', 'reason', 'status_reason'] LOOP
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

-- Append one row. Serialised by a transaction-level advisory lock, so ids have no gaps and the chain follows commit
-- order; the lock is held to the end of the writing transaction.
CREATE FUNCTION praxis.audit_append(p_action text, p_entity text, p_key text, p_patient text,
                                    p_before jsonb, p_after jsonb)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = praxis, pg_catalog AS $$
DECLARE
    last_id bigint;
    prev text;
    r praxis.audit%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(7365001);
    SELECT a.id, a.hash INTO last_id, prev FROM praxis.audit a ORDER BY a.id DESC LIMIT 1;
    r.id := coalesce(last_id, 0) + 1;
    r.at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    r.os_user := session_user;
    r.ssh_addr := nullif(current_setting('praxis.ssh_addr', true), '');
    r.action := p_action;
    r.entity := p_entity;
    r.entity_key := p_key;
    r.patient_code := p_patient;
    r.before_json := praxis.redact(p_before, NULL)::text;
    r.after_json := praxis.redact(p_after, p_before)::text;
    r.salt := replace(gen_random_uuid()::text, '-', '');
    r.digest := praxis.sha256_hex('[' || praxis.json_text(r.salt) || ',' || praxis.json_text(r.entity_key) || ','
        || praxis.json_text(r.patient_code) || ',' || praxis.json_text(r.before_json) || ','
        || praxis.json_text(r.after_json) || ']');
    r.hash := praxis.sha256_hex(coalesce(prev, '') || '[' || r.id || ',' || praxis.json_text(r.at) || ','
        || praxis.json_text(r.os_user) || ',' || praxis.json_text(r.ssh_addr) || ',' || praxis.json_text(r.action)
        || ',' || praxis.json_text(r.entity) || ',' || praxis.json_text(r.digest) || ']');
    INSERT INTO praxis.audit VALUES (r.*);
END $$;

-- Every change to a record table is audited here, whoever makes it and however (the program, psql, another tool).
-- The program names the action (`SET LOCAL praxis.action = 'correct'`); otherwise it is the SQL operation.
CREATE FUNCTION praxis.audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
DECLARE
    entity text := TG_ARGV[0];
    row_new jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
    row_old jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
    pid bigint := coalesce(row_new, row_old) ->> CASE WHEN entity = 'patient' THEN 'id' ELSE 'patient_id' END;
    code text;
    action text := nullif(current_setting('praxis.action', true), '');
BEGIN
    IF entity = 'patient' THEN
        code := coalesce(row_new, row_old) ->> 'code';
    ELSE
        SELECT p.code INTO code FROM praxis.patients p WHERE p.id = pid;
    END IF;
    -- The summary columns kept by triggers are not changes anyone made.
    IF TG_OP = 'UPDATE' AND entity = 'patient'
       AND (row_new - ARRAY['last_assessment', 'last_session', 'n_assessments', 'n_sessions', 'plan_protocol',
                            'plan_start'])
         = (row_old - ARRAY['last_assessment', 'last_session', 'n_assessments', 'n_sessions', 'plan_protocol',
                            'plan_start']) THEN
        RETURN NULL;
    END IF;
    PERFORM praxis.audit_append(coalesce(action, lower(TG_OP)), entity,
        coalesce(row_new, row_old) ->> 'id', code, row_old, row_new);
    RETURN NULL;
END $$;

CREATE TRIGGER patients_audit AFTER INSERT OR UPDATE OR DELETE ON praxis.patients
    FOR EACH ROW EXECUTE FUNCTION praxis.audit_row('patient');
CREATE TRIGGER assessments_audit AFTER INSERT OR UPDATE OR DELETE ON praxis.assessments
    FOR EACH ROW EXECUTE FUNCTION praxis.audit_row('assessment');
CREATE TRIGGER sessions_audit AFTER INSERT OR UPDATE OR DELETE ON praxis.sessions
    FOR EACH ROW EXECUTE FUNCTION praxis.audit_row('session');
CREATE TRIGGER plans_audit AFTER INSERT OR UPDATE OR DELETE ON praxis.plans
    FOR EACH ROW EXECUTE FUNCTION praxis.audit_row('plan');

-- The trail is append-only even for its owner, but for the erasure of a deleted patient's payload.
CREATE FUNCTION praxis.audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('praxis.erasing', true) = OLD.patient_code
       AND NOT EXISTS (SELECT 1 FROM praxis.patients WHERE code = OLD.patient_code)
       AND NEW.id = OLD.id AND NEW.hash = OLD.hash AND NEW.digest = OLD.digest AND NEW.at = OLD.at
       AND NEW.os_user = OLD.os_user AND NEW.action = OLD.action AND NEW.entity = OLD.entity
       AND NEW.salt IS NULL AND NEW.patient_code IS NULL AND NEW.before_json IS NULL AND NEW.after_json IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: rows cannot be %', CASE TG_OP WHEN 'UPDATE' THEN 'changed'
        ELSE 'deleted' END;
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON praxis.audit
    FOR EACH ROW EXECUTE FUNCTION praxis.audit_guard();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON praxis.audit
    FOR EACH STATEMENT EXECUTE FUNCTION praxis.audit_guard();

-- An event that changes no record (backup, export, report): audited as who did it.
CREATE FUNCTION praxis.audit_event(p_action text, p_entity text, p_key text, p_patient text, p_detail jsonb)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = praxis, pg_catalog
AS $$ SELECT praxis.audit_append(p_action, p_entity, p_key, p_patient, NULL, p_detail) $$;

-- ---------------------------------------------------------------------------------------------------------------
-- The patient list's summary columns (as SQLite v3's triggers): current records only.

CREATE FUNCTION praxis.patient_summary() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
DECLARE
    pid bigint;
BEGIN
    FOREACH pid IN ARRAY ARRAY[CASE WHEN TG_OP <> 'INSERT' THEN OLD.patient_id END,
                               CASE WHEN TG_OP <> 'DELETE' THEN NEW.patient_id END] LOOP
        CONTINUE WHEN pid IS NULL;
        IF TG_TABLE_NAME = 'assessments' THEN
            UPDATE praxis.patients SET
                n_assessments = (SELECT count(*) FROM praxis.assessments WHERE patient_id = pid
                                 AND record_status = 'current'),
                last_assessment = (SELECT max(date) FROM praxis.assessments WHERE patient_id = pid
                                   AND record_status = 'current')
            WHERE id = pid;
        ELSIF TG_TABLE_NAME = 'sessions' THEN
            UPDATE praxis.patients SET
                n_sessions = (SELECT count(*) FROM praxis.sessions WHERE patient_id = pid
                              AND record_status = 'current'),
                last_session = (SELECT max(started_at) FROM praxis.sessions WHERE patient_id = pid
                                AND record_status = 'current')
            WHERE id = pid;
        ELSE
            UPDATE praxis.patients SET
                plan_protocol = (SELECT protocol_id FROM praxis.plans WHERE patient_id = pid AND status = 'active'
                                 AND record_status = 'current'),
                plan_start = (SELECT start_date FROM praxis.plans WHERE patient_id = pid AND status = 'active'
                              AND record_status = 'current')
            WHERE id = pid;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER assessments_summary AFTER INSERT OR UPDATE OR DELETE ON praxis.assessments
    FOR EACH ROW EXECUTE FUNCTION praxis.patient_summary();
CREATE TRIGGER sessions_summary AFTER INSERT OR UPDATE OR DELETE ON praxis.sessions
    FOR EACH ROW EXECUTE FUNCTION praxis.patient_summary();
CREATE TRIGGER plans_summary AFTER INSERT OR UPDATE OR DELETE ON praxis.plans
    FOR EACH ROW EXECUTE FUNCTION praxis.patient_summary();

-- Who entered a record is the login that inserted it, whatever the statement said.
CREATE FUNCTION praxis.stamp_creator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_has_role(current_user, 'praxis_owner', 'MEMBER') THEN
        NEW.created_by := session_user;
        NEW.record_status := 'current';
        NEW.supersedes := NULL;
        NEW.status_reason := NULL;
        NEW.status_by := NULL;
        NEW.status_at := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assessments_creator BEFORE INSERT ON praxis.assessments
    FOR EACH ROW EXECUTE FUNCTION praxis.stamp_creator();
CREATE TRIGGER sessions_creator BEFORE INSERT ON praxis.sessions
    FOR EACH ROW EXECUTE FUNCTION praxis.stamp_creator();
CREATE TRIGGER plans_creator BEFORE INSERT ON praxis.plans
    FOR EACH ROW EXECUTE FUNCTION praxis.stamp_creator();

-- ---------------------------------------------------------------------------------------------------------------
-- Roles and row-level security.

CREATE FUNCTION praxis.my_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
    SELECT CASE
        WHEN pg_has_role(session_user, 'praxis_admin', 'MEMBER') THEN 'admin'
        WHEN pg_has_role(session_user, 'praxis_lead', 'MEMBER') THEN 'lead'
        WHEN pg_has_role(session_user, 'praxis_therapist', 'MEMBER') THEN 'therapist'
        WHEN pg_has_role(session_user, 'praxis_readonly', 'MEMBER') THEN 'readonly'
    END
$$;

-- The sites the session's user sees: all for an admin, else those granted.
CREATE FUNCTION praxis.sees_site(p_site bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
    SELECT praxis.my_role() = 'admin'
        OR EXISTS (SELECT 1 FROM praxis.site_grants g WHERE g.os_user = session_user AND g.site_id = p_site)
$$;

CREATE FUNCTION praxis.sees_patient(p_patient bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
    SELECT EXISTS (SELECT 1 FROM praxis.patients p WHERE p.id = p_patient AND praxis.sees_site(p.site_id))
$$;

ALTER TABLE praxis.patients ENABLE ROW LEVEL SECURITY;
ALTER TABLE praxis.assessments ENABLE ROW LEVEL SECURITY;
ALTER TABLE praxis.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE praxis.plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE praxis.audit ENABLE ROW LEVEL SECURITY;

CREATE POLICY site ON praxis.patients USING (praxis.sees_site(site_id));
CREATE POLICY site ON praxis.assessments USING (praxis.sees_patient(patient_id));
CREATE POLICY site ON praxis.sessions USING (praxis.sees_patient(patient_id));
CREATE POLICY site ON praxis.plans USING (praxis.sees_patient(patient_id));
-- The trail of a patient one cannot see is not readable either; rows about no patient are.
CREATE POLICY site ON praxis.audit FOR SELECT USING (
    patient_code IS NULL OR praxis.my_role() = 'admin'
    OR EXISTS (SELECT 1 FROM praxis.patients p WHERE p.code = patient_code AND praxis.sees_site(p.site_id)));

GRANT SELECT ON praxis.sites, praxis.clinicians, praxis.site_grants, praxis.patients, praxis.assessments,
    praxis.sessions, praxis.plans, praxis.audit, praxis.schema_version
    TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin;
GRANT INSERT ON praxis.patients, praxis.assessments, praxis.sessions, praxis.plans
    TO praxis_therapist, praxis_lead, praxis_admin;
-- Patients' profiles and plans are edited (with their version column); records are corrected through praxis.amend.
GRANT UPDATE (name, birth_year, sex, dominant_hand, affected_side, condition, facts, notes, updated_at, version)
    ON praxis.patients TO praxis_therapist, praxis_lead, praxis_admin;
GRANT UPDATE (start_date, goal, status, updated_at, version) ON praxis.plans
    TO praxis_therapist, praxis_lead, praxis_admin;
GRANT SELECT ON praxis.pseudonym_key TO praxis_therapist, praxis_lead, praxis_admin;

-- ---------------------------------------------------------------------------------------------------------------
-- The correction path: the only way a record changes once written (issue 9's rules, enforced by the database).

-- The message of store::amend_refused, so both backends say the same.
CREATE FUNCTION praxis.amend_refused(p_kind text, p_id bigint, p_created_by text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('you (%s) may correct or void only records you entered; %s %s was entered by %s. Ask a lead or '
                  'an admin', session_user, p_kind, p_id, coalesce(p_created_by, 'someone else (not recorded)'))
$$;

-- Void record `p_id` of `p_kind` (assessment, session, plan) with a reason, or correct it: `p_new` (the whole new
-- row, as the program validated it) becomes the current record and supersedes it. Returns the new row's id (the
-- voided row's for a void). A therapist amends their own records, a lead or an admin anyone's (Role::may_amend).
CREATE FUNCTION praxis.amend(p_kind text, p_id bigint, p_reason text, p_new jsonb)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = praxis, pg_catalog AS $$
DECLARE
    tbl text := CASE p_kind WHEN 'assessment' THEN 'assessments' WHEN 'session' THEN 'sessions'
                            WHEN 'plan' THEN 'plans' END;
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

-- ---------------------------------------------------------------------------------------------------------------
-- Administration: sites, clinicians (login roles), erasure. Admins only; each audited.

CREATE FUNCTION praxis.require_admin() RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF praxis.my_role() IS DISTINCT FROM 'admin' THEN
        RAISE EXCEPTION 'only an admin may do this; you (%) are %', session_user,
            coalesce(praxis.my_role(), 'not a clinician here') USING ERRCODE = '42501';
    END IF;
END $$;

CREATE FUNCTION praxis.site_add(p_code text, p_name text) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM praxis.require_admin();
    INSERT INTO praxis.sites (code, name) VALUES (p_code, coalesce(p_name, '')) RETURNING id INTO new_id;
    PERFORM praxis.audit_append('add', 'site', p_code, NULL, NULL, jsonb_build_object('code', p_code));
    RETURN new_id;
END $$;

-- Create the login role `p_user` if needed (it authenticates as the server says: peer on the Unix socket, TLS
-- elsewhere; no password is stored by Praxis) and make it a member of exactly one Praxis group role; grant it the
-- site `p_site` when given.
CREATE FUNCTION praxis.clinician_add(p_user text, p_role text, p_display text, p_site text)
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

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA praxis FROM PUBLIC;
GRANT EXECUTE ON FUNCTION praxis.my_role(), praxis.sees_site(bigint), praxis.sees_patient(bigint),
    praxis.json_text(text), praxis.sha256_hex(text), praxis.amend_refused(text, bigint, text),
    praxis.require_admin()
    TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin;
GRANT EXECUTE ON FUNCTION praxis.amend(text, bigint, text, jsonb), praxis.audit_event(text, text, text, text, jsonb)
    TO praxis_therapist, praxis_lead, praxis_admin;
-- Anyone may call these; they refuse all but an admin with a message that says so (praxis.require_admin).
GRANT EXECUTE ON FUNCTION praxis.site_add(text, text), praxis.clinician_add(text, text, text, text)
    TO praxis_readonly, praxis_therapist, praxis_lead, praxis_admin;

RESET ROLE;
