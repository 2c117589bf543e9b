//! The plan editor on the patient's active plan (or a new plan starting today when there is none): protocol (a
//! choice), start date, goal, status. The same protocol is a versioned update; another protocol is a new plan, so
//! the history shows it.

use chrono::NaiveDate;
use ratatui::text::Span;

use super::draft::{FormDraft, FormKind};
use super::field::{
    Choice, Conflict, FormSpec, Row, Theirs, choice_keys, choice_span, take_theirs, text, texts,
    venum, vname,
};
use crate::domain::rules::{self, Context};
use crate::domain::{Named as _, Plan, PlanStatus};
use crate::tui::data::PatientDetail;
use crate::tui::screen::Cmd;
use crate::tui::theme::Theme;
use crate::tui::widgets::TextField;

const START: usize = 1;
const GOAL: usize = 2;
const STATUS: usize = 3;

#[derive(Debug, Clone)]
pub struct PlanEditor {
    patient_code: String,
    /// The active plan as read (None: the patient has none; saving sets a new one).
    plan: Option<Plan>,
    /// The version someone else saved meanwhile.
    theirs: Option<Plan>,
    /// A new protocol starts on the day the form was opened, unless another start is typed.
    today: Option<NaiveDate>,
    protocol: Choice,
    start: TextField,
    goal: TextField,
    status: TextField,
}

/// Where the cursor starts: the goal.
pub const START_ROW: usize = GOAL;

/// A plan status as typed in the editor.
pub fn plan_status(s: PlanStatus) -> String {
    vname(Some(s))
}

/// The plan editor's row texts, in the order of its rows.
pub fn plan_texts(p: &Plan) -> Vec<String> {
    vec![
        p.protocol_id.clone(),
        p.start_date.to_string(),
        p.goal.clone(),
        plan_status(p.status),
    ]
}

impl PlanEditor {
    /// `protocols`: the library's ids; the plan's own protocol is always a choice, even if the library no longer
    /// has it.
    pub fn new(d: &PatientDetail, mut protocols: Vec<String>, today: NaiveDate) -> PlanEditor {
        if let Some(p) = &d.plan
            && !protocols.contains(&p.protocol_id)
        {
            protocols.insert(0, p.protocol_id.clone());
        }
        let (protocol, start, goal, status) = match &d.plan {
            Some(p) => (
                p.protocol_id.as_str(),
                p.start_date.to_string(),
                p.goal.clone(),
                plan_status(p.status),
            ),
            None => ("", today.to_string(), String::new(), "active".into()),
        };
        let at = protocols.iter().position(|id| id == protocol).unwrap_or(0);
        PlanEditor {
            patient_code: d.patient.code.clone(),
            plan: d.plan.clone(),
            theirs: None,
            today: Some(today),
            protocol: Choice::new(protocols, at),
            start: TextField::new(start),
            goal: TextField::new(goal),
            status: TextField::new(status),
        }
    }

    pub fn from_draft(d: &FormDraft) -> Option<PlanEditor> {
        let [_, start, goal, status] = d.rows()?;
        Some(PlanEditor {
            patient_code: d.patient_code.clone(),
            plan: d.plan.clone(),
            theirs: d.theirs_plan.clone(),
            today: d.opened_on,
            protocol: Choice::new(d.choices.clone(), d.choice),
            start,
            goal,
            status,
        })
    }

    /// The edited plan (the version as read kept, for the store's check), or the bad row and why.
    fn edited(&self, rules: Option<Context<'_>>) -> Result<Plan, (usize, String)> {
        let protocol = self
            .protocol
            .current()
            .map(str::to_string)
            .ok_or_else(|| (0, format!("choose a protocol with {}", choice_keys())))?;
        let typed = text(&self.start);
        let start = NaiveDate::parse_from_str(typed, "%Y-%m-%d")
            .map_err(|_| (START, format!("{typed:?} is not a date; use YYYY-MM-DD")))?;
        let status: PlanStatus = venum(text(&self.status), "status")
            .map_err(|e| (STATUS, e))?
            .ok_or((
                STATUS,
                "status is one of active, completed, stopped".to_string(),
            ))?;
        let mut plan = self.plan.clone().unwrap_or(Plan {
            id: 0,
            patient_code: self.patient_code.clone(),
            protocol_id: protocol.clone(),
            start_date: start,
            goal: String::new(),
            status,
            version: 0,
        });
        plan.protocol_id = protocol;
        plan.start_date = start;
        plan.goal = text(&self.goal).to_string();
        plan.status = status;
        // The protocol is one of the choices (the library's, or the plan's own): only the dates and goal are
        // checked here.
        if let Some(ctx) = rules {
            rules::check_plan(&plan, &ctx.with_protocols(None)).map_err(|e| {
                let i = match e.field {
                    "protocol" => 0,
                    "start" => START,
                    _ => GOAL,
                };
                (i, e.message)
            })?;
        }
        Ok(plan)
    }
}

impl FormSpec for PlanEditor {
    fn kind(&self) -> FormKind {
        FormKind::EditPlan
    }

    fn patient_code(&self) -> &str {
        &self.patient_code
    }

