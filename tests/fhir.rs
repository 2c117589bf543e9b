//! FHIR R4 export and import through the real binary (issue 15, points 3 and 4). The exported Bundle is checked
//! against the R4 definitions by `fhirkit`, a validator generated from the R4 specification package (required
//! elements, cardinality, choice types, primitive syntax, unknown elements), and the codes of R4's required value
//! sets, which it does not check, against the lists of the specification here. A broken Bundle is refused, which
//! shows the validator validates.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{Env, store_of_boss, who};
use praxis::store::Role;

/// Validate `text` as an R4 Bundle: every error with its path, or the empty list.
fn r4_errors(text: &str) -> Vec<String> {
    match fhirkit::from_json_strict::<fhirkit::r4::Bundle>(text) {
        Ok(_) => Vec::new(),
        Err(fhirkit::Error::Invalid(issues)) => issues.iter().map(|i| i.to_string()).collect(),
        Err(e) => vec![e.to_string()],
    }
}

/// R4's required bindings of the codes Praxis writes (fhirkit reads them as codes without checking the value set).
fn required_binding_errors(bundle: &Value) -> Vec<String> {
    let sets: [(&str, &str, &[&str]); 7] = [
        (
            "Observation",
            "status",
            &[
                "registered",
                "preliminary",
                "final",
                "amended",
                "corrected",
                "cancelled",
                "entered-in-error",
                "unknown",
            ],
        ),
        (
            "Procedure",
            "status",
            &[
                "preparation",
                "in-progress",
                "not-done",
                "on-hold",
                "stopped",
                "completed",
                "entered-in-error",
                "unknown",
            ],
        ),
        (
            "CarePlan",
            "status",
            &[
                "draft",
                "active",
                "on-hold",
                "revoked",
                "completed",
                "entered-in-error",
                "unknown",
            ],
        ),
        (
            "CarePlan",
            "intent",
            &["proposal", "plan", "order", "option"],
        ),
        (
            "Goal",
            "lifecycleStatus",
            &[
                "proposed",
                "planned",
                "accepted",
                "active",
                "on-hold",
                "completed",
                "cancelled",
                "entered-in-error",
                "rejected",
            ],
        ),
        ("Patient", "gender", &["male", "female", "other", "unknown"]),
        (
            "Bundle",
            "type",
            &[
                "document",
                "message",
                "transaction",
                "transaction-response",
                "batch",
                "batch-response",
                "history",
                "searchset",
                "collection",
            ],
        ),
    ];
    let mut out = Vec::new();
    let mut check = |r: &Value| {
        let t = r["resourceType"].as_str().unwrap_or("");
        for (rt, field, codes) in sets {
            if rt == t
                && let Some(v) = r.get(field).and_then(Value::as_str)
                && !codes.contains(&v)
            {
                out.push(format!("{t}.{field}: {v:?} is not in R4's value set"));
            }
        }
    };
    check(bundle);
    for e in bundle["entry"].as_array().into_iter().flatten() {
        check(&e["resource"]);
    }
    out
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn codings(concept: &Value) -> Vec<(String, String)> {
    concept["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["system"].as_str().unwrap_or("").to_string(),
                c["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn has_code(concept: &Value, system: &str, code: &str) -> bool {
    codings(concept)
        .iter()
        .any(|(s, c)| s == system && c == code)
}

/// `praxis export fhir ARGS --out FILE` in `env`; the file's text.
fn export(env: &Env, args: &[&str], name: &str) -> (PathBuf, String) {
    let out = env.dir.path().join(name);
    let mut all = vec!["export", "fhir"];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap()]);
    env.ok(&all);
    let text = std::fs::read_to_string(&out).unwrap();
    (out, text)
}

fn id_of(env: &Env, code: &str, instrument: &str, score: f64) -> String {
    let h = env.json(&["history", code]);
    h.as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "assessment" && r["instrument"] == instrument && r["score"] == score)
        .map(|r| r["id"].to_string())
        .unwrap_or_else(|| panic!("no {instrument} {score} in {h}"))
}

