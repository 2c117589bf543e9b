//! FHIR R4 export: one patient's (or every patient's) record as a Bundle of type `collection` — Patient, Condition,
//! an Observation per assessment, a Procedure per therapy session, a CarePlan per plan and a Goal per goal.
//!
//! Codes: LOINC only where the code was checked against LOINC's own pages or a published HL7 implementation guide
//! ([`LOINC`]); every Observation also carries Praxis's own instrument code ([`INSTRUMENT_SYSTEM`]), which the
//! import reads first. Conditions carry SNOMED CT where the concept is certain ([`snomed`]) and text always.
//!
//! Records are corrected or voided, never deleted: a voided assessment or session is exported with status
//! `entered-in-error`, the current version of a corrected assessment as `amended`; the versions a correction
//! replaced are left out (the new version stands for them).
//!
//! Pseudonymised (`--pseudonymised`), as the CSV export: the pseudonym instead of the code, no name, notes, assessors,
//! clinicians or free-text goals; the birth year as its 5-year band, and exact dates as day numbers from the
//! patient's day 0 in a Praxis extension ([`DAY_EXTENSION`]).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, TimeZone as _};
use serde_json::{Map, Value, json};
use sha2::Digest as _;

use super::pseudonym::{birth_band, day_number, exported_code, pseudonymise_facts};
use super::write_private;
use crate::app::AppError;
use crate::domain::{
    Assessment, Condition, Goal, GoalReview, MedState, Patient, PlanStatus, SessionLog, Sex,
};
use crate::instruments::{self, Direction, Instrument};
use crate::store::export::ExportData;
use crate::store::{HistoryEntry, PatientFilter, PlanRecord, RecordStatus, Store, StoreError};

/// Praxis's code system for its instruments: the code is the instrument id (`fma_ue`, `bbs`, ...).
pub const INSTRUMENT_SYSTEM: &str = "https://praxis.example/fhir/CodeSystem/instrument";
/// Praxis's code system for protocols: the code is the protocol id.
pub const PROTOCOL_SYSTEM: &str = "https://praxis.example/fhir/CodeSystem/protocol";
/// Praxis's code system for the medication state of an MDS-UPDRS III (`on`, `off`), and the component's code.
pub const MED_STATE_SYSTEM: &str = "https://praxis.example/fhir/CodeSystem/medication-state";
/// The identifier system of patient codes (`P-0107`).
pub const PATIENT_CODE_SYSTEM: &str = "https://praxis.example/fhir/NamingSystem/patient-code";
/// The identifier system of the pseudonyms of pseudonymised exports (`S-...`).
pub const PSEUDONYM_SYSTEM: &str = "https://praxis.example/fhir/NamingSystem/patient-pseudonym";
/// Pseudonymised exports: days from the patient's day 0, in place of a date (valueInteger).
pub const DAY_EXTENSION: &str = "https://praxis.example/fhir/StructureDefinition/day-number";
/// Pseudonymised exports: the 5-year band of the birth year (valueString), in place of `birthDate`.
pub const BIRTH_BAND_EXTENSION: &str =
    "https://praxis.example/fhir/StructureDefinition/birth-years";
/// A session's dose and progress, as extensions of its Procedure.
pub const SESSION_EXTENSION: &str = "https://praxis.example/fhir/StructureDefinition/session-";
/// Why a record was voided or corrected (valueString), kept apart from the notes so an import does not take it for
/// one. Left out when pseudonymised (free text).
pub const STATUS_REASON_EXTENSION: &str =
    "https://praxis.example/fhir/StructureDefinition/status-reason";
/// A goal's latest Goal Attainment Scaling level (-2..+2, valueInteger).
pub const GAS_EXTENSION: &str = "https://praxis.example/fhir/StructureDefinition/gas-level";

pub const LOINC_SYSTEM: &str = "http://loinc.org";
pub const SNOMED_SYSTEM: &str = "http://snomed.info/sct";
pub const UCUM_SYSTEM: &str = "http://unitsofmeasure.org";

