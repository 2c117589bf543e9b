-- PostgreSQL schema v4: the patient list's entries made compact and read in one pass (issue 13 point 6: the list of
-- 10,000 patients under 10 ms). Applied by `praxis server init` on a new database and by `praxis server upgrade`
-- (the owner) on a v3 one.
--
-- In v3 the program spent more time parsing the list (1.2 MB of JSON) than the server spent making it: every entry
-- was `json_build_array` text (a space after each comma), the condition's facts were a JSON string inside it (escaped
-- quotes: copied, unescaped, then parsed a second time), and the whole profile was a nested array. An entry is now
-- one flat array without spaces whose facts are the JSON object itself, which the program reads as the condition
-- named just before it (`store::pg::list`):
--   brief_json   [code,name,birth_year,sex,condition,facts,last_assessment,last_session,plan_protocol,plan_start,
--                 n_assessments,n_sessions]
--   patient_json the same twelve, then id,dominant_hand,affected_side,notes,created_at,updated_at,version
-- Texts go through `to_json` (every quote, backslash and control character escaped as JSON requires). The columns
-- and the trigger of v3 stay; only the function that writes the entries changes, and every entry is written anew.
SET LOCAL ROLE praxis_owner;

UPDATE praxis.schema_version SET version = 4;

-- PL/pgSQL, whose plans a session keeps (see v3.sql).
CREATE OR REPLACE FUNCTION praxis.patient_list_entry(p praxis.patients, whole boolean) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    brief text := concat_ws(',',
        to_json(p.code), coalesce(to_json(p.name)::text, 'null'), p.birth_year,
        coalesce(to_json(p.sex)::text, 'null'), to_json(p.condition), p.facts,
        coalesce(to_json(p.last_assessment)::text, 'null'), coalesce(to_json(p.last_session)::text, 'null'),
        coalesce(to_json(p.plan_protocol)::text, 'null'), coalesce(to_json(p.plan_start)::text, 'null'),
        p.n_assessments, p.n_sessions);
BEGIN
    IF NOT whole THEN
        RETURN '[' || brief || ']';
    END IF;
    RETURN concat('[', brief, ',', concat_ws(',',
        p.id, coalesce(to_json(p.dominant_hand)::text, 'null'), coalesce(to_json(p.affected_side)::text, 'null'),
        to_json(p.notes), to_json(p.created_at), to_json(p.updated_at), p.version), ']');
END $$;

-- Existing patients (a v3 database): written without the row triggers, which would audit a change nobody made.
ALTER TABLE praxis.patients DISABLE TRIGGER USER;
UPDATE praxis.patients p
    SET brief_json = praxis.patient_list_entry(p, false), patient_json = praxis.patient_list_entry(p, true);
ALTER TABLE praxis.patients ENABLE TRIGGER USER;

RESET ROLE;
