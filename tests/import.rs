//! Import through the real binary: every bad row is reported by line, and nothing is imported unless all are valid.

mod common;
use common::Env;

#[test]
fn import_reports_every_bad_row_and_imports_nothing_unless_all_are_valid() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    let bad = env.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        b"patient_code,instrument,score,date,assessor,notes\n\
          P-0001,fma_ue,30,2026-01-02,,ok\n\
          P-0099,fma_ue,30,2026-01-02,,\n\
          P-0001,fma_ue,70,2026-01-02,,\n\
          P-0001,grip,3,2026-01-02,,\n\
          P-0001,arat,3,2026-13-40,,\n\
          P-0001,arat,3,2026-01-02,,caf\xe9\n",
    )
    .unwrap();
    let out = env
        .cmd(&["import", "assessments", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "line 4: FMA-UE is scored 0-66; got 70",
        "line 5: unknown instrument \"grip\"",
        "line 6: date \"2026-13-40\" is not a date",
        "line 7: column 6 is not valid UTF-8",
        "5 bad row(s); nothing was imported",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(err.contains("line 3: unknown patient P-0099"), "{err}");
    let bad2 = env.dir.path().join("bad2.csv");
    std::fs::write(&bad2, "patient_code,instrument,score,date\nP-0001,fma_ue,30,2026-01-02\nP-0099,fma_ue,30,2026-01-02\n").unwrap();
    let err = env.fails_on(&env.db, &["import", "assessments", bad2.to_str().unwrap()]);
    assert!(err.contains("line 3: unknown patient P-0099"), "{err}");
    assert_eq!(
        env.json(&["history", "P-0001"])
            .to_string()
            .matches("fma_ue")
            .count(),
        0
    );

    let good = env.dir.path().join("good.csv");
    std::fs::write(&good, "patient_code,instrument,score,date,assessor\nP-0001,fma_ue,30,2026-01-02,Kim\nP-0001,arat,12,2026-01-03,\n").unwrap();
    let dry = env.ok(&["import", "assessments", good.to_str().unwrap(), "--dry-run"]);
    assert!(dry.contains("all 2 row(s) are valid"), "{dry}");
    let c0 = env.json(&["db", "check"]);
    assert_eq!(c0["counts"]["assessments"], 0);
    env.ok(&["import", "assessments", good.to_str().unwrap()]);
    let c1 = env.json(&["db", "check"]);
    assert_eq!(c1["counts"]["assessments"], 2);
    let trail = env.json(&["audit"]);
    let last = trail.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "import");
    assert_eq!(last["after"]["rows"], 2);
}

/// QA 23: two identical rows of one file are a duplicate within the file, named by both lines; not "already saved".
#[test]
fn the_same_row_twice_is_named_as_a_duplicate_within_the_file() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    let file = env.dir.path().join("twice.csv");
    std::fs::write(
        &file,
        "patient_code,instrument,score,date\nP-0001,fma_ue,30,2026-01-02\nP-0001,arat,12,2026-01-02\n\
         P-0001,fma_ue,30,2026-01-02\n",
    )
    .unwrap();
    let err = env.fails_status_1(&["import", "assessments", file.to_str().unwrap()]);
    assert!(
        err.contains(
            "line 4: this looks wrong: line 4 is the same assessment as line 2: FMA-UE 30 on 2026-01-02 is in \
             this file twice"
        ),
        "{err}"
    );
    assert!(!err.contains("already saved"), "{err}");
    assert_eq!(env.json(&["db", "check"])["counts"]["assessments"], 0);
}