/// LOINC codes of the instruments that have one, with LOINC's display name. Each was checked (November 2026):
/// - 89423-8 "Time to rise from chair, walk 10 feet and back, and return to sitting [TUG]", unit s: loinc.org's
///   panel 89422-0 lists it;
/// - 72172-0 "Total score [MoCA]": the Observation `obs-response-moca` of HL7's MCC eCare Plan IG (R4) codes it so;
/// - 75859-9 "Modified rankin scale": the mRS Observation of the TW VGH Stroke IG and HL7's EvidenceVariable
///   examples (`75859-9|LOINC`) code it so.
///
/// The Berg Balance Scale, FMA, ARAT, BBT, 9HPT, 10MWT, MDS-UPDRS III, H&Y, SARA, Barthel and MAL have LOINC codes
/// too, but none could be confirmed from a source here, so they use Praxis's code only: a wrong LOINC code is worse
/// than none.
pub const LOINC: [(&str, &str, &str); 3] = [
    (
        "tug_s",
        "89423-8",
        "Time to rise from chair, walk 10 feet and back, and return to sitting [TUG]",
    ),
    ("moca", "72172-0", "Total score [MoCA]"),
    ("mrs", "75859-9", "Modified rankin scale"),
];

/// The LOINC code of an instrument, if it has a confirmed one.
pub fn loinc_of(instrument: &str) -> Option<(&'static str, &'static str)> {
    LOINC
        .iter()
        .find(|(id, _, _)| *id == instrument)
        .map(|(_, code, display)| (*code, *display))
}

/// The instrument with this LOINC code, if Praxis maps one.
pub fn instrument_of_loinc(code: &str) -> Option<&'static str> {
    LOINC
        .iter()
        .find(|(_, c, _)| *c == code)
        .map(|(id, _, _)| *id)
}

/// SNOMED CT concept and the condition's name (always given as the code's text). Only concepts whose code is
/// certain: 230690007 Cerebrovascular accident, 49049000 Parkinson's disease, 129839007 At risk for falls. Cerebellar
/// ataxia has text only.
fn snomed(c: &Condition) -> (Option<(&'static str, &'static str)>, &'static str) {
    match c {
        Condition::Stroke(_) => (Some(("230690007", "Cerebrovascular accident")), "Stroke"),
        Condition::Parkinsons(_) => (
            Some(("49049000", "Parkinson's disease")),
            "Parkinson's disease",
        ),
        Condition::CerebellarAtaxia(_) => (None, "Cerebellar ataxia"),
        Condition::OlderAdult(_) => (
            Some(("129839007", "At risk for falls")),
            "Older adult at risk of falls",
        ),
    }
}

/// The UCUM code of an instrument's unit: scores are unitless annotations (`{score}`), times and speeds SI units.
pub fn ucum(inst: &Instrument) -> &'static str {
    match inst.unit {
        "s" => "s",
        "m/s" => "m/s",
        "blocks/60 s" => "{blocks}/min",
        "stage" => "{stage}",
        "grade" => "{grade}",
        _ => "{score}",
    }
}

/// Everything of one patient that goes into the Bundle, read from the store.
#[derive(Debug, Clone)]
pub struct PatientRecords {
    pub patient: Patient,
    /// Assessments and sessions with their standing (corrected-away versions included; the export skips them).
    pub history: Vec<crate::store::HistoryRecord>,
    pub plans: Vec<PlanRecord>,
    pub goals: Vec<Goal>,
    pub reviews: Vec<GoalReview>,
}

