//! What a TUI test starts from: records written through the real store into a temporary SQLite file, which the app
//! then reads and writes through [`StoreSource`], so every save meets the store's own rules (validation, version
//! checks, one active plan). Only what a test must control and a database cannot give is set here: the demo the `d`
//! key loads, a forecast that waits to be cancelled, and the warnings shown.

use praxis::app::protocols::Library;
use praxis::domain::{Assessment, Patient, Plan, PlanStatus, SessionLog};
use praxis::model::{Cancelled, Comparison, Control, Protocol};
use praxis::store::{Correction, RecordKind, Role, Store};
use praxis::tui::data::{
    Access, Job, PatientDetail, PatientRow, Source, StoreSource, pick_protocols,
};

/// A forecast given by the test in place of the model's.
pub type Forecaster = fn(&PatientDetail, &[Protocol], &Control) -> Result<Comparison, Cancelled>;

/// The records to start from, and what the test controls.
#[derive(Debug, Clone, Default)]
pub struct Fixture {
    pub patients: Vec<Patient>,
    pub assessments: Vec<Assessment>,
    pub sessions: Vec<SessionLog>,
    /// Each becomes its patient's active plan, in this order (a later one closes an earlier one).
    pub plans: Vec<Plan>,
    /// What the `d` key loads into the empty database, in place of the built-in demo.
    pub demo: Option<Box<Fixture>>,
    /// The built-in protocol library; without it the TUI offers no protocol and the store checks only a protocol
    /// id's spelling.
    pub protocols: bool,
    /// Runs instead of the model's forecast.
    pub forecaster: Option<Forecaster>,
    /// Shown instead of the store's warnings about the file.
    pub warnings: Vec<String>,
}

/// The TUI's source on `store` with the built-in protocols only: a test never reads the user's protocol folder.
pub fn store_source(store: Store, today: chrono::NaiveDate) -> StoreSource {
    StoreSource::with_library(store, today, Library::builtin())
}

/// The user every fixture database is used as: its only clinician, an admin.
pub const USER: &str = "clinician";

impl Fixture {
    /// A new database holding these records, opened as [`USER`] for the TUI on `today`.
    pub fn source(self, today: chrono::NaiveDate) -> FixtureSource {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("praxis.db");
        let mut store = open(&path);
        let me = store.who().os_user.clone();
        store.add_clinician(USER, "Clinician", Role::Admin).unwrap();
        store.set_who(super::who(USER));
        store.remove_clinician(&me).unwrap();
        self.write(&mut store);
        let library = if self.protocols {
            Library::builtin()
        } else {
            Library::default()
        };
        FixtureSource {
            inner: StoreSource::with_library(store, today, library),
            path,
            demo: self.demo.map(|d| *d),
            forecaster: self.forecaster,
            warnings: (!self.warnings.is_empty()).then_some(self.warnings),
            _dir: dir,
        }
    }

    /// Add every record through the store, as a user would.
    fn write(&self, store: &mut Store) {
        for p in &self.patients {
            store.add_patient(p).unwrap();
        }
        for a in &self.assessments {
            store.add_assessment(a).unwrap();
        }
        for s in &self.sessions {
            store.add_session(s).unwrap();
        }
        for plan in &self.plans {
            let saved = store.set_plan(plan).unwrap();
            if plan.status != PlanStatus::Active {
                store
                    .update_plan(&Plan {
                        status: plan.status,
                        ..saved
                    })
                    .unwrap();
            }
        }
    }
}

fn open(path: &std::path::Path) -> Store {
    Store::open(path).unwrap()
}

/// The real store's source, with the demo, forecast and warnings of a [`Fixture`].
pub struct FixtureSource {
    inner: StoreSource,
    path: std::path::PathBuf,
    demo: Option<Fixture>,
    forecaster: Option<Forecaster>,
    warnings: Option<Vec<String>>,
    _dir: tempfile::TempDir,
}

impl FixtureSource {
    pub fn store(&self) -> &Store {
        self.inner.store()
    }
}

