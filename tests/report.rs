//! The progress report and discharge summary (issue 15.1-2): `praxis report` through the real binary (sections,
//! escaping, pseudonymised, audit, refusals), the overview's `R`, and the page rendered in headless Chromium at A4
//! width (nothing wider than the page, the charts drawn).

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::tui::{demo_db, open_patient, store_app, store_app_as};
use common::{Env, press, screen};

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The audit rows of reports.
fn report_rows(env: &Env) -> Vec<Value> {
    let rows = env.json(&["audit"]);
    rows.as_array()
        .expect("audit --json is an array")
        .iter()
        .filter(|r| r["entity"] == "report")
        .cloned()
        .collect()
}

#[test]
fn a_demo_patients_report_has_every_section_and_is_private_and_audited() {
    let env = Env::new();
    env.ok(&["demo"]);
    let out = env.dir.path().join("p-0107.html");
    let said = env.ok(&["report", "P-0107", "--out", out.to_str().unwrap()]);
    assert!(
        said.contains("Wrote the progress report of P-0107"),
        "{said}"
    );
    assert_eq!(mode(&out), 0o600);
    let html = std::fs::read_to_string(&out).unwrap();
    for part in [
        "<title>Progress report - P-0107</title>",
        "Patient and condition",
        "Change since the first assessment",
        "Assessments over time",
        "Therapy delivered",
        "Adherence to the plan",
        "Plan and goals",
        "Forecast and comparison",
        "On track?",
        "Reasons and sources",
        "Written by ",
    ] {
        assert!(html.contains(part), "missing {part:?}");
    }
    // One chart per instrument assessed (FMA-UE, ARAT, BBT), each with the MCID band and the forecast band.
    assert_eq!(html.matches("<svg").count(), 3);
    assert_eq!(html.matches("class=\"band\"").count(), 3);
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));

    let rows = report_rows(&env);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["action"], "export");
    assert_eq!(rows[0]["patient_code"], "P-0107");
    assert_eq!(rows[0]["after"]["kind"], "progress");
    assert_eq!(rows[0]["after"]["pseudonymised"], false);
    assert_eq!(rows[0]["after"]["to"], out.to_str().unwrap());

    // Never overwritten: the second report to the same file is refused, and not audited.
    let err = env.fails(&["report", "P-0107", "--out", out.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), html);
    assert_eq!(report_rows(&env).len(), 1);
}