/// Read `code`'s records (or every patient's, by code).
pub fn read(store: &Store, code: Option<&str>) -> Result<Vec<PatientRecords>, AppError> {
    let codes: Vec<String> = match code {
        Some(c) => vec![store.patient(c)?.code],
        None => store
            .list_patients(&PatientFilter::default())?
            .into_iter()
            .map(|r| r.patient.code)
            .collect(),
    };
    let mut out = Vec::with_capacity(codes.len());
    for c in codes {
        out.push(PatientRecords {
            patient: store.patient(&c)?,
            history: store.history_records(&c, true)?,
            plans: store.plan_records(&c)?,
            goals: store.goals(&c)?,
            reviews: store.goal_reviews(&c)?,
        });
    }
    Ok(out)
}

/// The number of resources the Bundle of `records` holds.
pub fn count(records: &[PatientRecords]) -> usize {
    records
        .iter()
        .map(|r| {
            2 + r
                .history
                .iter()
                .filter(|h| h.meta.status != RecordStatus::Corrected)
                .count()
                + r.plans
                    .iter()
                    .filter(|p| p.record_status != RecordStatus::Corrected)
                    .count()
                + r.goals.len()
        })
        .sum()
}

/// A stable `urn:uuid:` for a resource: SHA-256 of the patient's exported code (the pseudonym when pseudonymised,
/// so the ids tell nothing more than it does) and the resource's place, laid out as a UUID (version 8, RFC 9562).
fn uuid(key: &str, what: &str) -> String {
    let h = sha2::Sha256::digest(format!("praxis/{key}/{what}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// One patient's resources being built: ids, references, and the pseudonymisation if any.
struct Builder<'a> {
    /// The exported code: the patient's code, or pseudonym.
    key: String,
    code: &'a str,
    pseudo: Option<&'a ExportData>,
    entries: Vec<Value>,
    /// Why each corrected record was corrected, by kind ('a' assessment, 's' session) and id.
    corrections: BTreeMap<(char, i64), String>,
}

impl Builder<'_> {
    fn id(&self, what: &str) -> String {
        uuid(&self.key, what)
    }

    fn patient_ref(&self) -> Value {
        json!({ "reference": format!("urn:uuid:{}", self.id("patient")) })
    }

    fn push(&mut self, what: &str, mut resource: Value) {
        let id = self.id(what);
        if let Some(o) = resource.as_object_mut() {
            o.insert("id".into(), id.clone().into());
        }
        self.entries.push(json!({
            "fullUrl": format!("urn:uuid:{id}"),
            "resource": resource,
        }));
    }

    /// A date as `key` (e.g. `effectiveDateTime`), or, pseudonymised, as the day-number extension.
    fn date(&self, o: &mut Map<String, Value>, key: &str, date: NaiveDate) {
        match self.pseudo {
            None => {
                o.insert(key.into(), date.to_string().into());
            }
            Some(data) => add_extension(
                o,
                DAY_EXTENSION,
                "valueInteger",
                day_number(&data.day_zero, self.code, date),
            ),
        }
    }

    /// Free text a user typed: kept unless pseudonymised, never empty.
    fn text(&self, t: &str) -> Option<String> {
        (self.pseudo.is_none() && !t.trim().is_empty()).then(|| t.to_string())
    }
}

fn add_extension(o: &mut Map<String, Value>, url: &str, key: &str, value: Value) {
    if value.is_null() {
        return;
    }
    let ext = json!({ "url": url, key: value });
    match o.get_mut("extension").and_then(Value::as_array_mut) {
        Some(list) => list.push(ext),
        None => {
            o.insert("extension".into(), json!([ext]));
        }
    }
}

fn note(texts: &[Option<String>]) -> Option<Value> {
    let notes: Vec<Value> = texts
        .iter()
        .flatten()
        .map(|t| json!({ "text": t }))
        .collect();
    (!notes.is_empty()).then_some(Value::Array(notes))
}

/// The instrument as a CodeableConcept: LOINC (when confirmed) and Praxis's code, with its name as text.
fn instrument_concept(inst: &Instrument) -> Value {
    let mut coding = Vec::new();
    if let Some((code, display)) = loinc_of(inst.id) {
        coding.push(json!({ "system": LOINC_SYSTEM, "code": code, "display": display }));
    }
    coding.push(json!({ "system": INSTRUMENT_SYSTEM, "code": inst.id, "display": inst.short }));
    json!({ "coding": coding, "text": inst.name })
}

fn quantity(inst: &Instrument, value: f64) -> Value {
    json!({
        "value": value,
        "unit": inst.unit,
        "system": UCUM_SYSTEM,
        "code": ucum(inst),
    })
}

fn patient_resource(b: &Builder<'_>, p: &Patient) -> Value {
    let mut o = Map::new();
    o.insert("resourceType".into(), "Patient".into());
    let (system, value) = match b.pseudo {
        None => (PATIENT_CODE_SYSTEM, p.code.clone()),
        Some(_) => (PSEUDONYM_SYSTEM, b.key.clone()),
    };
    o.insert(
        "identifier".into(),
        json!([{ "use": "usual", "system": system, "value": value }]),
    );
    if let Some(sex) = p.sex {
        let gender = match sex {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        };
        o.insert("gender".into(), gender.into());
    }
    match b.pseudo {
        None => {
            if let Some(name) = p.name.as_deref().filter(|n| !n.trim().is_empty()) {
                o.insert("name".into(), json!([{ "text": name }]));
            }
            // FHIR's `date` allows a year alone: Praxis keeps only the birth year.
            o.insert("birthDate".into(), format!("{:04}", p.birth_year).into());
        }
        Some(_) => add_extension(
            &mut o,
            BIRTH_BAND_EXTENSION,
            "valueString",
            birth_band(p.birth_year).into(),
        ),
    }
    Value::Object(o)
}

/// The condition's facts as readable text (`stroke_type: ischaemic; nihss: 8`), pseudonymised like the CSV's.
fn facts_text(b: &Builder<'_>, p: &Patient) -> Option<String> {
    let mut v = serde_json::to_value(&p.condition).ok()?;
    let o = v.as_object_mut()?;
    o.remove("kind");
    if let Some(data) = b.pseudo {
        pseudonymise_facts(&mut v, b.code, &data.day_zero);
    }
    let parts: Vec<String> = v
        .as_object()?
        .iter()
        .filter(|(_, x)| !x.is_null())
        .map(|(k, x)| match x {
            Value::String(s) => format!("{k}: {s}"),
            other => format!("{k}: {other}"),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn condition_resource(b: &Builder<'_>, p: &Patient) -> Value {
    let (code, text) = snomed(&p.condition);
    let mut concept = Map::new();
    if let Some((c, display)) = code {
        concept.insert(
            "coding".into(),
            json!([{ "system": SNOMED_SYSTEM, "code": c, "display": display }]),
        );
    }
    concept.insert("text".into(), text.into());
    let mut o = Map::new();
    o.insert("resourceType".into(), "Condition".into());
    o.insert(
        "clinicalStatus".into(),
        json!({ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"
        }] }),
    );
    o.insert("code".into(), Value::Object(concept));
    o.insert("subject".into(), b.patient_ref());
    if let Condition::Stroke(f) = &p.condition
        && let Some(onset) = f.onset_date
    {
        b.date(&mut o, "onsetDateTime", onset);
    }
    if let Some(n) = note(&[facts_text(b, p)]) {
        o.insert("note".into(), n);
    }
    Value::Object(o)
}

/// The medication state of an MDS-UPDRS III, as a component coded in Praxis's medication-state system.
fn med_state_component(state: MedState) -> Value {
    let code: &str = match state {
        MedState::On => "on",
        MedState::Off => "off",
    };
    json!({
        "code": {
            "coding": [{ "system": MED_STATE_SYSTEM, "code": "medication-state" }],
            "text": "Medication state at assessment"
        },
        "valueCodeableConcept": {
            "coding": [{ "system": MED_STATE_SYSTEM, "code": code, "display": state.label() }],
            "text": state.label()
        }
    })
}

/// Why a record was voided or corrected, as [`STATUS_REASON_EXTENSION`]. A correction's reason is kept on the
/// version it replaced, which [`Builder::corrections`] holds.
fn status_reason(
    b: &Builder<'_>,
    o: &mut Map<String, Value>,
    kind: char,
    meta: &crate::store::RecordMeta,
) {
    let reason = match meta.supersedes {
        Some(old) if meta.status == RecordStatus::Current => {
            b.corrections.get(&(kind, old)).cloned()
        }
        _ => meta.reason.clone(),
    };
    let Some(why) = b.text(reason.as_deref().unwrap_or_default()) else {
        return;
    };
    let text = match meta.status {
        RecordStatus::Voided => format!("Entered in error: {why}"),
        _ if meta.supersedes.is_some() => format!("Corrected: {why}"),
        _ => return,
    };
    add_extension(o, STATUS_REASON_EXTENSION, "valueString", text.into());
}

fn observation_resource(
    b: &Builder<'_>,
    a: &Assessment,
    meta: &crate::store::RecordMeta,
) -> Result<Value, AppError> {
    let inst = instruments::get(&a.instrument)
        .map_err(|e| AppError::ExportRender(format!("assessment {}: {e}", a.id)))?;
    let status = match meta.status {
        RecordStatus::Voided => "entered-in-error",
        _ if meta.supersedes.is_some() => "amended",
        _ => "final",
    };
    let mut o = Map::new();
    o.insert("resourceType".into(), "Observation".into());
    o.insert("status".into(), status.into());
    o.insert("code".into(), instrument_concept(inst));
    o.insert("subject".into(), b.patient_ref());
    b.date(&mut o, "effectiveDateTime", a.date);
    if let Some(who) = a.assessor.as_deref().and_then(|w| b.text(w)) {
        o.insert("performer".into(), json!([{ "display": who }]));
    }
    o.insert("valueQuantity".into(), quantity(inst, a.score));
    status_reason(b, &mut o, 'a', meta);
    if let Some(n) = note(&[b.text(&a.notes)]) {
        o.insert("note".into(), n);
    }
    if let Some(state) = a.med_state {
        o.insert("component".into(), json!([med_state_component(state)]));
    }
    Ok(Value::Object(o))
}

/// A moment as FHIR's dateTime, which needs a time zone once it has a time: the clinic's local zone.
fn local_instant(t: NaiveDateTime) -> String {
    match chrono::Local.from_local_datetime(&t).earliest() {
        Some(z) => z.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        // A time skipped by a clock change: the day is still right.
        None => t.date().to_string(),
    }
}

fn procedure_resource(b: &Builder<'_>, s: &SessionLog, meta: &crate::store::RecordMeta) -> Value {
    let mut o = Map::new();
    o.insert("resourceType".into(), "Procedure".into());
    let ext = |name: &str| format!("{SESSION_EXTENSION}{name}");
    add_extension(&mut o, &ext("minutes"), "valueInteger", s.minutes.into());
    add_extension(
        &mut o,
        &ext("repetitions"),
        "valueInteger",
        s.repetitions.into(),
    );
    add_extension(
        &mut o,
        &ext("protocol"),
        "valueString",
        s.protocol_id.clone().into(),
    );
    if let Some(level) = s.level {
        add_extension(&mut o, &ext("level"), "valueInteger", level.into());
    }
    if let Some(rate) = s.success_rate {
        add_extension(&mut o, &ext("success-rate"), "valueDecimal", rate.into());
    }
    if let Some(rpe) = s.rpe {
        add_extension(&mut o, &ext("rpe"), "valueInteger", rpe.into());
    }
    let status = match meta.status {
        RecordStatus::Voided => "entered-in-error",
        _ => "completed",
    };
    o.insert("status".into(), status.into());
    o.insert(
        "category".into(),
        json!({ "text": "Rehabilitation therapy session" }),
    );
    o.insert(
        "code".into(),
        json!({
            "coding": [{ "system": PROTOCOL_SYSTEM, "code": s.protocol_id }],
            "text": format!("Therapy session, protocol {}", s.protocol_id)
        }),
    );
    o.insert("subject".into(), b.patient_ref());
    match b.pseudo {
        None => {
            let end = s.started_at + chrono::Duration::minutes(i64::from(s.minutes));
            o.insert(
                "performedPeriod".into(),
                json!({ "start": local_instant(s.started_at), "end": local_instant(end) }),
            );
        }
        Some(_) => b.date(&mut o, "performedDateTime", s.started_at.date()),
    }
    if let Some(who) = s.clinician.as_deref().and_then(|w| b.text(w)) {
        o.insert("performer".into(), json!([{ "actor": { "display": who } }]));
    }
    status_reason(b, &mut o, 's', meta);
    if let Some(n) = note(&[b.text(&s.notes)]) {
        o.insert("note".into(), n);
    }
    Value::Object(o)
}

fn care_plan_resource(b: &Builder<'_>, p: &PlanRecord, goals: &[(i64, String)]) -> Value {
    let plan = &p.plan;
    let status = match (p.record_status, plan.status) {
        (RecordStatus::Voided, _) => "entered-in-error",
        (_, PlanStatus::Active) => "active",
        (_, PlanStatus::Completed) => "completed",
        (_, PlanStatus::Stopped) => "revoked",
    };
    let mut o = Map::new();
    o.insert("resourceType".into(), "CarePlan".into());
    o.insert("status".into(), status.into());
    o.insert("intent".into(), "plan".into());
    o.insert(
        "title".into(),
        format!("Rehabilitation plan, protocol {}", plan.protocol_id).into(),
    );
    if let Some(goal) = b.text(&plan.goal) {
        o.insert("description".into(), goal.into());
    }
    o.insert("subject".into(), b.patient_ref());
    let mut period = Map::new();
    b.date(&mut period, "start", plan.start_date);
    if period.contains_key("start") {
        o.insert("period".into(), Value::Object(period));
    } else if let Some(ext) = period.remove("extension") {
        // Pseudonymised: the start's day number, on the plan itself.
        o.insert("extension".into(), ext);
    }
    let refs: Vec<Value> = goals
        .iter()
        .filter(|(plan_id, _)| *plan_id == plan.id)
        .map(|(_, url)| json!({ "reference": url }))
        .collect();
    if !refs.is_empty() {
        o.insert("goal".into(), Value::Array(refs));
    }
    let activity_status = match status {
        "active" => "in-progress",
        "completed" => "completed",
        "revoked" => "stopped",
        _ => "entered-in-error",
    };
    o.insert(
        "activity".into(),
        json!([{ "detail": {
            "kind": "ServiceRequest",
            "code": {
                "coding": [{ "system": PROTOCOL_SYSTEM, "code": plan.protocol_id }],
                "text": format!("Protocol {}", plan.protocol_id)
            },
            "status": activity_status
        } }]),
    );
    Value::Object(o)
}

fn goal_resource(
    b: &Builder<'_>,
    g: &Goal,
    plan: Option<&PlanRecord>,
    latest: Option<&GoalReview>,
) -> Result<Value, AppError> {
    let inst = instruments::get(&g.instrument)
        .map_err(|e| AppError::ExportRender(format!("goal {}: {e}", g.id)))?;
    let lifecycle = match plan.map(|p| (p.record_status, p.plan.status)) {
        Some((RecordStatus::Voided, _)) | Some((_, PlanStatus::Stopped)) => "cancelled",
        Some((_, PlanStatus::Completed)) => "completed",
        _ => "active",
    };
    let mut o = Map::new();
    o.insert("resourceType".into(), "Goal".into());
    if let Some(r) = latest {
        add_extension(&mut o, GAS_EXTENSION, "valueInteger", r.level.into());
    }
    o.insert("lifecycleStatus".into(), lifecycle.into());
    if let Some(r) = latest {
        // Goal Attainment Scaling: 0 is the expected outcome, so 0 and above reach the goal.
        let (code, display) = match r.level {
            l if l >= 0 => ("achieved", "Achieved"),
            -1 => ("in-progress", "In Progress"),
            _ => ("not-achieved", "Not Achieved"),
        };
        o.insert(
            "achievementStatus".into(),
            json!({
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    "code": code,
                    "display": display
                }],
                "text": format!("GAS {:+}: {}", r.level, crate::domain::goals::gas_level_text(r.level))
            }),
        );
    }
    let (comparator, words) = match inst.direction {
        Direction::HigherIsBetter => (">=", "at least"),
        Direction::LowerIsBetter => ("<=", "at most"),
    };
    let shown = crate::instruments::Shown::Stored.of(g.target);
    let description = b
        .text(&g.text)
        .unwrap_or_else(|| format!("{} {words} {shown}", inst.short));
    o.insert("description".into(), json!({ "text": description }));
    o.insert("subject".into(), b.patient_ref());
    let mut target = Map::new();
    target.insert("measure".into(), instrument_concept(inst));
    let mut q = quantity(inst, g.target);
    if let Some(qo) = q.as_object_mut() {
        qo.insert("comparator".into(), comparator.into());
    }
    target.insert("detailQuantity".into(), q);
    b.date(&mut target, "dueDate", g.by);
    o.insert("target".into(), json!([Value::Object(target)]));
    if let Some(r) = latest
        && let Some(t) = b.text(&r.notes)
    {
        o.insert(
            "note".into(),
            json!([{ "text": format!("GAS review: {t}") }]),
        );
    }
    Ok(Value::Object(o))
}