/// The demo patients, with P-0107 given a goal and its review, a TUG, MoCA and mRS, one voided and one corrected
/// assessment.
fn demo() -> Env {
    let env = Env::new();
    env.ok(&["demo"]);
    let today = chrono::Local::now().date_naive();
    let day = |back: i64| (today - chrono::Duration::days(back)).to_string();
    env.ok(&[
        "assess",
        "P-0107",
        "tug_s",
        "14.5",
        "--date",
        &day(2),
        "--assessor",
        "Dr Who",
    ]);
    env.ok(&["assess", "P-0107", "moca", "24", "--date", &day(2)]);
    env.ok(&["assess", "P-0107", "mrs", "3", "--date", &day(2)]);
    env.ok(&[
        "assess",
        "P-0107",
        "bbs",
        "33",
        "--date",
        &day(1),
        "--notes",
        "typed wrong",
    ]);
    env.ok(&["assess", "P-0107", "walk10m_ms", "0.61", "--date", &day(1)]);
    let bbs = id_of(&env, "P-0107", "bbs", 33.0);
    env.ok(&[
        "void",
        "assessment",
        &bbs,
        "--reason",
        "entered for the wrong patient",
    ]);
    let walk = id_of(&env, "P-0107", "walk10m_ms", 0.61);
    env.ok(&[
        "correct",
        "assessment",
        &walk,
        "--score",
        "0.66",
        "--reason",
        "misread the stopwatch",
    ]);
    let by = (today + chrono::Duration::days(40)).to_string();
    env.ok(&[
        "goal",
        "add",
        "P-0107",
        "--instrument",
        "arat",
        "--target",
        "35",
        "--by",
        &by,
        "--text",
        "drink from a cup",
    ]);
    let goals = env.json(&["goal", "list", "P-0107"]);
    let goal_id = goals.to_string();
    let id = find_number_after(&goal_id, "\"id\":");
    env.ok(&[
        "goal",
        "review",
        "P-0107",
        &id,
        "--level",
        "-1",
        "--date",
        &day(0),
    ]);
    env
}

/// The first number after `key` in `text` (the goal's id in `goal list --json`).
fn find_number_after(text: &str, key: &str) -> String {
    let at = text
        .find(key)
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        + key.len();
    text[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect()
}

#[test]
fn the_r4_validator_accepts_a_demo_patients_bundle_with_every_kind_of_resource() {
    let env = demo();
    let (_, text) = export(&env, &["P-0107"], "p0107.json");
    let errors = r4_errors(&text);
    assert!(errors.is_empty(), "R4 errors: {errors:#?}");
    let bundle: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(required_binding_errors(&bundle), Vec::<String>::new());
    assert_eq!(bundle["type"], "collection");
    for kind in [
        "Patient",
        "Condition",
        "Observation",
        "Procedure",
        "CarePlan",
        "Goal",
    ] {
        assert!(
            !resources(&bundle, kind).is_empty(),
            "no {kind} in the Bundle"
        );
    }
    // Every reference resolves to an entry of the Bundle.
    let urls: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    let mut refs = Vec::new();
    collect_references(&bundle, &mut refs);
    assert!(refs.len() > 10);
    for r in &refs {
        assert!(urls.contains(&r.as_str()), "dangling reference {r}");
    }
    let patient = resources(&bundle, "Patient")[0];
    assert_eq!(
        patient["identifier"][0]["system"],
        "https://praxis.example/fhir/NamingSystem/patient-code"
    );
    assert_eq!(patient["identifier"][0]["value"], "P-0107");
    assert_eq!(
        patient["birthDate"].as_str().map(str::len),
        Some(4),
        "{patient}"
    );
    let condition = resources(&bundle, "Condition")[0];
    assert!(has_code(
        &condition["code"],
        "http://snomed.info/sct",
        "230690007"
    ));
    assert_eq!(condition["code"]["text"], "Stroke");
    // Sessions carry their dose; the goal its target measure, due date and GAS review.
    let session = resources(&bundle, "Procedure")[0];
    let ext: Vec<&str> = session["extension"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    for dose in ["minutes", "repetitions", "protocol"] {
        assert!(
            ext.iter().any(|u| u.ends_with(&format!("session-{dose}"))),
            "{ext:?}"
        );
    }
    let goal = resources(&bundle, "Goal")[0];
    assert_eq!(goal["lifecycleStatus"], "active");
    assert_eq!(
        goal["achievementStatus"]["coding"][0]["code"],
        "in-progress"
    );
    assert_eq!(goal["target"][0]["detailQuantity"]["value"], 35.0);
    assert!(has_code(
        &goal["target"][0]["measure"],
        "https://praxis.example/fhir/CodeSystem/instrument",
        "arat"
    ));
    assert!(goal["target"][0]["dueDate"].is_string());
    let plans = resources(&bundle, "CarePlan");
    assert!(
        plans
            .iter()
            .any(|p| p["status"] == "active" && p["goal"].is_array()),
        "{plans:?}"
    );

    // Every demo patient in one Bundle: valid too, one Patient each.
    let (_, all) = export(&env, &[], "all.json");
    assert!(r4_errors(&all).is_empty(), "{:#?}", r4_errors(&all));
    let all: Value = serde_json::from_str(&all).unwrap();
    assert_eq!(resources(&all, "Patient").len(), 6);
    assert_eq!(required_binding_errors(&all), Vec::<String>::new());
}

fn collect_references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == "reference"
                    && let Some(s) = x.as_str()
                {
                    out.push(s.to_string());
                }
                collect_references(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_references(x, out)),
        _ => {}
    }
}

