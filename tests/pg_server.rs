//! PostgreSQL server mode (issue 13): what the database itself enforces, tried as a clinician with psql would, by
//! plain SQL on their own login. Runs against the server named by `PRAXIS_TEST_PG` (a superuser URL, e.g.
//! `postgresql:///postgres?host=/tmp/pg&user=postgres`); `.ci/run` starts a throwaway cluster and sets it. Without
//! it these tests say they were skipped and pass, unless `PRAXIS_TEST_PG_REQUIRED=1` (as in CI), when they fail.
mod common;

use common::pg::{Db, INIT, init, url_as};
use postgres::Client;
use praxis::store::pg;

fn add_patient(c: &mut Client, code: &str, site: i64) -> i64 {
    c.query_one(
        "INSERT INTO praxis.patients (site_id, code, name, birth_year, condition, facts, created_at, updated_at) \
         VALUES ($1, $2, 'Zoë Example', 1950, 'stroke', '{}', 'now', 'now') RETURNING id",
        &[&site, &code],
    )
    .unwrap()
    .get(0)
}

fn add_assessment(c: &mut Client, patient: i64, score: f64) -> i64 {
    c.query_one(
        "INSERT INTO praxis.assessments (patient_id, instrument, score, date, created_at) \
         VALUES ($1, 'bbt', $2, '2026-11-01', 'now') RETURNING id",
        &[&patient, &score],
    )
    .unwrap()
    .get(0)
}

/// The SQLSTATE of a refused statement (None if it succeeded).
fn refused(c: &mut Client, sql: &str) -> Option<String> {
    match c.batch_execute(sql) {
        Ok(()) => None,
        Err(e) => Some(
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.code().code().to_string()),
        ),
    }
}

#[test]
fn server_init_makes_the_first_admin_and_refuses_a_second_init() {
    let Some(db) = Db::new("init") else { return };
    init(&db).unwrap();
    let mut boss = db.as_user(Some("boss"));
    let role: Option<String> = boss
        .query_one("SELECT praxis.my_role()", &[])
        .unwrap()
        .get(0);
    assert_eq!(role.as_deref(), Some("admin"));
    let again = init(&db).unwrap_err();
    assert!(
        again.to_string().contains("already has a Praxis schema"),
        "{again}"
    );
    // The init itself is the trail's first row, and it verifies.
    let mut su = db.as_user(None);
    assert_eq!(pg::verify_audit(&mut su).unwrap(), Ok(1));
}

#[test]
fn a_therapist_on_psql_cannot_get_around_roles_or_the_audit() {
    let Some(db) = Db::clinic("attacks") else {
        return;
    };
    let mut kim = db.as_user(Some("kim"));
    let p = add_patient(&mut kim, "P-0001", 1);
    let a = add_assessment(&mut kim, p, 30.0);
    let me = db.login("kim");
    let attacks = [
        format!("UPDATE praxis.assessments SET score = 50 WHERE id = {a}"),
        format!("DELETE FROM praxis.assessments WHERE id = {a}"),
        "DELETE FROM praxis.sessions".to_string(),
        "DELETE FROM praxis.audit".to_string(),
        "UPDATE praxis.audit SET os_user = 'someone'".to_string(),
        "TRUNCATE praxis.audit".to_string(),
        "INSERT INTO praxis.audit (id, at, os_user, action, entity, entity_key, hash) \
         VALUES (999, 'x', 'x', 'x', 'x', 'x', 'x')"
            .to_string(),
        "ALTER TABLE praxis.audit DISABLE TRIGGER ALL".to_string(),
        "DROP TRIGGER assessments_audit ON praxis.assessments".to_string(),
        "CREATE TABLE public.mine (a int)".to_string(),
        "CREATE TABLE praxis.mine (a int)".to_string(),
        "CREATE TEMP TABLE mine (a int)".to_string(),
        "CREATE SCHEMA mine".to_string(),
        format!("GRANT praxis_admin TO \"{me}\""),
        format!("ALTER ROLE \"{me}\" CREATEROLE"),
        "SET ROLE praxis_owner".to_string(),
        format!("SELECT praxis.clinician_add('{me}', 'admin', '', 'main')"),
        "UPDATE praxis.clinicians SET role = 'admin'".to_string(),
        "UPDATE praxis.patients SET code = 'P-9999'".to_string(),
        "UPDATE praxis.patients SET site_id = 2".to_string(),
        // The list's brief entries (schema v5) are the trigger's to write.
        "INSERT INTO praxis.patient_briefs VALUES (999, 1, 'stroke', '[]')".to_string(),
        "UPDATE praxis.patient_briefs SET brief = '[]'".to_string(),
        "DELETE FROM praxis.patient_briefs".to_string(),
        "SELECT praxis.audit_append('x', 'x', 'x', NULL, NULL, NULL)".to_string(),
    ];
    for sql in &attacks {
        let code = refused(&mut kim, sql);
        assert!(
            matches!(code.as_deref(), Some("42501")),
            "as a therapist, `{sql}` must be refused for lack of privilege, got {code:?}"
        );
    }
    // Nothing changed, and every change that was made is in an intact trail.
    let mut su = db.as_user(None);
    let score: f64 = su
        .query_one("SELECT score FROM praxis.assessments WHERE id = $1", &[&a])
        .unwrap()
        .get(0);
    assert_eq!(score, 30.0);
    let n = pg::verify_audit(&mut su).unwrap().unwrap();
    assert!(
        n >= 7,
        "init, 4 clinicians, the patient and the assessment: {n}"
    );
}

