//! What the integration tests share: the binary run on a temporary database with HOME and every XDG folder inside a
//! temporary directory (so no test reads or writes a real user's data), stores opened as a chosen user, a `Patient`
//! builder, and the TUI drawn to text. Each test file includes it with `mod common;` and uses what it needs.
#![allow(dead_code)]

pub mod clinic;
pub mod fixture;
pub mod pg;
pub mod stored;
pub mod tui;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::NaiveDate;
use praxis::domain::{
    Assessment, Condition, Hand, OlderAdultFacts, Patient, SessionLog, Sex, Side,
};
use praxis::store::{Role, Store, Who};
use praxis::tui::app::Msg;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;

/// `praxis` with an environment of its own below `home`: HOME, the XDG folders and no `PRAXIS_*` or SSH variables
/// from the caller, and no colour. The caller adds the database (`--db` or `PRAXIS_DB`) and the arguments.
pub fn praxis(home: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_praxis"));
    for var in [
        "PRAXIS_DB",
        "PRAXIS_PROTOCOLS",
        "PRAXIS_GROUP",
        "PRAXIS_BACKUP_DIR",
        "PRAXIS_BACKUP_KEEP",
        "SSH_CLIENT",
        "SSH_CONNECTION",
    ] {
        c.env_remove(var);
    }
    c.env("HOME", home.join("home"))
        .env("XDG_DATA_HOME", home.join("xdg"))
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_STATE_HOME", home.join("xdg-state"))
        .env("XDG_CACHE_HOME", home.join("xdg-cache"))
        .env("NO_COLOR", "1");
    c
}

/// The repository root, where `protocols/` and `tests/scenarios/` are.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the repository root, with no user protocols and a throwaway database path below `tmp`.
pub fn praxis_at_root(tmp: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("praxis").expect("binary built");
    cmd.current_dir(repo_root())
        .env_remove("PRAXIS_PROTOCOLS")
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("XDG_DATA_HOME", tmp.join("data"))
        .env("PRAXIS_DB", tmp.join("praxis.db"));
    cmd
}

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The whole of stdout as one JSON value, after checking the command succeeded.
pub fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "command failed: {}", stderr_of(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// `praxis --db DB ARGS...` with its HOME and XDG folders next to `db` (see [`praxis`]).
pub fn praxis_on(db: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut c = praxis(db.parent().unwrap());
    c.arg("--db").arg(db).args(args);
    assert_cmd::Command::from_std(c)
}

/// [`praxis_on`] run to its end: (succeeded, stdout, stderr).
pub fn run_on(db: &Path, args: &[&str]) -> (bool, String, String) {
    let out = praxis_on(db, args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A temporary folder holding the database (`praxis.db`) and the user's HOME and XDG folders.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("praxis.db");
        Env { dir, db }
    }

    /// `praxis` in this environment, without a database or arguments.
    pub fn bare(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(praxis(self.dir.path()))
    }

    /// `praxis --db <db> ARGS...` in this environment.
    pub fn cmd_on(&self, db: &Path, args: &[&str]) -> assert_cmd::Command {
        let mut c = praxis(self.dir.path());
        c.arg("--db").arg(db).args(args);
        assert_cmd::Command::from_std(c)
    }

    /// `praxis --db <temp> ARGS...`.
    pub fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        self.cmd_on(&self.db, args)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Run, expect success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "praxis {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run with `--json`, expect success, parse the whole of stdout as one JSON value.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.ok(&a);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("stdout of {a:?} is not JSON ({e}):\n{out}"))
    }

    /// Run on `db`, expect exit status 1 and a message, not a panic, ending in a line that starts "praxis: " (a
    /// warning may come before it). Return stderr.
    pub fn fails_on(&self, db: &Path, args: &[&str]) -> String {
        let err = self.exit_1(self.cmd_on(db, args), args);
        let last = err.lines().last().unwrap_or("");
        assert!(last.starts_with("praxis: "), "{err}");
        err
    }

    /// Run, expect exit status 1 and a message, not a panic, that starts "praxis: ". Return stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let err = self.exit_1(self.cmd(args), args);
        assert!(err.starts_with("praxis: "), "{err}");
        err
    }

    /// Run, expect exit status 1 and no panic, whatever the message's lines (an import lists its bad rows first).
    pub fn fails_status_1(&self, args: &[&str]) -> String {
        self.exit_1(self.cmd(args), args)
    }

    fn exit_1(&self, mut cmd: assert_cmd::Command, args: &[&str]) -> String {
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "praxis {args:?} should fail: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        err
    }

    /// Run, expect a refusal of any kind (any non-zero status), not a panic; return stderr.
    pub fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "praxis {args:?} should fail");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!err.contains("panicked"), "{err}");
        err
    }

    /// The database, opened directly.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).unwrap()
    }

    /// A stroke patient born 1958, onset `onset` when given, added through the command line.
    pub fn add_stroke(&self, code: &str, onset: Option<&str>) {
        match onset {
            Some(o) => self.add_stroke_with(code, &["--onset", o]),
            None => self.add_stroke_with(code, &[]),
        }
    }

    /// A stroke patient born 1958, with more options of `patient add`.
    pub fn add_stroke_with(&self, code: &str, more: &[&str]) {
        self.add_patient(code, "1958", "stroke", more);
    }

    /// `patient add --code CODE --birth-year YEAR --condition CONDITION MORE...` through the command line.
    pub fn add_patient(&self, code: &str, birth_year: &str, condition: &str, more: &[&str]) {
        let mut args = vec![
            "patient",
            "add",
            "--code",
            code,
            "--birth-year",
            birth_year,
            "--condition",
            condition,
        ];
        args.extend_from_slice(more);
        self.ok(&args);
    }
}