fn patient_entries(
    r: &PatientRecords,
    pseudo: Option<&ExportData>,
) -> Result<Vec<Value>, AppError> {
    let code = r.patient.code.as_str();
    let mut b = Builder {
        key: exported_code(code, pseudo),
        code,
        pseudo,
        entries: Vec::new(),
        corrections: BTreeMap::new(),
    };
    let patient = patient_resource(&b, &r.patient);
    b.push("patient", patient);
    let condition = condition_resource(&b, &r.patient);
    b.push("condition", condition);
    // Ordinal places, not database ids: a pseudonymised export carries no record ids.
    for h in &r.history {
        if h.meta.status == RecordStatus::Corrected
            && let Some(reason) = &h.meta.reason
        {
            let key = match &h.entry {
                HistoryEntry::Assessment(a) => ('a', a.id),
                HistoryEntry::Session(s) => ('s', s.id),
            };
            b.corrections.insert(key, reason.clone());
        }
    }
    let (mut n_obs, mut n_proc) = (0, 0);
    for h in &r.history {
        if h.meta.status == RecordStatus::Corrected {
            continue;
        }
        match &h.entry {
            HistoryEntry::Assessment(a) => {
                n_obs += 1;
                let res = observation_resource(&b, a, &h.meta)?;
                b.push(&format!("observation/{n_obs}"), res);
            }
            HistoryEntry::Session(s) => {
                n_proc += 1;
                let res = procedure_resource(&b, s, &h.meta);
                b.push(&format!("procedure/{n_proc}"), res);
            }
        }
    }
    let plans: Vec<&PlanRecord> = r
        .plans
        .iter()
        .filter(|p| p.record_status != RecordStatus::Corrected)
        .collect();
    // Each goal's place and plan, so plans can name their goals.
    let goal_urls: Vec<(i64, String)> = r
        .goals
        .iter()
        .enumerate()
        .map(|(i, g)| {
            (
                g.plan_id.unwrap_or(-1),
                format!("urn:uuid:{}", b.id(&format!("goal/{}", i + 1))),
            )
        })
        .collect();
    for (i, p) in plans.iter().enumerate() {
        let res = care_plan_resource(&b, p, &goal_urls);
        b.push(&format!("careplan/{}", i + 1), res);
    }
    let mut latest: BTreeMap<i64, &GoalReview> = BTreeMap::new();
    for rv in &r.reviews {
        let newer = latest
            .get(&rv.goal_id)
            .is_none_or(|old| (rv.date, rv.id) >= (old.date, old.id));
        if newer {
            latest.insert(rv.goal_id, rv);
        }
    }
    for (i, g) in r.goals.iter().enumerate() {
        let plan = g
            .plan_id
            .and_then(|id| r.plans.iter().find(|p| p.plan.id == id));
        let res = goal_resource(&b, g, plan, latest.get(&g.id).copied())?;
        b.push(&format!("goal/{}", i + 1), res);
    }
    Ok(b.entries)
}