#[test]
fn the_validator_refuses_a_broken_bundle() {
    let env = demo();
    let (_, text) = export(&env, &["P-0107"], "p0107.json");
    let mut bundle: Value = serde_json::from_str(&text).unwrap();
    let entries = bundle["entry"].as_array_mut().unwrap();
    let i = entries
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Observation")
        .unwrap();
    let obs = entries[i]["resource"].as_object_mut().unwrap();
    obs.remove("status");
    obs.insert("valueString".into(), "two values".into());
    obs.insert("scoreOutOf".into(), 56.into());
    let errors = r4_errors(&bundle.to_string()).join("\n");
    assert!(
        errors.contains("status") && errors.contains("required"),
        "{errors}"
    );
    assert!(
        errors.contains("only one type may be given") || errors.contains("value[x]"),
        "{errors}"
    );
    assert!(errors.contains("unknown element"), "{errors}");
    // A year-only birthDate is valid R4; a day 32 is not.
    let mut bad_date: Value = serde_json::from_str(&text).unwrap();
    bad_date["entry"][0]["resource"]["birthDate"] = "1954-01-32".into();
    assert!(!r4_errors(&bad_date.to_string()).is_empty());
}

#[test]
fn known_instruments_carry_their_loinc_codes_and_every_one_praxis_code() {
    let env = demo();
    let (_, text) = export(&env, &["P-0107"], "p0107.json");
    let bundle: Value = serde_json::from_str(&text).unwrap();
    let obs = resources(&bundle, "Observation");
    let find = |id: &str| {
        obs.iter()
            .find(|o| {
                has_code(
                    &o["code"],
                    "https://praxis.example/fhir/CodeSystem/instrument",
                    id,
                )
            })
            .unwrap_or_else(|| panic!("no {id} Observation"))
    };
    for (id, loinc) in [
        ("tug_s", "89423-8"),
        ("moca", "72172-0"),
        ("mrs", "75859-9"),
    ] {
        assert!(
            has_code(&find(id)["code"], "http://loinc.org", loinc),
            "{id}"
        );
    }
    // No LOINC code that could not be confirmed.
    let fma = find("fma_ue");
    assert!(
        codings(&fma["code"])
            .iter()
            .all(|(s, _)| s != "http://loinc.org")
    );
    let tug = find("tug_s");
    assert_eq!(tug["valueQuantity"]["code"], "s");
    assert_eq!(tug["valueQuantity"]["system"], "http://unitsofmeasure.org");
    assert_eq!(tug["performer"][0]["display"], "Dr Who");
    assert!(tug["effectiveDateTime"].is_string());
    assert!(
        obs.iter()
            .all(|o| o["code"]["text"].is_string() && o["valueQuantity"]["value"].is_number())
    );
}

