-- PostgreSQL schema v3: the patient list read as two text values instead of twelve columns of 10,000 rows, and the
-- patient search done by the server (issue 13 point 6: list and search under 10 ms at 10,000 patients).
-- Applied by `praxis server init` on a new database and by `praxis server upgrade` (the owner) on a v2 one; the
-- upgrade then fills the folded search texts of existing patients (`pg::fill_folds`, in the program).
--
-- Sending a row costs the server a send function per column: 10,000 rows of twelve columns took 13 ms to send
-- where reading them took 2. Each patient now keeps its list entry as JSON text, written by a trigger from the row
-- itself (so always in step, whoever writes and however): `brief_json` the brief profile with the list's activity,
-- `patient_json` that and the rest of the profile. The list is `string_agg` of one of them in code order, one value
-- the server copies and the program parses entry by entry.
--
-- The search folds case and accents in the program (`domain::text::fold`, as SQLite's `praxis_fold`); PostgreSQL
-- has no such function (`unaccent` folds fewer scripts, and differently), so the program writes the folded code,
-- name and notes with each patient (`fold_*`) and the server compares them with the folded search. A change of the
-- code, name or notes that does not also change these (psql, another tool) empties them: the list then sends that
-- patient for the program to check itself, so a search never misses a patient whose texts were changed elsewhere.
SET LOCAL ROLE praxis_owner;

UPDATE praxis.schema_version SET version = 3;

ALTER TABLE praxis.patients
    ADD COLUMN brief_json   text,
    ADD COLUMN patient_json text,
    ADD COLUMN fold_code    text,
    ADD COLUMN fold_name    text,
    ADD COLUMN fold_notes   text;

-- A patient's list entry: the brief one, [code, name, birth_year, sex, condition, facts (as text), last_assessment,
-- last_session, plan_protocol, plan_start, n_assessments, n_sessions] (`PgStore::list_briefs`), or the `whole` one,
-- [brief, [id, dominant_hand, affected_side, notes, created_at, updated_at, version]] (`PgStore::list_patients`).
-- PL/pgSQL, whose plans a session keeps: a SQL function called from the trigger was planned again on every update
-- (0.5 ms more to log a session).
CREATE FUNCTION praxis.patient_list_entry(p praxis.patients, whole boolean) RETURNS text LANGUAGE plpgsql STABLE
AS $$
DECLARE
    brief text := json_build_array(p.code, p.name, p.birth_year, p.sex, p.condition, p.facts::text,
                                   p.last_assessment, p.last_session, p.plan_protocol, p.plan_start,
                                   p.n_assessments, p.n_sessions)::text;
BEGIN
    IF NOT whole THEN
        RETURN brief;
    END IF;
    RETURN format('[%s,%s]', brief, json_build_array(p.id, p.dominant_hand, p.affected_side, p.notes, p.created_at,
                                                     p.updated_at, p.version));
END $$;

CREATE FUNCTION praxis.patient_list_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.code, NEW.name, NEW.notes) IS DISTINCT FROM (OLD.code, OLD.name, OLD.notes)
       AND (NEW.fold_code, NEW.fold_name, NEW.fold_notes)
           IS NOT DISTINCT FROM (OLD.fold_code, OLD.fold_name, OLD.fold_notes) THEN
        NEW.fold_code := NULL;
        NEW.fold_name := NULL;
        NEW.fold_notes := NULL;
    END IF;
    NEW.brief_json := praxis.patient_list_entry(NEW, false);
    NEW.patient_json := praxis.patient_list_entry(NEW, true);
    RETURN NEW;
END $$;
CREATE TRIGGER patients_list_entry BEFORE INSERT OR UPDATE ON praxis.patients
    FOR EACH ROW EXECUTE FUNCTION praxis.patient_list_entries();

-- Existing patients (a v2 database): filled without the row triggers, which would audit a change nobody made.
ALTER TABLE praxis.patients DISABLE TRIGGER USER;
UPDATE praxis.patients p
    SET brief_json = praxis.patient_list_entry(p, false), patient_json = praxis.patient_list_entry(p, true);
ALTER TABLE praxis.patients ENABLE TRIGGER USER;

-- The program writes the folded texts with the profile.
GRANT UPDATE (fold_code, fold_name, fold_notes) ON praxis.patients TO praxis_therapist, praxis_lead, praxis_admin;

-- The audit of v1, without these derived columns: they repeat the name and notes the trail withholds
-- (praxis.redact), and a change of them alone (a session logged, the folds filled) is no change anyone made.
CREATE OR REPLACE FUNCTION praxis.audit_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = praxis, pg_catalog AS $$
DECLARE
    entity text := TG_ARGV[0];
    derived text[] := ARRAY['brief_json', 'patient_json', 'fold_code', 'fold_name', 'fold_notes'];
    row_new jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) - derived END;
    row_old jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) - derived END;
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

RESET ROLE;
