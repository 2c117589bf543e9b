use super::*;
use crate::domain::{Patient, StrokeFacts};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A store with one stroke patient named `name`, three FMA-UE scores, a plan and a few sessions.
fn store_with(name: &str) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("p.db")).unwrap();
    store.set_protocols(Library::builtin().rules());
    store
        .add_patient(&Patient {
            id: 0,
            code: "P-0107".into(),
            name: Some(name.into()),
            birth_year: 1954,
            sex: None,
            dominant_hand: None,
            affected_side: None,
            condition: Condition::Stroke(StrokeFacts {
                onset_date: Some(day("2026-09-30")),
                ..Default::default()
            }),
            notes: "lives with <b>partner</b>".into(),
            created_at: String::new(),
            updated_at: String::new(),
            version: 0,
        })
        .unwrap();
    for (score, date) in [
        (24.0, "2026-10-03"),
        (34.0, "2026-10-17"),
        (40.0, "2026-10-31"),
    ] {
        store
            .add_assessment(&Assessment {
                id: 0,
                patient_code: "P-0107".into(),
                instrument: "fma_ue".into(),
                score,
                date: day(date),
                assessor: Some("Dr <i>Who</i>".into()),
                notes: String::new(),
                med_state: None,
            })
            .unwrap();
    }
    store
        .set_plan(&Plan {
            id: 0,
            patient_code: "P-0107".into(),
            protocol_id: "task-specific-300".into(),
            start_date: day("2026-10-05"),
            goal: "cup & saucer <again>".into(),
            status: crate::domain::PlanStatus::Active,
            version: 0,
        })
        .unwrap();
    for d in ["2026-10-05 09:00", "2026-10-06 09:00", "2026-10-07 09:00"] {
        store
            .add_session(&SessionLog {
                id: 0,
                patient_code: "P-0107".into(),
                started_at: NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M").unwrap(),
                protocol_id: "task-specific-300".into(),
                minutes: 60,
                repetitions: 280,
                level: Some(1),
                success_rate: Some(0.7),
                rpe: Some(5),
                notes: String::new(),
                clinician: None,
            })
            .unwrap();
    }
    (dir, store)
}

fn now() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-01 10:00", "%Y-%m-%d %H:%M").unwrap()
}

fn opts(kind: ReportKind, pseudo: bool) -> Options {
    Options {
        kind,
        pseudonymised: pseudo,
        draws: 60,
    }
}

#[test]
fn user_text_is_escaped_never_markup() {
    let (_d, store) = store_with("<script>alert(1)</script>");
    let lib = Library::builtin();
    let r = build(
        &store,
        &lib,
        "P-0107",
        opts(ReportKind::Progress, false),
        now(),
    )
    .unwrap();
    let html = html::render(&r);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the name is shown as text"
    );
    assert!(
        !html.to_lowercase().contains("<script"),
        "no script element"
    );
    assert!(html.contains("lives with &lt;b&gt;partner&lt;/b&gt;"));
    assert!(html.contains("cup &amp; saucer &lt;again&gt;"));
    assert!(html.contains("Dr &lt;i&gt;Who&lt;/i&gt;"));
}

#[test]
fn the_report_holds_every_section_charts_and_the_dose_against_the_plan() {
    let (_d, store) = store_with("Ada Brook");
    let lib = Library::builtin();
    let r = build(
        &store,
        &lib,
        "P-0107",
        opts(ReportKind::Progress, false),
        now(),
    )
    .unwrap();
    // Three sessions of a 3-week, 5-days-a-week protocol started 27 days before the report: all 15 planned by now.
    let a = r.dose.adherence.as_ref().expect("adherence under the plan");
    assert_eq!((a.done, a.planned_so_far, a.planned_total), (3, 15, 15));
    assert_eq!(a.share(), Some(0.2));
    assert_eq!(r.dose.repetitions, 840);
    let f = r.forecast.as_ref().expect("a forecast under the plan");
    assert_eq!(f.plan_protocol.as_deref(), Some("task-specific-300"));
    // The plan and the stroke comparator (usual care), and no treatment as the reference.
    let ids: Vec<&str> = f
        .comparison
        .protocols
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids, ["task-specific-300", "usual-care"]);
    assert!(f.comparison.no_treatment.is_some() && f.fair.is_some());
    assert!(!f.reasons.is_empty());
    // The scores after the plan's start read against its forecast from then.
    let st = r.standing.as_ref().expect("standing against the plan");
    assert_eq!(
        (st.plan_start, st.day0),
        (day("2026-10-05"), day("2026-10-03"))
    );
    assert_eq!(st.rows.len(), 1);
    assert_eq!(st.rows[0].date, day("2026-10-31"));
    let m = &r.measures[0];
    assert_eq!(m.points.len(), 3);
    assert_eq!(m.forecast.first().map(|b| b.date), Some(day("2026-10-31")));
    let html = html::render(&r);
    for id in [
        "id=\"patient\"",
        "id=\"summary\"",
        "id=\"charts\"",
        "id=\"assessments\"",
        "id=\"dose\"",
        "id=\"plan\"",
        "id=\"forecast\"",
        "<svg",
        "class=\"band\"",
        "class=\"mcid\"",
        "Adherence to the plan",
        "On track?",
        "Reasons and sources",
        "Praxis does not store the comparisons",
        "Ada Brook",
        "1954",
        "@page",
    ] {
        assert!(html.contains(id), "missing {id}");
    }
    // Self-contained: nothing fetched, nothing run.
    for bad in [
        "<script", "<link", "src=", "href=", "url(", "@import", "http:", "https:",
    ] {
        assert!(!html.contains(bad), "found {bad}");
    }
}

#[test]
fn pseudonymised_leaves_out_name_birth_year_assessors_and_notes() {
    let (_d, store) = store_with("Zoë Quill");
    let lib = Library::builtin();
    let r = build(
        &store,
        &lib,
        "P-0107",
        opts(ReportKind::Progress, true),
        now(),
    )
    .unwrap();
    let html = html::render(&r);
    assert!(html.contains("P-0107"));
    for gone in ["Zoë", "Quill", "1954", "Who", "partner", "saucer"] {
        assert!(
            !html.contains(gone),
            "{gone} is still in the pseudonymised report"
        );
    }
}

#[test]
fn a_discharge_summary_adds_outcome_and_goal_attainment() {
    let (_d, mut store) = store_with("Ada Brook");
    crate::app::goals::add(
        &mut store,
        "P-0107",
        "fma_ue",
        38.0,
        day("2026-12-01"),
        "reach the shelf",
    )
    .unwrap();
    let lib = Library::builtin();
    let r = build(
        &store,
        &lib,
        "P-0107",
        opts(ReportKind::Discharge, false),
        now(),
    )
    .unwrap();
    assert_eq!(r.goals.len(), 1);
    assert_eq!(r.goals[0].reached, Some(true), "40 reaches the target 38");
    let html = html::render(&r);
    assert!(html.contains("Outcome at discharge"));
    assert!(html.contains("Goal attainment"));
    assert!(html.contains("Admission") && html.contains("Discharge"));
    assert!(html.contains("improved by at least the MCID"));
}

#[test]
fn an_unknown_patient_is_named_in_the_refusal() {
    let (_d, store) = store_with("Ada Brook");
    let err = build(
        &store,
        &Library::builtin(),
        "P-9999",
        opts(ReportKind::Progress, false),
        now(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("P-9999"), "{err}");
}