#[test]
fn voided_assessments_are_entered_in_error_and_corrected_ones_amended() {
    let env = demo();
    let (_, text) = export(&env, &["P-0107"], "p0107.json");
    let bundle: Value = serde_json::from_str(&text).unwrap();
    let obs = resources(&bundle, "Observation");
    let of = |id: &str| -> Vec<&Value> {
        obs.iter()
            .copied()
            .filter(|o| {
                has_code(
                    &o["code"],
                    "https://praxis.example/fhir/CodeSystem/instrument",
                    id,
                )
            })
            .collect()
    };
    let bbs = of("bbs");
    assert_eq!(bbs.len(), 1);
    assert_eq!(bbs[0]["status"], "entered-in-error");
    assert!(
        bbs[0]["extension"]
            .to_string()
            .contains("entered for the wrong patient")
    );
    // The corrected version is left out; the correction stands as amended.
    let walk = of("walk10m_ms");
    assert_eq!(walk.len(), 1, "{walk:?}");
    assert_eq!(walk[0]["status"], "amended");
    assert!(
        walk[0]["extension"]
            .to_string()
            .contains("Corrected: misread the stopwatch")
    );
    assert_eq!(walk[0]["valueQuantity"]["value"], 0.66);
    assert!(obs.iter().filter(|o| o["status"] == "final").count() >= 15);
}

#[test]
fn a_parkinsons_patient_gets_the_medication_state_as_a_component() {
    let env = demo();
    let today = chrono::Local::now().date_naive().to_string();
    env.ok(&[
        "assess",
        "P-0044",
        "mds_updrs_iii",
        "47",
        "--state",
        "off",
        "--date",
        &today,
        "--force",
    ]);
    let (_, text) = export(&env, &["P-0044"], "p0044.json");
    assert!(r4_errors(&text).is_empty(), "{:#?}", r4_errors(&text));
    let bundle: Value = serde_json::from_str(&text).unwrap();
    assert!(has_code(
        &resources(&bundle, "Condition")[0]["code"],
        "http://snomed.info/sct",
        "49049000"
    ));
    let off = resources(&bundle, "Observation")
        .into_iter()
        .find(|o| o["valueQuantity"]["value"] == 47.0 && o["component"].is_array())
        .expect("the UPDRS with its medication state");
    assert_eq!(
        off["component"][0]["valueCodeableConcept"]["coding"][0]["code"],
        "off"
    );
}

#[test]
fn a_pseudonymised_bundle_has_no_name_code_birth_year_or_dates_and_is_still_valid_r4() {
    let env = Env::new();
    env.ok(&[
        "patient",
        "add",
        "--code",
        "P-0001",
        "--birth-year",
        "1958",
        "--condition",
        "stroke",
        "--name",
        "Ada Lovelace",
        "--notes",
        "lives alone",
        "--onset",
        "2026-01-02",
    ]);
    env.ok(&[
        "assess",
        "P-0001",
        "fma_ue",
        "30",
        "--date",
        "2026-01-05",
        "--notes",
        "tired today",
        "--assessor",
        "Dr Who",
    ]);
    let (_, full) = export(&env, &["P-0001"], "full.json");
    assert!(
        full.contains("Ada Lovelace") && full.contains("\"1958\"") && full.contains("2026-01-05")
    );
    let (_, text) = export(&env, &["P-0001", "--pseudonymised"], "pseudo.json");
    assert!(r4_errors(&text).is_empty(), "{:#?}", r4_errors(&text));
    for secret in [
        "Ada",
        "Lovelace",
        "P-0001",
        "1958",
        "2026-01-05",
        "2026-01-02",
        "tired",
        "Dr Who",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} in the pseudonymised Bundle:\n{text}"
        );
    }
    let bundle: Value = serde_json::from_str(&text).unwrap();
    let patient = resources(&bundle, "Patient")[0];
    assert!(patient.get("name").is_none() && patient.get("birthDate").is_none());
    assert_eq!(
        patient["identifier"][0]["system"],
        "https://praxis.example/fhir/NamingSystem/patient-pseudonym"
    );
    assert!(
        patient["identifier"][0]["value"]
            .as_str()
            .unwrap()
            .starts_with("S-")
    );
    assert!(text.contains("1955-1959"), "the birth band");
    let obs = resources(&bundle, "Observation")[0];
    assert!(obs.get("effectiveDateTime").is_none());
    assert_eq!(
        obs["extension"][0]["valueInteger"], 3,
        "day 3 after the onset on day 0"
    );
}