#[test]
fn a_name_holding_a_script_is_shown_as_text_and_pseudonymised_leaves_name_and_birth_year_out() {
    let env = Env::new();
    env.ok(&[
        "patient",
        "add",
        "--code",
        "P-0200",
        "--birth-year",
        "1951",
        "--condition",
        "stroke",
        "--name",
        "<script>alert('x')</script> Quill",
    ]);
    env.ok(&["assess", "P-0200", "fma_ue", "24", "--date", "2026-10-01"]);
    env.ok(&["assess", "P-0200", "fma_ue", "31", "--date", "2026-10-20"]);
    // To standard output: the same document, audited as going there.
    let html = env.ok(&["report", "P-0200"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt; Quill"));
    assert!(!html.to_lowercase().contains("<script"));
    assert!(html.contains("1951"));

    let pseudo = env.dir.path().join("pseudo.html");
    env.ok(&[
        "report",
        "P-0200",
        "--pseudonymised",
        "--out",
        pseudo.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&pseudo).unwrap();
    assert!(html.contains("P-0200"));
    assert!(
        !html.contains("Quill") && !html.contains("alert"),
        "the name is left out"
    );
    assert!(!html.contains("1951"), "the birth year is left out");
    let rows = report_rows(&env);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["after"]["to"], "standard output");
    assert_eq!(rows[1]["after"]["pseudonymised"], true);
}

#[test]
fn a_discharge_summary_adds_outcome_against_admission_and_goal_attainment() {
    let env = Env::new();
    env.ok(&["demo"]);
    let out = env.dir.path().join("discharge.html");
    env.ok(&[
        "report",
        "P-0107",
        "--kind",
        "discharge",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<title>Discharge summary - P-0107</title>"));
    assert!(html.contains("Outcome at discharge") && html.contains("Goal attainment"));
    assert_eq!(report_rows(&env)[0]["after"]["kind"], "discharge");
}

#[test]
fn an_unknown_patient_is_refused_by_name_and_nothing_is_written_or_audited() {
    let env = Env::new();
    env.ok(&["demo"]);
    let out = env.dir.path().join("none.html");
    let err = env.fails(&["report", "P-9999", "--out", out.to_str().unwrap()]);
    assert!(err.contains("no patient with code P-9999"), "{err}");
    assert!(!out.exists());
    assert!(report_rows(&env).is_empty());
    let err = env.refused(&["report", "P-0107", "--kind", "summary"]);
    assert!(
        err.contains("progress") && err.contains("discharge"),
        "{err}"
    );
}

#[test]
fn r_on_the_overview_writes_the_report_privately_and_shows_where() {
    let (dir, path) = demo_db();
    let reports = dir.path().join("reports");
    let mut a = store_app(&path);
    a.set_report_dir(reports.clone());
    open_patient(&mut a, "P-0107");
    assert!(
        screen(&a, 120, 40).contains("R report"),
        "hinted on the overview"
    );
    press(&mut a, ratatui::crossterm::event::KeyCode::Char('R'));
    let s = screen(&a, 120, 40);
    let files: Vec<PathBuf> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}\n{s}");
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(name, "P-0107-progress-2026-11-20-143000.html");
    assert!(s.contains("Report written:") && s.contains(&name), "{s}");
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&reports), 0o700);
    assert!(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .contains("Progress report")
    );
    // `D` writes the discharge summary the same way (story 12: discharged from the overview).
    press(&mut a, ratatui::crossterm::event::KeyCode::Char('D'));
    let discharge = reports.join("P-0107-discharge-2026-11-20-143000.html");
    let html = std::fs::read_to_string(&discharge).unwrap_or_default();
    assert!(
        html.contains("Outcome at discharge"),
        "{}",
        screen(&a, 120, 40)
    );
    assert!(screen(&a, 120, 40).contains("P-0107-discharge-"));

    // A user who may only read is not offered it, and is told why when pressing it.
    let mut r = store_app_as(&path, "visitor");
    r.set_report_dir(dir.path().join("other"));
    open_patient(&mut r, "P-0107");
    assert!(!screen(&r, 120, 40).contains("R report"));
    press(&mut r, ratatui::crossterm::event::KeyCode::Char('R'));
    assert!(!dir.path().join("other").exists());
}

/// Chromium, when installed (Debian's `chromium`; `.ci/run` installs it).
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// What a test-only copy of the page reports about its layout at `width` CSS pixels: the page's scroll width and
/// client width, how many elements reach past the client width, and how many SVG charts were drawn. The report
/// itself has no script; the copy gets one that writes these numbers into the title, read back with --dump-dom.
fn layout(chrome: &Path, html: &str, width: u32, tmp: &Path) -> (u32, u32, u32, u32) {
    const PROBE: &str = "<script>(function(){var d=document.documentElement;\
        var over=Array.prototype.filter.call(document.querySelectorAll('body *'),function(e){\
        return e.getBoundingClientRect().right>d.clientWidth+0.5}).length;\
        document.title='W='+d.scrollWidth+';C='+d.clientWidth+';OVER='+over+\
        ';SVG='+document.querySelectorAll('svg.chart').length;})()</script></body>";
    let probe = tmp.join(format!("probe-{width}.html"));
    std::fs::write(&probe, html.replace("</body>", PROBE)).unwrap();
    let out = std::process::Command::new(chrome)
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!(
            "--user-data-dir={}",
            tmp.join("chromium").display()
        ))
        .arg(format!("--window-size={width},1123"))
        .arg("--dump-dom")
        .arg(format!("file://{}", probe.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .filter(|t| t.starts_with("W="))
        .unwrap_or_else(|| {
            panic!(
                "chromium gave no layout: {}\n{dom}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let num = |key: &str| -> u32 {
        title
            .split(';')
            .find_map(|kv| kv.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key} in {title}"))
    };
    (num("W="), num("C="), num("OVER="), num("SVG="))
}

#[test]
fn the_report_fits_an_a4_page_in_chromium_and_draws_its_charts() {
    let Some(chrome) = chromium() else {
        assert_ne!(
            std::env::var("PRAXIS_TEST_CHROMIUM_REQUIRED").as_deref(),
            Ok("1"),
            "PRAXIS_TEST_CHROMIUM_REQUIRED=1 but chromium is not installed"
        );
        println!("SKIPPED: chromium not found");
        return;
    };
    let env = Env::new();
    env.ok(&["demo"]);
    // A name and a goal that no line can hold must wrap, not widen the page.
    env.ok(&[
        "patient",
        "add",
        "--code",
        "P-0300",
        "--birth-year",
        "1950",
        "--condition",
        "stroke",
        "--name",
        &"Wolfeschlegelsteinhausenbergerdorff".repeat(5),
    ]);
    env.ok(&["assess", "P-0300", "fma_ue", "20", "--date", "2026-10-01"]);
    env.ok(&["assess", "P-0300", "fma_ue", "26", "--date", "2026-10-20"]);
    env.ok(&[
        "goal",
        "add",
        "P-0300",
        "--instrument",
        "fma_ue",
        "--target",
        "40",
        "--by",
        "2027-06-10",
        "--text",
        &"x".repeat(180),
    ]);
    for (code, charts) in [("P-0107", 3), ("P-0300", 1)] {
        let html = env.ok(&["report", code]);
        // A4 is 210 mm wide: 794 CSS pixels on screen, 703 inside the printed page's 12 mm side margins.
        for width in [794, 703] {
            let (scroll, client, over, svg) = layout(&chrome, &html, width, env.dir.path());
            assert_eq!(
                scroll, client,
                "{code} at {width} px: the page is wider than the window"
            );
            assert_eq!(
                over, 0,
                "{code} at {width} px: elements reach past the page"
            );
            assert_eq!(svg, charts, "{code}: the charts");
        }
    }
    // Printed to PDF (the paper size the printer has; A4 here).
    let html = env.ok(&["report", "P-0107"]);
    let a4 = env.dir.path().join("a4.html");
    std::fs::write(&a4, html.replace("@page{", "@page{size:A4;")).unwrap();
    let pdf = env.dir.path().join("report.pdf");
    let out = std::process::Command::new(&chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            env.dir.path().join("chromium").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", a4.display()))
        .output()
        .unwrap();
    let bytes = std::fs::read(&pdf)
        .unwrap_or_else(|e| panic!("no PDF ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    // Where to look at it: PRAXIS_REPORT_ARTIFACTS names a folder to keep the HTML and the PDF in.
    if let Some(dir) = std::env::var_os("PRAXIS_REPORT_ARTIFACTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("P-0107-progress.html"), &html).unwrap();
        std::fs::write(dir.join("P-0107-progress-a4.pdf"), &bytes).unwrap();
    }
}

/// The discharge summary forecasts the next 6 months without therapy (workflows.md story 12), in its table and in the
/// bands of its charts; the comparison with continued therapy follows. The progress report forecasts the plan.
#[test]
fn a_discharge_summary_forecasts_six_months_without_therapy() {
    let env = Env::new();
    env.ok(&["demo"]);
    let write = |kind: &str| {
        let out = env.dir.path().join(format!("{kind}.html"));
        env.ok(&[
            "report",
            "P-0090",
            "--kind",
            kind,
            "--out",
            out.to_str().unwrap(),
        ]);
        std::fs::read_to_string(&out).unwrap()
    };
    let discharge = write("discharge");
    assert!(
        discharge.contains("Without therapy after discharge")
            && discharge.contains("(day 180, 6 months)"),
        "{discharge}"
    );
    assert!(discharge.contains("forecast 80% band (without therapy)"));
    assert!(
        !discharge.contains("more session(s)"),
        "no plan's end at discharge"
    );
    let progress = write("progress");
    assert!(progress.contains("Under the current plan (balance-gait-older)"));
    assert!(!progress.contains("Without therapy after discharge"));
}