#[test]
fn the_server_writes_the_trail_with_the_sqlite_chain_and_withholds_personal_fields() {
    let Some(db) = Db::clinic("trail") else {
        return;
    };
    let mut kim = db.as_user(Some("kim"));
    let p = add_patient(&mut kim, "P-0001", 1);
    // Whoever the statement names, the record is kim's, and the trail says kim did it.
    let a: i64 = kim
        .query_one(
            "INSERT INTO praxis.assessments (patient_id, instrument, score, date, created_at, created_by) \
             VALUES ($1, 'bbt', 30, '2026-11-01', 'now', 'ann') RETURNING id",
            &[&p],
        )
        .unwrap()
        .get(0);
    let mut su = db.as_user(None);
    let by: String = su
        .query_one(
            "SELECT created_by FROM praxis.assessments WHERE id = $1",
            &[&a],
        )
        .unwrap()
        .get(0);
    assert_eq!(by, db.login("kim"));
    let rows = su
        .query(
            "SELECT os_user, action, entity, patient_code, after_json FROM praxis.audit WHERE patient_code = 'P-0001' \
             ORDER BY id",
            &[],
        )
        .unwrap();
    let seen: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        seen,
        [
            (db.login("kim"), "insert".into(), "patient".into()),
            (db.login("kim"), "insert".into(), "assessment".into())
        ]
    );
    let patient_after: String = rows[0].get(4);
    assert!(
        !patient_after.contains("Zoë"),
        "the name is withheld: {patient_after}"
    );
    assert!(patient_after.contains("(withheld)"), "{patient_after}");
    assert!(pg::verify_audit(&mut su).unwrap().is_ok());

    // The owner (or a superuser) can still rewrite a row by going around the trigger; the chain shows it.
    su.batch_execute(
        "ALTER TABLE praxis.audit DISABLE TRIGGER audit_append_only; \
         UPDATE praxis.audit SET os_user = 'nobody' WHERE action = 'insert' AND entity = 'assessment'; \
         ALTER TABLE praxis.audit ENABLE TRIGGER audit_append_only;",
    )
    .unwrap();
    let broken = pg::verify_audit(&mut su).unwrap().unwrap_err();
    assert!(
        broken.reason.contains("does not match its hash"),
        "{broken:?}"
    );
}