#[test]
fn the_export_is_audited_and_a_read_only_clinician_cannot_export() {
    let env = demo();
    let before = env.json(&["audit"]).as_array().unwrap().len();
    let (out, _) = export(&env, &["P-0107"], "p0107.json");
    let audit = env.json(&["audit"]);
    let rows = audit.as_array().unwrap();
    assert_eq!(rows.len(), before + 1);
    let row = rows.last().unwrap().to_string();
    assert!(
        row.contains("\"fhir\"") && row.contains("P-0107") && row.contains(out.to_str().unwrap()),
        "{row}"
    );
    // To standard output: the same Bundle, audited too.
    let stdout = env.ok(&["export", "fhir", "P-0107"]);
    assert!(r4_errors(&stdout).is_empty(), "{:#?}", r4_errors(&stdout));
    let rows = env.json(&["audit"]);
    let last = rows.as_array().unwrap().last().unwrap().to_string();
    assert!(
        last.contains("standard output") && last.contains("\"fhir\""),
        "{last}"
    );
    // An export never overwrites a file.
    let err = env.fails(&["export", "fhir", "P-0107", "--out", out.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");

    // An empty database gives a valid Bundle without entries (FHIR's JSON has no empty arrays).
    let empty = Env::new();
    empty.ok(&["patient", "list"]);
    let bundle = empty.ok(&["export", "fhir"]);
    assert!(r4_errors(&bundle).is_empty(), "{:#?}", r4_errors(&bundle));
    assert!(!bundle.contains("\"entry\""), "{bundle}");

    let (dir, _, mut store) = store_of_boss();
    store
        .add_clinician("stu", "Student", Role::Readonly)
        .unwrap();
    store.set_who(who("stu"));
    let file = dir.path().join("b.json");
    let err = praxis::app::export::fhir::export(
        &mut store,
        None,
        false,
        praxis::app::export::fhir::Destination::File(&file),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("read-only"), "{err}");
    assert!(!file.exists());
}

fn assessments(env: &Env, db: &Path, code: &str) -> Vec<(String, String, String, String)> {
    let out = env
        .cmd_on(db, &["history", code, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut v: Vec<_> = h
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "assessment")
        .map(|r| {
            (
                r["instrument"].to_string(),
                r["score"].to_string(),
                r["date"].to_string(),
                r["assessor"].to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A fresh database with the demo patient P-0107 (same birth year and stroke onset) and nothing else.
fn fresh_with_p0107(env: &Env) -> PathBuf {
    let db = env.dir.path().join("fresh.db");
    let p = &env.json(&["patient", "show", "P-0107"])["patient"];
    let year = p["birth_year"].to_string();
    let onset = p["condition"]["onset_date"].as_str().unwrap().to_string();
    let out = env
        .cmd_on(
            &db,
            &[
                "patient",
                "add",
                "--code",
                "P-0107",
                "--birth-year",
                &year,
                "--condition",
                "stroke",
                "--onset",
                &onset,
            ],
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

#[test]
fn a_demo_patient_round_trips_through_export_and_import() {
    let env = demo();
    let (file, _) = export(&env, &["P-0107"], "p0107.json");
    let db = fresh_with_p0107(&env);
    let out = env
        .cmd_on(&db, &["import", "fhir", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 entered-in-error Observation(s) skipped"),
        "{stdout}"
    );
    let audit = env.cmd_on(&db, &["audit", "--json"]).output().unwrap();
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(
        audit.contains("\"import\"") && audit.contains(file.to_str().unwrap()),
        "{audit}"
    );
    let original = assessments(&env, &env.db, "P-0107");
    assert!(original.len() >= 18);
    assert_eq!(assessments(&env, &db, "P-0107"), original);
}

#[test]
fn an_import_dry_run_writes_nothing() {
    let env = demo();
    let (file, _) = export(&env, &["P-0107"], "p0107.json");
    let db = fresh_with_p0107(&env);
    let audit = |env: &Env| {
        let out = env.cmd_on(&db, &["audit", "--json"]).output().unwrap();
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    let before = audit(&env);
    let out = env
        .cmd_on(
            &db,
            &[
                "--json",
                "import",
                "fhir",
                file.to_str().unwrap(),
                "--dry-run",
            ],
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["imported"], 0);
    assert!(report["observations"].as_u64().unwrap() >= 19);
    assert!(assessments(&env, &db, "P-0107").is_empty());
    assert_eq!(audit(&env), before);
}

#[test]
fn a_bad_value_is_named_by_entry_and_field_and_nothing_is_imported() {
    let env = demo();
    let (file, text) = export(&env, &["P-0107"], "p0107.json");
    let mut bundle: Value = serde_json::from_str(&text).unwrap();
    let entries = bundle["entry"].as_array_mut().unwrap();
    let i = entries
        .iter()
        .position(|e| {
            e["resource"]["status"] == "final"
                && has_code(&e["resource"]["code"], "http://loinc.org", "72172-0")
        })
        .unwrap();
    entries[i]["resource"]["valueQuantity"]["value"] = 95.into();
    std::fs::write(file.with_extension("bad.json"), bundle.to_string()).unwrap();
    let db = fresh_with_p0107(&env);
    let out = env
        .cmd_on(
            &db,
            &[
                "import",
                "fhir",
                file.with_extension("bad.json").to_str().unwrap(),
            ],
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "entry[{i}].resource.valueQuantity.value: 95 is above the MoCA range 0-30"
        )),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(assessments(&env, &db, "P-0107").is_empty());
}

#[test]
fn an_unknown_patient_is_named() {
    let env = demo();
    let (file, _) = export(&env, &["P-0107"], "p0107.json");
    let db = env.dir.path().join("empty.db");
    let out = env
        .cmd_on(&db, &["import", "fhir", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("resource.subject: unknown patient P-0107"),
        "{err}"
    );

    // A Patient known only by another system's identifier, and a pseudonymised Bundle, are named as such.
    let mut bundle: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    bundle["entry"][0]["resource"]["identifier"] =
        serde_json::json!([{ "system": "urn:oid:1.2.3", "value": "MRN-77" }]);
    let other = env.dir.path().join("other.json");
    std::fs::write(&other, bundle.to_string()).unwrap();
    let err = env.fails_status_1(&["import", "fhir", other.to_str().unwrap()]);
    assert!(err.contains("urn:oid:1.2.3|MRN-77"), "{err}");
    let (pseudo, _) = export(&env, &["P-0107", "--pseudonymised"], "pseudo.json");
    let err = env.fails_status_1(&["import", "fhir", pseudo.to_str().unwrap()]);
    assert!(err.contains("pseudonym"), "{err}");
}

/// QA 23: a Bundle holding the same Observation twice is a duplicate within the file, named by both entries (index
/// and fullUrl), not "already saved" (nothing was); importing it where it is stored still says "already saved".
#[test]
fn the_same_observation_twice_in_a_bundle_is_named_as_a_duplicate_within_the_file() {
    let env = demo();
    let (file, text) = export(&env, &["P-0107"], "p0107.json");
    let mut bundle: Value = serde_json::from_str(&text).unwrap();
    let entries = bundle["entry"].as_array_mut().unwrap();
    let first = entries
        .iter()
        .position(|e| {
            e["resource"]["resourceType"] == "Observation" && e["resource"]["status"] == "final"
        })
        .unwrap();
    let mut twin = entries[first].clone();
    twin["fullUrl"] = "urn:uuid:00000000-0000-4000-8000-000000000023".into();
    twin["resource"]["id"] = "00000000-0000-4000-8000-000000000023".into();
    entries.push(twin);
    let last = entries.len() - 1;
    let first_url = entries[first]["fullUrl"].as_str().unwrap().to_string();
    let twice = file.with_extension("twice.json");
    std::fs::write(&twice, bundle.to_string()).unwrap();
    let db = fresh_with_p0107(&env);
    let out = env
        .cmd_on(&db, &["import", "fhir", twice.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "entry[{last}].resource: this looks wrong: entry[{last}] \
         (urn:uuid:00000000-0000-4000-8000-000000000023) is the same assessment as entry[{first}] ({first_url}): "
    );
    assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    assert!(err.contains("is in this file twice"), "{err}");
    assert!(!err.contains("already saved"), "{err}");
    assert!(assessments(&env, &db, "P-0107").is_empty());
    // --force imports both, as for any warning.
    env.cmd_on(&db, &["import", "fhir", twice.to_str().unwrap(), "--force"])
        .assert()
        .success();
    assert_eq!(
        assessments(&env, &db, "P-0107").len(),
        assessments(&env, &env.db, "P-0107").len() + 1
    );
    // A real duplicate of a stored record keeps its wording.
    let out = env
        .cmd(&["import", "fhir", file.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the same score was already saved"), "{err}");
    assert!(!err.contains("in this file twice"), "{err}");
}
