//! Every read and write the TUI makes goes through [`Source`]. Screens never touch the database directly, so the
//! store can be swapped without touching a screen. Tests use the real store too, on a temporary file, so the rules
//! they meet are the store's own.

use chrono::NaiveDate;

use crate::app::AppError;
use crate::domain::{Assessment, Patient, Plan, SessionLog};
use crate::model::{Cancelled, Comparison, Control, ForecastOptions, Protocol};
use crate::store::{Correction, PatientFilter, RecordKind, Store};

/// One line of the patient list: the profile plus what the list needs for its flags (the store's row).
/// A row of the patient list: the brief profile and its activity.
pub type PatientRow = crate::store::PatientRow<crate::store::PatientBrief>;

/// Everything about one patient the overview and the forms show, read at once.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientDetail {
    pub patient: Patient,
    /// Oldest first.
    pub assessments: Vec<Assessment>,
    /// Newest first, at most [`RECENT_SESSIONS`].
    pub sessions: Vec<SessionLog>,
    pub plan: Option<Plan>,
    /// The patient's goals, their latest GAS levels and the T-score.
    pub goals: crate::app::goals::GoalList,
}

impl PatientDetail {
    /// Day 0 of the patient's forecasts: the date of the latest assessment.
    pub fn day0(&self) -> Option<NaiveDate> {
        self.assessments.iter().map(|a| a.date).max()
    }

    /// The active plan, when it is already on `protocol`.
    pub fn plan_on(&self, protocol: &str) -> Option<&Plan> {
        self.plan.as_ref().filter(|p| p.protocol_id == protocol)
    }
}

/// Who is using the TUI and what the store lets them do (the store enforces it; the TUI only avoids offering what
/// would be refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The OS user the store acts as.
    pub user: String,
    /// Their role in this database; `None`: not a clinician here (they can read, not write).
    pub role: Option<crate::store::Role>,
}

impl Access {
    pub fn can_write(&self) -> bool {
        self.role.is_some_and(crate::store::Role::can_write)
    }

    /// May correct or void a record that `created_by` entered (the store's rule, [`crate::store::Role::may_amend`]).
    pub fn may_amend(&self, created_by: Option<&str>) -> bool {
        self.role
            .is_some_and(|r| r.may_amend(&self.user, created_by))
    }

    /// "kim (therapist)", "visitor (not a clinician here)".
    pub fn label(&self) -> String {
        match self.role {
            Some(r) => format!("{} ({})", self.user, r.name()),
            None => format!("{} (not a clinician here)", self.user),
        }
    }

    /// For a user who cannot write, one line: they can only read, and the command an admin runs to change that.
    pub fn read_only_notice(&self) -> Option<String> {
        match self.role {
            _ if self.can_write() => None,
            None => Some(format!(
                "read-only: ask an admin: praxis clinician add {} --role therapist",
                self.user
            )),
            Some(_) => Some(format!(
                "read-only: ask an admin: praxis clinician set-role {} therapist",
                self.user
            )),
        }
    }

    /// Who the user is and what they may do, in full.
    pub fn explain(&self) -> String {
        match self.role {
            None => format!(
                "You are {u}, who is not a clinician in this database: you can read every record but not add or \
                 change one. An admin can give you the therapist role with: praxis clinician add {u} --role therapist",
                u = self.user
            ),
            Some(r) if !r.can_write() => format!(
                "You are {u}, with the readonly role in this database: you can read every record but not add or \
                 change one. An admin can give you the therapist role with: praxis clinician set-role {u} therapist",
                u = self.user
            ),
            Some(r) => format!(
                "You are {}, with the {} role in this database: you can add and change records.",
                self.user,
                r.name()
            ),
        }
    }
}

/// Monte Carlo draws per protocol in a TUI forecast.
pub const FORECAST_DRAWS: u32 = crate::app::forecast::FORECAST_DRAWS;

/// How many recent sessions the overview reads.
pub const RECENT_SESSIONS: usize = 20;