impl Source for FixtureSource {
    fn data_version(&self) -> anyhow::Result<i64> {
        self.inner.data_version()
    }
    fn list_patients(&self) -> anyhow::Result<Vec<PatientRow>> {
        self.inner.list_patients()
    }
    fn detail(&self, code: &str) -> anyhow::Result<PatientDetail> {
        self.inner.detail(code)
    }
    fn add_assessment(&mut self, a: &Assessment) -> anyhow::Result<Assessment> {
        self.inner.add_assessment(a)
    }
    fn add_session(&mut self, s: &SessionLog) -> anyhow::Result<SessionLog> {
        self.inner.add_session(s)
    }
    /// The fixture's demo, written by another connection (as another process would).
    fn load_demo(&mut self) -> anyhow::Result<()> {
        let demo = self
            .demo
            .take()
            .ok_or_else(|| anyhow::anyhow!("no demo data available"))?;
        let mut other = open(&self.path);
        other.set_who(super::who(USER));
        demo.write(&mut other);
        Ok(())
    }
    fn add_patient(&mut self, p: &Patient) -> anyhow::Result<Patient> {
        self.inner.add_patient(p)
    }
    fn update_patient(&mut self, p: &Patient) -> Result<Patient, praxis::app::AppError> {
        self.inner.update_patient(p)
    }
    fn update_plan(&mut self, plan: &Plan) -> Result<Plan, praxis::app::AppError> {
        self.inner.update_plan(plan)
    }
    fn set_plan(&mut self, plan: &Plan) -> anyhow::Result<Plan> {
        self.inner.set_plan(plan)
    }
    fn protocols(&self) -> Vec<Protocol> {
        self.inner.protocols()
    }
    fn forecast_job(&self, code: &str, protocols: &[String]) -> anyhow::Result<Job> {
        let Some(f) = self.forecaster else {
            return self.inner.forecast_job(code, protocols);
        };
        let detail = self.inner.detail(code)?;
        let chosen = pick_protocols(&self.inner.protocols(), protocols)?;
        Ok(Box::new(move |ctl: &Control| f(&detail, &chosen, ctl)))
    }
    fn access(&self) -> anyhow::Result<Access> {
        self.inner.access()
    }
    fn warnings(&self) -> Vec<String> {
        self.warnings
            .clone()
            .unwrap_or_else(|| self.inner.warnings())
    }
    fn records(&self, code: &str) -> anyhow::Result<Vec<praxis::tui::records::Record>> {
        self.inner.records(code)
    }
    fn correct_record(&mut self, c: &Correction, reason: &str) -> anyhow::Result<i64> {
        self.inner.correct_record(c, reason)
    }
    fn void_record(&mut self, kind: RecordKind, id: i64, reason: &str) -> anyhow::Result<()> {
        self.inner.void_record(kind, id, reason)
    }

    fn progress_job(&self, code: &str) -> anyhow::Result<Option<(chrono::NaiveDate, String, Job)>> {
        self.inner.progress_job(code)
    }

    fn write_report(
        &mut self,
        code: &str,
        kind: praxis::app::report::ReportKind,
        dir: &std::path::Path,
        now: chrono::NaiveDateTime,
    ) -> anyhow::Result<std::path::PathBuf> {
        self.inner.write_report(code, kind, dir, now)
    }
    fn standing_key(&self, code: &str) -> anyhow::Result<Option<String>> {
        self.inner.standing_key(code)
    }
    fn standing_job(
        &self,
        code: &str,
    ) -> anyhow::Result<Option<praxis::app::progress::StandingJob>> {
        self.inner.standing_job(code)
    }
    fn add_goal(&mut self, g: &praxis::domain::Goal) -> anyhow::Result<praxis::domain::Goal> {
        self.inner.add_goal(g)
    }
    fn add_goal_review(
        &mut self,
        r: &praxis::domain::GoalReview,
    ) -> anyhow::Result<praxis::domain::GoalReview> {
        self.inner.add_goal_review(r)
    }
}