#[test]
fn records_change_only_through_the_correction_path_by_their_author_or_a_lead() {
    let Some(db) = Db::clinic("amend") else {
        return;
    };
    let mut kim = db.as_user(Some("kim"));
    let p = add_patient(&mut kim, "P-0001", 1);
    let a = add_assessment(&mut kim, p, 30.0);
    let new_row = serde_json::json!({"instrument": "bbt", "score": 31.0, "date": "2026-11-01", "created_at": "now"});

    // Another therapist and a reader are refused, with the SQLite backend's words.
    let mut ann = db.as_user(Some("ann"));
    let err = ann
        .execute("SELECT praxis.amend('assessment', $1, 'typo', NULL)", &[&a])
        .unwrap_err();
    let msg = err.as_db_error().unwrap().message().to_string();
    assert_eq!(
        msg,
        praxis::store::amend_refused(
            &db.login("ann"),
            praxis::store::RecordKind::Assessment,
            a,
            Some(&db.login("kim"))
        )
    );
    let mut stu = db.as_user(Some("stu"));
    assert!(
        stu.execute("SELECT praxis.amend('assessment', $1, 'typo', NULL)", &[&a])
            .is_err()
    );
    // A reason is required.
    assert!(
        kim.execute(
            "SELECT praxis.amend('assessment', $1, ' ', $2)",
            &[&a, &new_row]
        )
        .is_err()
    );

    // The author corrects: a new current row supersedes the old, which stays, marked.
    let b: i64 = kim
        .query_one(
            "SELECT praxis.amend('assessment', $1, 'typo', $2)",
            &[&a, &new_row],
        )
        .unwrap()
        .get(0);
    let mut su = db.as_user(None);
    let rows: Vec<(i64, f64, String, Option<i64>)> = su
        .query(
            "SELECT id, score, record_status, supersedes FROM praxis.assessments ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        rows,
        [
            (a, 30.0, "corrected".to_string(), None),
            (b, 31.0, "current".to_string(), Some(a))
        ]
    );
    // A corrected record cannot be amended again; the lead voids the new one.
    assert!(
        kim.execute(
            "SELECT praxis.amend('assessment', $1, 'again', NULL)",
            &[&a]
        )
        .is_err()
    );
    let mut lee = db.as_user(Some("lee"));
    lee.execute(
        "SELECT praxis.amend('assessment', $1, 'wrong patient', NULL)",
        &[&b],
    )
    .unwrap();
    let status: String = su
        .query_one(
            "SELECT record_status FROM praxis.assessments WHERE id = $1",
            &[&b],
        )
        .unwrap()
        .get(0);
    assert_eq!(status, "voided");
    let counted: i32 = su
        .query_one(
            "SELECT n_assessments FROM praxis.patients WHERE id = $1",
            &[&p],
        )
        .unwrap()
        .get(0);
    assert_eq!(counted, 0, "the patient list counts current records only");
    let actions: Vec<String> = su
        .query(
            "SELECT action FROM praxis.audit WHERE entity = 'assessment' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(actions, ["insert", "correct", "correct", "void"]);
    assert!(pg::verify_audit(&mut su).unwrap().is_ok());
}

#[test]
fn a_clinician_sees_and_writes_only_the_sites_granted_to_them() {
    let Some(db) = Db::clinic("sites") else {
        return;
    };
    let mut boss = db.as_user(Some("boss"));
    let north: i64 = boss
        .query_one("SELECT praxis.site_add('north', 'North clinic')", &[])
        .unwrap()
        .get(0);
    add_patient(&mut boss, "P-0001", 1);
    let far = add_patient(&mut boss, "P-0002", north);
    add_assessment(&mut boss, far, 12.0);

    let codes = |c: &mut Client| -> Vec<String> {
        c.query("SELECT code FROM praxis.patients ORDER BY code", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let mut kim = db.as_user(Some("kim"));
    assert_eq!(codes(&mut kim), ["P-0001"]);
    // The store's list and search (one aggregate of the list entries, schema v3) pass the same policy.
    let kim_store =
        praxis::store::Store::open_db(std::path::Path::new(&url_as(&db, Some("kim"))), false)
            .unwrap();
    let listed = |search: Option<&str>| -> Vec<String> {
        let filter = praxis::store::PatientFilter {
            search: search.map(Into::into),
            condition: None,
        };
        let codes: Vec<String> = kim_store
            .list_briefs(&filter)
            .unwrap()
            .into_iter()
            .map(|r| r.patient.code)
            .collect();
        let whole: Vec<String> = kim_store
            .list_patients(&filter)
            .unwrap()
            .into_iter()
            .map(|r| r.patient.code)
            .collect();
        assert_eq!(codes, whole);
        codes
    };
    assert_eq!(listed(None), ["P-0001"]);
    assert_eq!(listed(Some("zoe")), ["P-0001"], "not the other site's Zoë");
    let theirs: i64 = kim
        .query_one("SELECT count(*) FROM praxis.assessments", &[])
        .unwrap()
        .get(0);
    assert_eq!(theirs, 0, "nor the records of a patient at another site");
    let audit_about_far: i64 = kim
        .query_one(
            "SELECT count(*) FROM praxis.audit WHERE patient_code = 'P-0002'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(audit_about_far, 0, "nor their trail");
    assert!(
        refused(
            &mut kim,
            &format!(
                "INSERT INTO praxis.patients (site_id, code, birth_year, condition, facts, created_at, updated_at) \
                 VALUES ({north}, 'P-0003', 1950, 'stroke', '{{}}', 'now', 'now')"
            )
        )
        .is_some(),
        "nor add a patient there"
    );
    assert_eq!(
        codes(&mut boss),
        ["P-0001", "P-0002"],
        "an admin sees every site"
    );

    // Granted the site, kim sees it.
    boss.execute(
        "SELECT praxis.clinician_add($1, 'therapist', '', 'north')",
        &[&db.login("kim")],
    )
    .unwrap();
    assert_eq!(codes(&mut kim), ["P-0001", "P-0002"]);
    assert_eq!(
        listed(None),
        ["P-0001", "P-0002"],
        "the list follows the grant"
    );

    // Taken back with `praxis site revoke` (an admin; audited), kim no longer sees it; kim cannot do it herself.
    let as_kim = url_as(&db, Some("kim"));
    let out = praxis(&as_kim, &["site", "revoke", "main", &db.login("kim")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("only an admin"));
    let as_boss = url_as(&db, Some("boss"));
    succeeds(&as_boss, &["site", "revoke", "north", &db.login("kim")]);
    assert_eq!(codes(&mut kim), ["P-0001"]);
    assert_eq!(listed(None), ["P-0001"]);
    let out = praxis(&as_boss, &["site", "revoke", "north", &db.login("kim")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not granted the site north"));
    succeeds(&as_boss, &["site", "grant", "north", &db.login("kim")]);
    assert_eq!(codes(&mut kim), ["P-0001", "P-0002"]);
    let revoked: i64 = boss
        .query_one(
            "SELECT count(*) FROM praxis.audit WHERE action IN ('grant', 'revoke') AND entity = 'clinician'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(revoked, 2);
}

#[test]
fn roles_are_the_servers_and_only_an_admin_grants_them() {
    let Some(db) = Db::clinic("roles") else {
        return;
    };
    let mut su = db.as_user(None);
    let member = |su: &mut Client, who: &str, group: &str| -> bool {
        su.query_one("SELECT pg_has_role($1, $2, 'MEMBER')", &[&who, &group])
            .unwrap()
            .get(0)
    };
    assert!(member(&mut su, &db.login("kim"), "praxis_therapist"));
    assert!(!member(&mut su, &db.login("kim"), "praxis_admin"));
    // A lead cannot add clinicians; the admin changes kim's role, and the old group is gone.
    let mut lee = db.as_user(Some("lee"));
    assert_eq!(
        refused(
            &mut lee,
            &format!(
                "SELECT praxis.clinician_add('{}', 'admin', '', NULL)",
                db.login("lee")
            )
        )
        .as_deref(),
        Some("42501")
    );
    let mut boss = db.as_user(Some("boss"));
    boss.execute(
        "SELECT praxis.clinician_add($1, 'readonly', '', NULL)",
        &[&db.login("kim")],
    )
    .unwrap();
    assert!(member(&mut su, &db.login("kim"), "praxis_readonly"));
    assert!(!member(&mut su, &db.login("kim"), "praxis_therapist"));
    let mut kim = db.as_user(Some("kim"));
    assert!(refused(
        &mut kim,
        "INSERT INTO praxis.patients (site_id, code, birth_year, condition, facts, created_at, updated_at) \
         VALUES (1, 'P-0005', 1950, 'stroke', '{}', 'now', 'now')"
    )
    .is_some());
    // A privileged database role is never made a clinician.
    assert!(
        refused(
            &mut boss,
            "SELECT praxis.clinician_add('praxis_owner', 'therapist', '', NULL)"
        )
        .is_some()
    );
}

fn praxis(db_url: &str, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("praxis")
        .unwrap()
        .env_remove("PRAXIS_DB")
        .arg("--db")
        .arg(db_url)
        .args(args)
        .output()
        .unwrap()
}

/// `praxis` on `db_url` with `args`, which must succeed (the failure shows its stderr); its stdout.
fn succeeds(db_url: &str, args: &[&str]) -> String {
    let out = praxis(db_url, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_command_line_sets_a_server_up_and_works_on_it() {
    let Some(db) = Db::new("cli") else { return };
    let boss = db.login("boss");
    let out = {
        let _turn = INIT.lock().unwrap_or_else(|e| e.into_inner());
        succeeds(&url_as(&db, None), &["server", "init", "--admin", &boss])
    };
    assert!(out.contains("first admin"), "{out}");

    let as_boss = url_as(&db, Some("boss"));
    succeeds(
        &as_boss,
        &["site", "add", "north", "--name", "North clinic"],
    );
    let kim = db.login("kim");
    succeeds(
        &as_boss,
        &[
            "clinician",
            "add",
            &kim,
            "--role",
            "therapist",
            "--site",
            "north",
        ],
    );
    // kim is not an admin: the server refuses, and the message says so.
    let out = praxis(
        &url_as(&db, Some("kim")),
        &["clinician", "add", &kim, "--role", "admin"],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only an admin may do this"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = succeeds(&as_boss, &["audit", "--verify"]);
    assert!(
        out.contains("intact (3 rows checked)"),
        "init, the site, kim: {out}"
    );
    // The record commands work on the server as on a file, export included.
    add_patient_as_boss(&db, "P-0107");
    succeeds(
        &as_boss,
        &["assess", "P-0107", "bbs", "41", "--date", "2026-11-02"],
    );
    let out = succeeds(&as_boss, &["--json", "history", "P-0107"]);
    assert!(out.contains("\"bbs\""), "{out}");
    // The report and the FHIR Bundle are made from the server's records and audited there.
    let out = succeeds(&as_boss, &["report", "P-0107"]);
    assert!(out.contains("<svg"), "a chart of the BBS");
    let out = succeeds(&as_boss, &["export", "fhir", "P-0107"]);
    assert!(out.contains("\"resourceType\": \"Bundle\""));
    let out = praxis(&as_boss, &["--json", "audit", "--patient", "P-0107"]);
    let trail = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        trail.matches("\"export\"").count(),
        2,
        "the report and the Bundle: {trail}"
    );
    // What only a file can do says what to use instead, not an obscure failure.
    let out = praxis(&as_boss, &["db", "backup"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pg_dump"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `praxis` on this test's database as `who`, not yet started.
fn praxis_as(db: &Db, who: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("praxis"));
    cmd.env_remove("PRAXIS_DB")
        .arg("--db")
        .arg(url_as(db, Some(who)))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    cmd
}

/// `praxis patient add CODE` (an older adult born 1950) as boss, through the binary.
fn add_patient_as_boss(db: &Db, code: &str) {
    let args = [
        "patient",
        "add",
        "--code",
        code,
        "--birth-year",
        "1950",
        "--condition",
        "older_adult",
    ];
    let out = praxis_as(db, "boss", &args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How many current assessments carry `note` (as the superuser, who sees every site).
fn with_note(db: &Db, note: &str) -> i64 {
    db.as_user(None)
        .query_one(
            "SELECT count(*) FROM praxis.assessments WHERE notes = $1",
            &[&note],
        )
        .unwrap()
        .get(0)
}

#[test]
fn eight_clinicians_writing_at_once_on_the_server_lose_nothing() {
    let Some(db) = Db::clinic("conc8") else {
        return;
    };
    add_patient_as_boss(&db, "P-0001");
    const WRITERS: usize = 8;
    const WRITES: usize = 6;
    let users = ["kim", "ann", "lee", "boss"];
    let db = &db;
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                s.spawn(move || {
                    let mut failed = Vec::new();
                    for i in 0..WRITES {
                        let note = format!("w{w}-{i}");
                        let out = praxis_as(
                            db,
                            users[w % users.len()],
                            &[
                                "assess",
                                "P-0001",
                                "bbs",
                                "30",
                                "--date",
                                "2026-01-05",
                                "--notes",
                                &note,
                                "--force",
                            ],
                        )
                        .output()
                        .unwrap();
                        if !out.status.success() {
                            failed
                                .push(format!("{note}: {}", String::from_utf8_lossy(&out.stderr)));
                        }
                    }
                    failed
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{failures:?}");
    for w in 0..WRITERS {
        for i in 0..WRITES {
            assert_eq!(with_note(db, &format!("w{w}-{i}")), 1, "w{w}-{i}");
        }
    }
    // Every write has its audit row, and the chain the writers appended to at once is intact.
    let mut admin = db.as_user(None);
    let audited: i64 = admin
        .query_one(
            "SELECT count(*) FROM praxis.audit WHERE entity = 'assessment' AND action = 'create'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(audited, (WRITERS * WRITES) as i64);
    assert!(pg::verify_audit(&mut admin).unwrap().is_ok());
    // The list's count, moved by one per assessment as each was written at once with the others, is every one.
    let (listed, brief): (i32, String) = admin
        .query_one(
            "SELECT p.n_assessments, b.brief FROM praxis.patients p \
             JOIN praxis.patient_briefs b ON b.patient_id = p.id WHERE p.code = 'P-0001'",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(listed as usize, WRITERS * WRITES);
    assert!(
        brief.ends_with(&format!(",{},0]", WRITERS * WRITES)),
        "{brief}"
    );
}

#[test]
fn clients_killed_mid_write_leave_every_committed_row_with_its_audit_row() {
    let Some(db) = Db::clinic("killed") else {
        return;
    };
    add_patient_as_boss(&db, "P-0001");
    let (mut committed, mut killed) = (Vec::new(), 0);
    for round in 0..5u64 {
        let children: Vec<(String, std::process::Child)> = (0..6)
            .map(|w| {
                let note = format!("r{round}-w{w}");
                let child = praxis_as(
                    &db,
                    "kim",
                    &[
                        "assess",
                        "P-0001",
                        "moca",
                        "25",
                        "--date",
                        "2026-01-05",
                        "--notes",
                        &note,
                        "--force",
                    ],
                )
                .spawn()
                .unwrap();
                (note, child)
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(10 + 15 * round));
        for (note, mut child) in children {
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
            }
            if child.wait().unwrap().success() {
                committed.push(note);
            } else {
                killed += 1;
            }
        }
    }
    assert!(
        killed > 0,
        "no client was killed mid-write; the test proves nothing"
    );
    for note in &committed {
        assert_eq!(
            with_note(&db, note),
            1,
            "{note} was reported committed but is missing"
        );
    }
    let mut admin = db.as_user(None);
    let (unaudited, orphans): (i64, i64) = admin
        .query_one(
            "SELECT (SELECT count(*) FROM praxis.assessments a WHERE NOT EXISTS (SELECT 1 FROM praxis.audit \
                 WHERE entity = 'assessment' AND entity_key = a.id::text)), \
                    (SELECT count(*) FROM praxis.audit u WHERE entity = 'assessment' AND NOT EXISTS \
                 (SELECT 1 FROM praxis.assessments WHERE id::text = u.entity_key))",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!((unaudited, orphans), (0, 0));
    assert!(pg::verify_audit(&mut admin).unwrap().is_ok());
}

#[test]
fn server_upgrade_brings_a_v1_database_to_the_latest_schema_without_rewriting_its_records() {
    let Some(db) = Db::new("upgrade") else { return };
    {
        let _turn = INIT.lock().unwrap_or_else(|e| e.into_inner());
        pg::server_init_at(&db.url, &db.login("boss"), 1).unwrap();
    }
    let mut boss = db.as_user(Some("boss"));
    boss.execute(
        "SELECT praxis.clinician_add($1, 'therapist', '', 'main')",
        &[&db.login("kim")],
    )
    .unwrap();
    let patient = add_patient(&mut boss, "P-0001", 1);
    add_assessment(&mut boss, patient, 20.0);
    // This Praxis refuses the old schema and says what to run.
    let kim_url = url_as(&db, Some("kim"));
    let e = praxis::store::Store::open_db(std::path::Path::new(&kim_url), false)
        .err()
        .expect("v1 is refused");
    assert!(e.to_string().contains("server upgrade"), "{e}");
    let rows_before: i64 = boss
        .query_one("SELECT count(*) FROM praxis.audit", &[])
        .unwrap()
        .get(0);

    assert_eq!(pg::server_upgrade(&db.url).unwrap(), (1, pg::LATEST));
    assert_eq!(
        pg::server_upgrade(&db.url).unwrap(),
        (pg::LATEST, pg::LATEST)
    );
    // The old assessment got its site without an audited change; one row records the upgrade.
    let mut admin = db.as_user(None);
    let (site, rows_after): (i64, i64) = admin
        .query_one(
            "SELECT (SELECT site_id FROM praxis.assessments), (SELECT count(*) FROM praxis.audit)",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(site, 1);
    assert_eq!(
        rows_after,
        rows_before + i64::from(pg::LATEST - 1),
        "one row a migration"
    );
    assert!(pg::verify_audit(&mut admin).unwrap().is_ok());
    // And the records work through the store as on a new server.
    let kim = praxis::store::Store::open_db(std::path::Path::new(&kim_url), false).unwrap();
    assert_eq!(kim.assessments("P-0001").unwrap().len(), 1);
}

/// A server database `name` set up at schema `version`, with boss (admin) and kim (therapist of the main site), and
/// two patients added by boss in this order, the first with an assessment; with boss's connection.
fn clinic_at(name: &str, version: i32, codes: [&str; 2]) -> Option<(Db, Client)> {
    let db = Db::new(name)?;
    {
        let _turn = INIT.lock().unwrap_or_else(|e| e.into_inner());
        pg::server_init_at(&db.url, &db.login("boss"), version).unwrap();
    }
    let mut boss = db.as_user(Some("boss"));
    boss.execute(
        "SELECT praxis.clinician_add($1, 'therapist', '', 'main')",
        &[&db.login("kim")],
    )
    .unwrap();
    let first = add_patient(&mut boss, codes[0], 1);
    add_assessment(&mut boss, first, 20.0);
    add_patient(&mut boss, codes[1], 1);
    Some((db, boss))
}

#[test]
fn server_upgrade_brings_a_v2_database_to_v3_with_each_patient_listed_and_searchable() {
    let Some((db, mut boss)) = clinic_at("upgrade3", 2, ["P-0001", "P-0002"]) else {
        return;
    };
    boss.execute(
        "UPDATE praxis.patients SET name = 'Björn Ørsted', notes = 'Hauptstraße 1' WHERE code = 'P-0002'",
        &[],
    )
    .unwrap();
    let mut admin = db.as_user(None);
    let rows_before: i64 = admin
        .query_one("SELECT count(*) FROM praxis.audit", &[])
        .unwrap()
        .get(0);

    assert_eq!(pg::server_upgrade(&db.url).unwrap(), (2, pg::LATEST));
    // Every patient got its list entry and folded texts, without an audited change; one row records the upgrade.
    let (unlisted, unfolded, rows_after): (i64, i64, i64) = admin
        .query_one(
            "SELECT (SELECT count(*) FROM praxis.patients WHERE brief_json IS NULL OR patient_json IS NULL), \
             (SELECT count(*) FROM praxis.patients WHERE fold_code IS NULL), (SELECT count(*) FROM praxis.audit)",
            &[],
        )
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .unwrap();
    assert_eq!((unlisted, unfolded), (0, 0));
    assert_eq!(
        rows_after,
        rows_before + i64::from(pg::LATEST - 2),
        "one row a migration"
    );
    assert!(pg::verify_audit(&mut admin).unwrap().is_ok());
    let folded: (String, String) = admin
        .query_one(
            "SELECT fold_name, fold_notes FROM praxis.patients WHERE code = 'P-0002'",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(folded, ("bjorn orsted".into(), "hauptstrasse 1".into()));

    let kim = praxis::store::Store::open_db(std::path::Path::new(&url_as(&db, Some("kim"))), false)
        .unwrap();
    let search = |s: &str| -> Vec<String> {
        kim.list_briefs(&praxis::store::PatientFilter {
            search: Some(s.into()),
            condition: None,
        })
        .unwrap()
        .into_iter()
        .map(|r| r.patient.code)
        .collect()
    };
    assert_eq!(search("zoe"), ["P-0001"]);
    assert_eq!(search("orsted"), ["P-0002"]);
    assert_eq!(search("STRASSE"), ["P-0002"]);
    let all = kim.list_briefs(&Default::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].n_assessments, all[1].n_assessments), (1, 0));
}

#[test]
fn server_upgrade_brings_a_v3_database_to_v4_with_each_list_entry_written_anew() {
    let Some((db, mut boss)) = clinic_at("upgrade4", 3, ["P-0002", "P-0001"]) else {
        return;
    };
    let name = "Björn \"Bo\" \\ Ørsted\tII";
    boss.execute(
        "UPDATE praxis.patients SET name = $1, notes = $2, facts = '{\"nihss\": 4}' WHERE code = 'P-0001'",
        &[&name, &"two\nlines"],
    )
    .unwrap();
    let mut admin = db.as_user(None);
    let (v3_entry, rows_before): (String, i64) = admin
        .query_one(
            "SELECT (SELECT brief_json FROM praxis.patients WHERE code = 'P-0001'), \
             (SELECT count(*) FROM praxis.audit)",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert!(
        v3_entry.contains(r#""{\"nihss\": 4}""#),
        "v3 kept the facts as a string: {v3_entry}"
    );

    assert_eq!(pg::server_upgrade(&db.url).unwrap(), (3, pg::LATEST));
    // Every entry is written anew, flat and compact with the facts as JSON, without an audited change; one row
    // records each version the upgrade applied.
    let (entries, rows_after): (Vec<String>, i64) = admin
        .query_one(
            "SELECT (SELECT array_agg(patient_json ORDER BY code) FROM praxis.patients), \
             (SELECT count(*) FROM praxis.audit)",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(
        rows_after,
        rows_before + i64::from(pg::LATEST - 3),
        "one per version"
    );
    assert!(pg::verify_audit(&mut admin).unwrap().is_ok());
    assert_eq!(
        entries[0],
        r#"["P-0001","Björn \"Bo\" \\ Ørsted\tII",1950,null,"stroke",{"nihss": 4},null,null,null,null,0,0,2,null,null,"two\nlines","now","now",1]"#
    );
    assert!(
        entries[1].starts_with(
            r#"["P-0002","Zoë Example",1950,null,"stroke",{},"2026-11-01",null,null,null,1,0,1,"#
        ),
        "{}",
        entries[1]
    );

    // And the store lists them as it reads them from the rows.
    let kim = praxis::store::Store::open_db(std::path::Path::new(&url_as(&db, Some("kim"))), false)
        .unwrap();
    let all = kim.list_patients(&Default::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].patient, kim.patient("P-0001").unwrap());
    assert_eq!(all[0].patient.name.as_deref(), Some(name));
    assert_eq!(
        (all[1].patient.code.as_str(), all[1].n_assessments),
        ("P-0002", 1)
    );
}

#[test]
fn server_upgrade_brings_a_v4_database_to_v5_with_the_brief_entries_in_a_table_the_triggers_keep() {
    let Some((db, mut boss)) = clinic_at("upgrade5", 4, ["P-0002", "P-0001"]) else {
        return;
    };
    assert_eq!(pg::server_upgrade(&db.url).unwrap(), (4, pg::LATEST));
    let mut admin = db.as_user(None);
    let same: Vec<bool> = admin
        .query(
            "SELECT b.brief IS NOT DISTINCT FROM p.brief_json AND b.site_id = p.site_id \
             FROM praxis.patients p LEFT JOIN praxis.patient_briefs b ON b.patient_id = p.id ORDER BY p.code",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        same,
        [true, true],
        "each patient's brief entry, as v4 kept it"
    );
    assert!(pg::verify_audit(&mut admin).unwrap().is_ok());

    // The store lists from the new table, and the triggers keep it: a session logged, a patient added, a patient
    // erased.
    let mut kim =
        praxis::store::Store::open_db(std::path::Path::new(&url_as(&db, Some("kim"))), false)
            .unwrap();
    kim.add_session(&common::stored::session(
        "P-0001",
        common::day(2026, 3, 1),
        5,
    ))
    .unwrap();
    kim.add_patient(&common::patient("P-0000").name("Åsa").build())
        .unwrap();
    let rows = kim.list_briefs(&Default::default()).unwrap();
    let seen: Vec<(&str, Option<&str>, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.patient.code.as_str(),
                r.patient.name.as_deref(),
                r.n_assessments,
                r.n_sessions,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("P-0000", Some("Åsa"), 0, 0),
            ("P-0001", Some("Zoë Example"), 0, 1),
            ("P-0002", Some("Zoë Example"), 1, 0),
        ]
    );
    // A patient loaded by the owner with the triggers off has no brief entry until `server upgrade` makes it.
    admin
        .batch_execute(
            "SET session_replication_role = replica; \
             INSERT INTO praxis.patients (code, birth_year, condition, facts, created_at, updated_at) \
             VALUES ('P-0003', 1960, 'older_adult', '{}', 'now', 'now'); \
             RESET session_replication_role",
        )
        .unwrap();
    assert_eq!(kim.list_briefs(&Default::default()).unwrap().len(), 3);
    assert_eq!(
        pg::server_upgrade(&db.url).unwrap(),
        (pg::LATEST, pg::LATEST)
    );
    let listed = kim.list_briefs(&Default::default()).unwrap();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[3].patient.code, "P-0003");
    boss.query_one("SELECT praxis.erase_patient('P-0002')", &[])
        .unwrap();
    let codes: Vec<String> = kim
        .list_briefs(&Default::default())
        .unwrap()
        .into_iter()
        .map(|r| r.patient.code)
        .collect();
    assert_eq!(codes, ["P-0000", "P-0001", "P-0003"]);
}

#[test]
fn a_patient_changed_outside_praxis_is_still_found_and_the_trail_never_holds_the_list_entries() {
    let Some(db) = Db::clinic("folds") else {
        return;
    };
    let kim_url = url_as(&db, Some("kim"));
    let mut kim = praxis::store::Store::open_db(std::path::Path::new(&kim_url), false).unwrap();
    kim.add_patient(
        &common::patient("P-0001")
            .name("Zoë Brandt")
            .notes("quiet")
            .build(),
    )
    .unwrap();
    let search = |kim: &praxis::store::Store, s: &str| -> Vec<String> {
        kim.list_patients(&praxis::store::PatientFilter {
            search: Some(s.into()),
            condition: None,
        })
        .unwrap()
        .into_iter()
        .map(|r| r.patient.code)
        .collect()
    };
    assert_eq!(search(&kim, "brandt"), ["P-0001"]);
    // Renamed with psql: the folded texts the program wrote no longer match, so the server drops them and the
    // program checks this patient itself.
    let mut psql = db.as_user(Some("kim"));
    psql.execute(
        "UPDATE praxis.patients SET name = 'Åsa Öberg', version = version + 1 WHERE code = 'P-0001'",
        &[],
    )
    .unwrap();
    let fold: Option<String> = psql
        .query_one(
            "SELECT fold_code FROM praxis.patients WHERE code = 'P-0001'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(fold, None);
    assert_eq!(search(&kim, "asa oberg"), ["P-0001"]);
    assert!(search(&kim, "brandt").is_empty());
    // The list entry follows the row, whoever changed it.
    let listed = kim.list_patients(&Default::default()).unwrap();
    assert_eq!(listed[0].patient, kim.patient("P-0001").unwrap());
    assert_eq!(listed[0].patient.name.as_deref(), Some("Åsa Öberg"));
    // The entries and folds repeat the name and notes the trail withholds: no audit row holds them, and a session
    // (which changes only the list's summary) audits the session alone.
    kim.add_session(&common::stored::session(
        "P-0001",
        common::day(2026, 3, 1),
        5,
    ))
    .unwrap();
    assert_eq!(
        kim.list_briefs(&Default::default()).unwrap()[0].n_sessions,
        1
    );
    let mut admin = db.as_user(None);
    let (leaks, patient_rows): (i64, i64) = admin
        .query_one(
            "SELECT count(*) FILTER (WHERE before_json::text ~ '(brief|patient)_json|fold_' \
                                     OR after_json::text ~ '(brief|patient)_json|fold_'), \
                    count(*) FILTER (WHERE entity = 'patient') FROM praxis.audit",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(leaks, 0);
    assert_eq!(patient_rows, 2, "the insert and the psql rename");
    assert!(pg::verify_audit(&mut admin).unwrap().is_ok());
}