/// The TUI's view of the database.
pub trait Source {
    /// Changes whenever anyone (this process or another) commits; the TUI refreshes when it moves.
    fn data_version(&self) -> anyhow::Result<i64>;
    /// All patients, ordered by code.
    fn list_patients(&self) -> anyhow::Result<Vec<PatientRow>>;
    fn detail(&self, code: &str) -> anyhow::Result<PatientDetail>;
    fn add_assessment(&mut self, a: &Assessment) -> anyhow::Result<Assessment>;
    fn add_session(&mut self, s: &SessionLog) -> anyhow::Result<SessionLog>;
    /// Fill an empty database with the demo patients.
    fn load_demo(&mut self) -> anyhow::Result<()>;
    fn add_patient(&mut self, p: &Patient) -> anyhow::Result<Patient>;
    /// Save an edited patient if nobody saved it since `p.version` was read; else
    /// [`AppError::PatientConflict`] with both versions.
    fn update_patient(&mut self, p: &Patient) -> Result<Patient, AppError>;
    /// Save an edited plan (start date, goal, status) if nobody saved it since `plan.version` was read; else
    /// [`AppError::PlanConflict`] with both versions.
    fn update_plan(&mut self, plan: &Plan) -> Result<Plan, AppError>;
    /// Make `plan` the patient's active plan (the previous one is closed).
    fn set_plan(&mut self, plan: &Plan) -> anyhow::Result<Plan>;
    /// The protocol library.
    fn protocols(&self) -> Vec<Protocol>;
    /// Prepare a comparison of `protocols` (ids) for a patient: the slow part runs later, on a worker thread.
    fn forecast_job(&self, code: &str, protocols: &[String]) -> anyhow::Result<Job>;
    /// Who the user is and their role here (read again on every refresh: an admin may change it meanwhile).
    fn access(&self) -> anyhow::Result<Access>;
    /// Problems with the database file the user should fix (e.g. readable by every user), each with the fix.
    fn warnings(&self) -> Vec<String>;
    /// A patient's goals and their GAS reviews, then their assessments and sessions oldest first, each with its
    /// standing, corrected and voided ones too.
    fn records(&self, code: &str) -> anyhow::Result<Vec<super::records::Record>>;
    /// Correct a record (see [`crate::store::Store::correct_record`]); returns the new record's id.
    fn correct_record(&mut self, c: &Correction, reason: &str) -> anyhow::Result<i64>;
    /// Void a record entered in error (see [`crate::store::Store::void_record`]).
    fn void_record(&mut self, kind: RecordKind, id: i64, reason: &str) -> anyhow::Result<()>;
    /// Prepare the forecast of the patient's active plan from its start (issue 14.3): its day 0 and the job, which
    /// runs on a worker thread; `None` without an active plan or assessments.
    fn progress_job(&self, code: &str) -> anyhow::Result<Option<(NaiveDate, String, Job)>>;
    /// Write the patient's progress report into the folder `dir` as of `now` (audited like an export); returns the
    /// file's path.
    fn write_report(
        &mut self,
        code: &str,
        kind: crate::app::report::ReportKind,
        dir: &std::path::Path,
        now: chrono::NaiveDateTime,
    ) -> anyhow::Result<std::path::PathBuf>;
    /// What the patient's standing against the plan's forecast depends on (their records' version, the plan, the
    /// protocol library), cheap to read for every listed patient; `None` without an active plan.
    fn standing_key(&self, code: &str) -> anyhow::Result<Option<String>>;
    /// Prepare the patient's standing against the plan's forecast; the slow part runs on a worker thread.
    fn standing_job(&self, code: &str)
    -> anyhow::Result<Option<crate::app::progress::StandingJob>>;
    /// Add a goal to the patient's active plan (checked as `praxis goal add` checks it).
    fn add_goal(&mut self, g: &crate::domain::Goal) -> anyhow::Result<crate::domain::Goal>;
    /// Record a GAS level for a goal (checked as `praxis goal review` checks it).
    fn add_goal_review(
        &mut self,
        r: &crate::domain::GoalReview,
    ) -> anyhow::Result<crate::domain::GoalReview>;
}