pub fn count_notes(db: &Path, table: &str, note: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        &format!("SELECT count(*) FROM {table} WHERE notes = ?1"),
        [note],
        |r| r.get(0),
    )
    .unwrap()
}

/// `n` sessions of P-0001 (added through the CLI first), in one transaction through the library.
pub fn many_sessions(env: &Env, n: u32) {
    env.add_stroke("P-0001", None);
    let mut store = praxis::store::Store::open(&env.db).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    store
        .write(|tx| {
            for i in 0..n {
                tx.add_session(&praxis::domain::SessionLog {
                    id: 0,
                    patient_code: "P-0001".into(),
                    started_at: (day + chrono::Days::new(u64::from(i / 4)))
                        .and_hms_opt(8 + i % 4, 0, 0)
                        .unwrap(),
                    protocol_id: "task-specific-300".into(),
                    minutes: 45,
                    // Distinct rows, within 60 repetitions a minute (the rules' ceiling).
                    repetitions: 200 + i % 2000,
                    level: Some(3),
                    success_rate: Some(0.7),
                    rpe: Some(5),
                    notes: format!("session {i}"),
                    clinician: None,
                })?;
            }
            Ok(())
        })
        .unwrap();
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn who(user: &str) -> Who {
    Who {
        os_user: user.into(),
        ssh_addr: None,
    }
}

/// A new database in a temporary folder, made by "boss" (admin); the user running the tests is no clinician.
pub fn store_of_boss() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("praxis.db");
    let mut store = Store::open(&path).unwrap();
    let me = store.who().os_user.clone();
    store.add_clinician("boss", "Boss", Role::Admin).unwrap();
    store.set_who(who("boss"));
    store.remove_clinician(&me).unwrap();
    (dir, path, store)
}

/// An assessment of `code` on `instrument`, without assessor or notes (change fields with `..assessment(...)`).
pub fn assessment(code: &str, instrument: &str, score: f64, date: NaiveDate) -> Assessment {
    Assessment {
        id: 0,
        patient_code: code.into(),
        instrument: instrument.into(),
        score,
        date,
        assessor: None,
        notes: String::new(),
        med_state: None,
    }
}

/// A 45-minute session of 100 repetitions of `protocol` for `code` at `at`, with nothing else recorded.
pub fn session(code: &str, protocol: &str, at: chrono::NaiveDateTime) -> SessionLog {
    SessionLog {
        id: 0,
        patient_code: code.into(),
        started_at: at,
        protocol_id: protocol.into(),
        minutes: 45,
        repetitions: 100,
        level: None,
        success_rate: None,
        rpe: None,
        notes: String::new(),
        clinician: None,
    }
}

/// A patient to add: an older adult born 1944, nothing else known, until the methods say otherwise.
pub struct PatientBuilder(Patient);

pub fn patient(code: &str) -> PatientBuilder {
    PatientBuilder(Patient {
        id: 0,
        code: code.into(),
        name: None,
        birth_year: 1944,
        sex: None,
        dominant_hand: None,
        affected_side: None,
        condition: Condition::OlderAdult(OlderAdultFacts::default()),
        notes: String::new(),
        created_at: String::new(),
        updated_at: String::new(),
        version: 0,
    })
}

impl PatientBuilder {
    pub fn name(mut self, name: &str) -> Self {
        self.0.name = Some(name.into());
        self
    }
    pub fn born(mut self, year: i32) -> Self {
        self.0.birth_year = year;
        self
    }
    pub fn sex(mut self, sex: Sex) -> Self {
        self.0.sex = Some(sex);
        self
    }
    pub fn hand(mut self, hand: Hand) -> Self {
        self.0.dominant_hand = Some(hand);
        self
    }
    pub fn affected(mut self, side: Side) -> Self {
        self.0.affected_side = Some(side);
        self
    }
    pub fn condition(mut self, condition: Condition) -> Self {
        self.0.condition = condition;
        self
    }
    pub fn notes(mut self, notes: &str) -> Self {
        self.0.notes = notes.into();
        self
    }
    pub fn version(mut self, version: i64) -> Self {
        self.0.version = version;
        self
    }
    pub fn build(self) -> Patient {
        self.0
    }
}

/// Press a key with no modifier.
pub fn press(app: &mut praxis::tui::app::App, code: KeyCode) {
    app.update(Msg::Term(Event::Key(KeyEvent::new(
        code,
        KeyModifiers::NONE,
    ))));
}

/// Press Ctrl and `ch`.
pub fn ctrl(app: &mut praxis::tui::app::App, ch: char) {
    app.update(Msg::Term(Event::Key(KeyEvent::new(
        KeyCode::Char(ch),
        KeyModifiers::CONTROL,
    ))));
}

/// Type `text`, one key per character.
pub fn typ(app: &mut praxis::tui::app::App, text: &str) {
    for ch in text.chars() {
        press(app, KeyCode::Char(ch));
    }
}

/// The TUI drawn at `w`x`h`, as text lines with trailing spaces trimmed.
pub fn screen(app: &praxis::tui::app::App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