/// The Bundle as JSON. `now` is the Bundle's timestamp. Pure: no I/O.
pub fn bundle(
    records: &[PatientRecords],
    pseudo: Option<&ExportData>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Value, AppError> {
    let mut entries = Vec::new();
    for r in records {
        entries.extend(patient_entries(r, pseudo)?);
    }
    let mut b = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    // FHIR's JSON has no empty arrays: a database without patients gives a Bundle without entries.
    if !entries.is_empty() {
        b["entry"] = Value::Array(entries);
    }
    Ok(b)
}

/// The Bundle as text: pretty JSON, with characters a terminal would obey written as `\uXXXX` (the same values).
pub fn render(
    records: &[PatientRecords],
    pseudo: Option<&ExportData>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>, AppError> {
    let v = bundle(records, pseudo, now)?;
    let text =
        serde_json::to_string_pretty(&v).map_err(|e| AppError::ExportRender(e.to_string()))?;
    let mut out = crate::domain::text::json_safe(&text).into_owned();
    out.push('\n');
    Ok(out.into_bytes())
}

/// Where the Bundle goes.
pub enum Destination<'a> {
    File(&'a Path),
    Stream(&'a mut dyn std::io::Write),
}

/// Export `code`'s records (or every patient's) as a FHIR R4 Bundle to a new file (mode 0600, never overwriting)
/// or a stream, audited like the CSV export: the audit row is committed only with the data delivered. Returns the
/// number of resources.
pub fn export(
    store: &mut Store,
    code: Option<&str>,
    pseudonymised: bool,
    to: Destination<'_>,
) -> Result<usize, AppError> {
    let records = read(store, code)?;
    let n = count(&records);
    let now = chrono::Utc::now();
    match to {
        Destination::File(out) => {
            let dest = out.display().to_string();
            let mut created = false;
            let res = store.export_audited("fhir", code, n, pseudonymised, &dest, &mut |keys| {
                let bytes = render(&records, pseudonymised.then_some(keys), now)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                write_private(out, &bytes)?;
                created = true;
                Ok(())
            });
            if let Err(e) = res {
                // The audit row was not committed: take back the file, so no export exists without its audit row.
                if created {
                    let _ = std::fs::remove_file(out);
                }
                return Err(e.into());
            }
        }
        Destination::Stream(w) => {
            let mut bytes = Vec::new();
            let row = store.export_audited(
                "fhir",
                code,
                n,
                pseudonymised,
                super::STDOUT,
                &mut |keys| {
                    bytes = render(&records, pseudonymised.then_some(keys), now)
                        .map_err(|e| StoreError::Invalid(e.to_string()))?;
                    Ok(())
                },
            )?;
            let mut written = 0;
            if let Err(e) = super::write_counting(w, &bytes, &mut written) {
                let details = json!({ "kind": "fhir", "rows": n });
                return Err(super::cut_short(
                    store,
                    row,
                    "FHIR export",
                    &e,
                    written,
                    bytes.len(),
                    details,
                    "",
                ));
            }
        }
    }
    Ok(n)
}