/// A forecast or comparison ready to run off the UI thread; it checks `Control` for cancellation and progress.
pub type Job = Box<dyn FnOnce(&Control) -> Result<Comparison, Cancelled> + Send>;

/// The protocols named by `ids`, in that order; an unknown id is an error that names it.
pub fn pick_protocols(all: &[Protocol], ids: &[String]) -> anyhow::Result<Vec<Protocol>> {
    ids.iter()
        .map(|id| {
            all.iter()
                .find(|p| &p.id == id)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("unknown protocol {id:?}"))
        })
        .collect()
}

/// The real database.
pub struct StoreSource {
    store: Store,
    /// "Today" for the demo's dates.
    today: NaiveDate,
    library: crate::app::protocols::Library,
    /// A fingerprint of the library's protocols: a forecast cached under it is of this library.
    library_print: u64,
}

impl StoreSource {
    /// With the built-in protocols and the user's protocol folder.
    pub fn new(store: Store, today: NaiveDate) -> StoreSource {
        Self::with_library(store, today, crate::app::protocols::Library::load())
    }

    pub fn with_library(
        mut store: Store,
        today: NaiveDate,
        library: crate::app::protocols::Library,
    ) -> StoreSource {
        store.set_protocols(library.rules());
        let library_print = {
            use std::hash::{Hash as _, Hasher as _};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for p in library.protocols() {
                format!("{p:?}").hash(&mut h);
            }
            h.finish()
        };
        StoreSource {
            store,
            today,
            library,
            library_print,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl Source for StoreSource {
    fn data_version(&self) -> anyhow::Result<i64> {
        Ok(self.store.data_version()?)
    }

    fn list_patients(&self) -> anyhow::Result<Vec<PatientRow>> {
        Ok(self.store.list_briefs(&PatientFilter::default())?)
    }

    fn detail(&self, code: &str) -> anyhow::Result<PatientDetail> {
        Ok(PatientDetail {
            patient: self.store.patient(code)?,
            assessments: self.store.assessments(code)?,
            sessions: self.store.sessions(code, Some(RECENT_SESSIONS))?,
            plan: self.store.active_plan(code)?,
            goals: crate::app::goals::list(&self.store, code)?,
        })
    }

    fn add_assessment(&mut self, a: &Assessment) -> anyhow::Result<Assessment> {
        Ok(self.store.add_assessment(a)?)
    }

    fn add_session(&mut self, s: &SessionLog) -> anyhow::Result<SessionLog> {
        Ok(self.store.add_session(s)?)
    }

    fn load_demo(&mut self) -> anyhow::Result<()> {
        crate::app::demo::load_at(&mut self.store, self.today)?;
        Ok(())
    }

    fn add_patient(&mut self, p: &Patient) -> anyhow::Result<Patient> {
        Ok(self.store.add_patient(p)?)
    }

    fn update_patient(&mut self, p: &Patient) -> Result<Patient, AppError> {
        crate::app::patients::update(&mut self.store, p)
    }

    fn update_plan(&mut self, plan: &Plan) -> Result<Plan, AppError> {
        crate::app::patients::update_plan(&mut self.store, plan)
    }

    fn set_plan(&mut self, plan: &Plan) -> anyhow::Result<Plan> {
        Ok(self.store.set_plan(plan)?)
    }

    fn protocols(&self) -> Vec<Protocol> {
        self.library.protocols().cloned().collect()
    }

    fn forecast_job(&self, code: &str, protocols: &[String]) -> anyhow::Result<Job> {
        // The sessions already logged are earlier practice, as in `praxis simulate --patient`.
        let mut scenario =
            crate::app::forecast::patient_scenario(&self.store, &self.library, code, None)?;
        // The summary's follow-up is the screen's first one, the nearest goal's date or 3 months (the screen moves
        // it without a new run).
        let day = crate::app::forecast::default_follow_up(&scenario);
        crate::app::forecast::set_follow_up(&mut scenario, day)?;
        let chosen = pick_protocols(&self.protocols(), protocols)?;
        let opts = ForecastOptions {
            draws: FORECAST_DRAWS,
            seed: 1,
        };
        Ok(Box::new(move |ctl: &Control| {
            crate::app::forecast::compare_with(&scenario, &chosen, opts, ctl)
        }))
    }

    fn access(&self) -> anyhow::Result<Access> {
        Ok(Access {
            user: self.store.who().os_user.clone(),
            role: self.store.role()?,
        })
    }

    fn warnings(&self) -> Vec<String> {
        self.store.warnings().to_vec()
    }

    fn records(&self, code: &str) -> anyhow::Result<Vec<super::records::Record>> {
        use super::records::{Entry, Record};
        let goals = self
            .store
            .goal_records(code)?
            .into_iter()
            .map(|(g, meta)| Record {
                entry: Entry::Goal(g),
                meta,
            });
        let reviews = self
            .store
            .goal_review_records(code)?
            .into_iter()
            .map(|(r, meta)| Record {
                entry: Entry::Review(r),
                meta,
            });
        let history = self
            .store
            .history_records(code, true)?
            .into_iter()
            .map(Record::from);
        Ok(goals.chain(reviews).chain(history).collect())
    }

    fn correct_record(&mut self, c: &Correction, reason: &str) -> anyhow::Result<i64> {
        Ok(self.store.correct_record(c, reason)?)
    }

    fn void_record(&mut self, kind: RecordKind, id: i64, reason: &str) -> anyhow::Result<()> {
        self.store.void_record(kind, id, reason)?;
        Ok(())
    }

    fn standing_key(&self, code: &str) -> anyhow::Result<Option<String>> {
        let Some(plan) = self.store.active_plan(code)? else {
            return Ok(None);
        };
        Ok(Some(format!(
            "{code}|{}|plan {} {} {}|library {:x}",
            self.store.records_version(code)?,
            plan.id,
            plan.protocol_id,
            plan.start_date,
            self.library_print
        )))
    }

    fn standing_job(
        &self,
        code: &str,
    ) -> anyhow::Result<Option<crate::app::progress::StandingJob>> {
        Ok(crate::app::progress::standing_job(
            &self.store,
            &self.library,
            code,
        )?)
    }

    fn add_goal(&mut self, g: &crate::domain::Goal) -> anyhow::Result<crate::domain::Goal> {
        Ok(crate::app::goals::add(
            &mut self.store,
            &g.patient_code,
            &g.instrument,
            g.target,
            g.by,
            &g.text,
        )?)
    }

    fn add_goal_review(
        &mut self,
        r: &crate::domain::GoalReview,
    ) -> anyhow::Result<crate::domain::GoalReview> {
        let (r, _) = crate::app::goals::review(
            &mut self.store,
            &r.patient_code,
            r.goal_id,
            r.level,
            r.date,
            &r.notes,
        )?;
        Ok(r)
    }

    fn progress_job(&self, code: &str) -> anyhow::Result<Option<(NaiveDate, String, Job)>> {
        let Some(pf) = crate::app::progress::plan_forecast(&self.store, &self.library, code)?
        else {
            return Ok(None);
        };
        // What the forecast was built on, for the cache: the plan, its start and day 0.
        let what = format!(
            "plan-from-start:{}:{}:{}",
            pf.plan.id, pf.plan.start_date, pf.day0
        );
        let (scenario, protocol) = (pf.scenario, pf.protocol);
        Ok(Some((
            pf.day0,
            what,
            Box::new(move |ctl: &Control| {
                crate::app::forecast::compare_with(
                    &scenario,
                    std::slice::from_ref(&protocol),
                    crate::app::progress::options(),
                    ctl,
                )
            }),
        )))
    }

    fn write_report(
        &mut self,
        code: &str,
        kind: crate::app::report::ReportKind,
        dir: &std::path::Path,
        now: chrono::NaiveDateTime,
    ) -> anyhow::Result<std::path::PathBuf> {
        use crate::app::report::{self, Options};
        let rep = report::build(
            &self.store,
            &self.library,
            code,
            Options::new(kind, false),
            now,
        )?;
        let path = dir.join(report::file_name(code, kind, now));
        report::write(&mut self.store, &rep, &path)?;
        Ok(path)
    }
}