    fn title(&self) -> &'static str {
        "edit plan"
    }

    fn heading(&self) -> String {
        format!(" Edit plan · {} ", self.patient_code)
    }

    fn what(&self) -> &'static str {
        "a plan edit"
    }

    fn rows(&self) -> Vec<Row<'_>> {
        vec![
            Row::choice("Protocol"),
            Row::text("Start date", &self.start),
            Row::text("Goal", &self.goal),
            Row::text("Status", &self.status),
        ]
    }

    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>> {
        vec![
            None,
            Some(&mut self.start),
            Some(&mut self.goal),
            Some(&mut self.status),
        ]
    }

    fn choice(&self) -> Option<&Choice> {
        Some(&self.protocol)
    }

    /// The status is picked from its values, as the other forms' fixed lists are.
    fn options(&self, row: usize) -> Option<Vec<&'static str>> {
        (row == STATUS).then(PlanStatus::names)
    }

    fn note(&self, row: usize, focused: bool) -> Option<String> {
        (row == STATUS && focused).then(|| {
            format!(
                "{} or a letter: {}",
                choice_keys(),
                PlanStatus::names().join(", ")
            )
        })
    }

    /// Completing or stopping the plan ends it: asked first.
    fn ask_first(&self, cmd: &Cmd) -> Option<String> {
        let (Cmd::UpdatePlan(p) | Cmd::SavePlan(p)) = cmd else {
            return None;
        };
        let was = self.plan.as_ref().map(|old| old.status);
        (p.status != PlanStatus::Active && was != Some(p.status)).then(|| {
            format!(
                "setting the plan to {} ends it: {} then has no active plan",
                plan_status(p.status),
                self.patient_code
            )
        })
    }

    /// A new protocol is a new plan, which starts today, not on the old plan's start date (unless the therapist
    /// typed another date); back on the old protocol, the old start comes back.
    fn choose(&mut self, k: usize) -> bool {
        self.protocol.at = k;
        if let (Some(old), Some(today)) = (&self.plan, self.today) {
            let (old_start, today) = (old.start_date.to_string(), today.to_string());
            let new_protocol = self.protocol.current() != Some(old.protocol_id.as_str());
            let typed = text(&self.start).to_string();
            if new_protocol && typed == old_start {
                self.start = TextField::new(today);
            } else if !new_protocol && typed == today {
                self.start = TextField::new(old_start);
            }
        }
        false
    }

    /// Every row's error at once: the first refusal of the plan, and the goal's own check besides (a bad start
    /// date does not hide a goal that is too long).
    fn validate(&self, rules: Option<Context<'_>>) -> Vec<Option<String>> {
        let mut e = vec![None; 4];
        if let Err((i, msg)) = self.edited(rules)
            && let Some(slot) = e.get_mut(i)
        {
            *slot = Some(msg);
        }
        if e[GOAL].is_none() {
            e[GOAL] = rules::check_goal(text(&self.goal)).err().map(|x| x.message);
        }
        if e[START].is_none() {
            let typed = text(&self.start);
            e[START] = NaiveDate::parse_from_str(typed, "%Y-%m-%d")
                .err()
                .map(|_| format!("{typed:?} is not a date; use YYYY-MM-DD"));
        }
        e
    }

    fn build(&self, rules: Option<Context<'_>>) -> Result<Cmd, usize> {
        let plan = self.edited(rules).map_err(|(i, _)| i)?;
        Ok(match &self.plan {
            // Same protocol: a versioned update. A new protocol is a new plan, so the history shows it.
            Some(old) if old.protocol_id == plan.protocol_id => Cmd::UpdatePlan(plan),
            _ => Cmd::SavePlan(plan),
        })
    }

    fn choice_spans(&self, focused: bool, t: &Theme) -> Vec<Span<'static>> {
        let id = self.protocol.current().unwrap_or("?");
        let mut v = vec![choice_span(id.to_string(), focused, t)];
        if self.plan.as_ref().is_some_and(|p| p.protocol_id != id) {
            v.push(Span::styled("  new protocol: saved as a new plan", t.dim()));
        }
        v
    }

    fn conflict(&self) -> Option<Conflict> {
        let theirs = self.theirs.as_ref()?;
        Some(Conflict {
            what: "this plan".into(),
            before: self.plan.as_ref().map(plan_texts).unwrap_or_default(),
            mine: texts(self),
            theirs: plan_texts(theirs),
            mine_version: self.plan.as_ref().map_or(0, |p| p.version),
            their_version: theirs.version,
        })
    }

    fn reapply(&mut self) {
        let Some(theirs) = self.theirs.take() else {
            return;
        };
        let before = self.plan.as_ref().map(plan_texts).unwrap_or_default();
        let new = plan_texts(&theirs);
        let unchanged = take_theirs(self, &before, &new);
        if unchanged.first() == Some(&true)
            && let Some(k) = self
                .protocol
                .ids
                .iter()
                .position(|c| *c == theirs.protocol_id)
        {
            self.protocol.at = k;
        }
        self.plan = Some(theirs);
    }

    fn set_theirs(&mut self, theirs: Theirs) -> bool {
        match theirs {
            Theirs::Plan(p) => {
                self.theirs = Some(p);
                true
            }
            Theirs::Patient(_) => false,
        }
    }

    fn draft(&self) -> FormDraft {
        let protocol = TextField::new(self.protocol.current().unwrap_or_default());
        let mut d = FormDraft::new(
            FormKind::EditPlan,
            &self.patient_code,
            vec![
                protocol,
                self.start.clone(),
                self.goal.clone(),
                self.status.clone(),
            ],
        );
        d.choices = self.protocol.ids.clone();
        d.choice = self.protocol.at;
        d.plan = self.plan.clone();
        d.theirs_plan = self.theirs.clone();
        d.opened_on = self.today;
        d
    }

    fn clone_box(&self) -> Box<dyn FormSpec> {
        Box::new(self.clone())
    }
}
