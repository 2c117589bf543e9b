//! The patient list on the server (schema v4, see v4.sql): each patient keeps its list entry as one compact JSON
//! array written by a trigger; the list is those entries joined by the server in one value, read here in one pass
//! straight into the list's rows (the condition's facts included, typed by the condition read just before them).

use std::borrow::Cow;
use std::fmt;

use postgres::Client;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

use super::super::error::{Result, StoreError};
use super::super::util::{parse_date, parse_datetime, parse_enum};
use super::super::{PatientBrief, PatientFilter, PatientRow};
use crate::domain::{AtaxiaFacts, Condition, OlderAdultFacts, ParkinsonsFacts, StrokeFacts};

/// The list's statements, of brief entries and of whole ones (`$1` the condition, `$2` the folded search), as
/// [`list_entries`] reads them. One scan of the table in its own order: the program sorts the rows by code as
/// SQLite's list does (bytewise, whatever the database's collation), which spares the server a code-index lookup per
/// row. A patient whose entry is missing (written with the triggers off) gets it made here rather than left out,
/// through a subquery on its id: a whole-row argument in the scan itself made the server copy every row (three
/// times the scan's cost).
pub(super) const LIST: [&str; 2] = [list_statement!("brief_json", "false"), list_statement!("patient_json", "true")];

macro_rules! list_statement {
    ($column:literal, $whole:literal) => {
        concat!(
            "SELECT string_agg(coalesce(p.", $column, ", (SELECT praxis.patient_list_entry(q, ", $whole, ") \
             FROM patients q WHERE q.id = p.id)), E'\\n') \
             FROM patients p WHERE ($1::text IS NULL OR p.condition = $1) \
             AND ($2::text IS NULL OR p.fold_code IS NULL OR strpos(p.fold_code, $2) > 0 \
                  OR strpos(p.fold_name, $2) > 0 OR strpos(p.fold_notes, $2) > 0)"
        )
    };
}
use list_statement;

/// A text in the list's JSON, borrowed from it unless it holds an escape.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl Text<'_> {
    fn owned(self) -> String {
        self.0.into_owned()
    }
}

/// One patient's list entry (`patients.brief_json`, v4.sql): `[code, name, birth_year, sex, condition, facts,
/// last_assessment, last_session, plan_protocol, plan_start, n_assessments, n_sessions]`, and when `WHOLE`
/// (`patients.patient_json`) then `id, dominant_hand, affected_side, notes, created_at, updated_at, version`.
struct Entry<'a, const WHOLE: bool> {
    code: Text<'a>,
    name: Option<Text<'a>>,
    birth_year: i32,
    sex: Option<Text<'a>>,
    condition: Condition,
    last_assessment: Option<Text<'a>>,
    last_session: Option<Text<'a>>,
    plan_protocol: Option<Text<'a>>,
    plan_start: Option<Text<'a>>,
    n_assessments: i64,
    n_sessions: i64,
    rest: Option<Rest<'a>>,
}

/// The rest of a patient's profile in a whole entry.
pub(super) struct Rest<'a> {
    pub id: i64,
    dominant_hand: Option<Text<'a>>,
    affected_side: Option<Text<'a>>,
    notes: Text<'a>,
    created_at: Text<'a>,
    updated_at: Text<'a>,
    pub version: i64,
}

impl Rest<'_> {
    pub fn dominant_hand<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>> {
        enum_of("dominant_hand", &self.dominant_hand)
    }
    pub fn affected_side<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>> {
        enum_of("affected_side", &self.affected_side)
    }
    /// Notes, created and updated times, owned.
    pub fn texts(self) -> [String; 3] {
        [
            self.notes.owned(),
            self.created_at.owned(),
            self.updated_at.owned(),
        ]
    }
}

/// The condition of kind `.0` from the facts that follow it in an entry, read in place (no second parse).
struct FactsOf<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for FactsOf<'_> {
    type Value = Condition;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Condition, D::Error> {
        Ok(match self.0 {
            "stroke" => Condition::Stroke(StrokeFacts::deserialize(d)?),
            "parkinsons" => Condition::Parkinsons(ParkinsonsFacts::deserialize(d)?),
            "cerebellar_ataxia" => Condition::CerebellarAtaxia(AtaxiaFacts::deserialize(d)?),
            "older_adult" => Condition::OlderAdult(OlderAdultFacts::deserialize(d)?),
            other => {
                return Err(de::Error::custom(format!("unknown condition {other:?}")));
            }
        })
    }
}

impl<'de, const WHOLE: bool> Deserialize<'de> for Entry<'de, WHOLE> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct EntryVisitor<const W: bool>;

        impl<'de, const W: bool> Visitor<'de> for EntryVisitor<W> {
            type Value = Entry<'de, W>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a patient's list entry of {} values", if W { 19 } else { 12 })
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                // The values read so far, for the message of an entry that ends early.
                let mut n = 0;
                macro_rules! item {
                    () => {{
                        n += 1;
                        s.next_element()?
                            .ok_or_else(|| de::Error::invalid_length(n - 1, &self))?
                    }};
                }
                let code = item!();
                let name = item!();
                let birth_year = item!();
                let sex = item!();
                let kind: Text<'de> = item!();
                n += 1;
                let condition = s
                    .next_element_seed(FactsOf(&kind.0))?
                    .ok_or_else(|| de::Error::invalid_length(n - 1, &self))?;
                let (last_assessment, last_session, plan_protocol, plan_start) =
                    (item!(), item!(), item!(), item!());
                let (n_assessments, n_sessions) = (item!(), item!());
                let rest = if W {
                    Some(Rest {
                        id: item!(),
                        dominant_hand: item!(),
                        affected_side: item!(),
                        notes: item!(),
                        created_at: item!(),
                        updated_at: item!(),
                        version: item!(),
                    })
                } else {
                    None
                };
                Ok(Entry {
                    code,
                    name,
                    birth_year,
                    sex,
                    condition,
                    last_assessment,
                    last_session,
                    plan_protocol,
                    plan_start,
                    n_assessments,
                    n_sessions,
                    rest,
                })
            }
        }

        d.deserialize_seq(EntryVisitor::<WHOLE>)
    }
}

/// The enum in a list entry's text (None for null), named by its column in errors.
fn enum_of<T: serde::de::DeserializeOwned>(
    column: &str,
    t: &Option<Text<'_>>,
) -> Result<Option<T>> {
    Ok(t.as_ref().map(|t| parse_enum(column, &t.0)).transpose()?)
}

/// The patient list (see v4.sql): each patient's entry is JSON text the server keeps, so the list is one text value
/// made in one scan, under the same row-level security as the rows, sorted here by code. A search is made by the
/// server on the folded texts the program wrote; it also sends the patients whose folds are missing (written by
/// another tool), and the program checks every patient sent against their code, name and notes, as SQLite does.
/// `whole`: `statement` sends whole entries (as a search needs), whose rest of each profile `make` gets to make the
/// list's `P`.
pub(super) fn list_entries<P>(
    c: &mut Client,
    statement: &postgres::Statement,
    filter: &PatientFilter,
    whole: bool,
    make: fn(PatientBrief, Option<Rest<'_>>) -> Result<P>,
) -> Result<Vec<PatientRow<P>>> {
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::domain::text::fold);
    let kind = filter.condition.map(|k| k.id());
    let row = c.query_one(statement, &[&kind, &search])?;
    let joined: &str = row.try_get::<_, Option<&str>>(0)?.unwrap_or_default();
    if whole {
        rows::<P, true>(joined, search.as_deref(), make)
    } else {
        rows::<P, false>(joined, search.as_deref(), make)
    }
}

/// The rows of the entries in `joined` (one a line: JSON writes a newline in a string as `\n`) in code order, those
/// matching the folded `search` when given.
fn rows<P, const WHOLE: bool>(
    joined: &str,
    search: Option<&str>,
    make: fn(PatientBrief, Option<Rest<'_>>) -> Result<P>,
) -> Result<Vec<PatientRow<P>>> {
    let column = if WHOLE { "patient_json" } else { "brief_json" };
    let bad = |e: serde_json::Error| {
        StoreError::Server(format!(
            "patients.{column} does not hold the list entries this Praxis reads: {e}"
        ))
    };
    // The entries are sorted by code before they are read, bytewise as SQLite's list: each with its code (the
    // entry's first value, read alone) and the code's first eight bytes as a number, which decide most comparisons.
    let mut lines = Vec::new();
    for line in joined.split('\n').filter(|l| !l.is_empty()) {
        let code: Text<'_> = line
            .strip_prefix('[')
            .and_then(|rest| serde_json::Deserializer::from_str(rest).into_iter().next())
            .ok_or_else(|| {
                StoreError::Server(format!(
                    "patients.{column} holds an entry that is not a list: {line:.40}"
                ))
            })?
            .map_err(bad)?;
        let mut head = [0u8; 8];
        let n = code.0.len().min(8);
        head[..n].copy_from_slice(&code.0.as_bytes()[..n]);
        lines.push((u64::from_be_bytes(head), code.0, line));
    }
    lines.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = Vec::with_capacity(lines.len());
    for (_, _, line) in lines {
        let e: Entry<'_, WHOLE> = serde_json::from_str(line).map_err(bad)?;
        if let Some(s) = search {
            let notes = e.rest.as_ref().map(|r| &r.notes.0);
            let texts = [Some(&e.code.0), e.name.as_ref().map(|n| &n.0), notes];
            if !texts
                .into_iter()
                .flatten()
                .any(|t| crate::domain::text::fold(t).contains(s))
            {
                continue;
            }
        }
        let date = |col: &str, t: Option<Text<'_>>| -> Result<Option<chrono::NaiveDate>> {
            Ok(t.map(|t| parse_date(col, &t.0)).transpose()?)
        };
        let last_assessment = date("assessments.date", e.last_assessment)?;
        let plan_start = date("plans.start_date", e.plan_start)?;
        let last_session = e
            .last_session
            .map(|t| parse_datetime("sessions.started_at", &t.0))
            .transpose()?;
        let brief = PatientBrief {
            code: e.code.owned(),
            name: e.name.map(Text::owned),
            birth_year: e.birth_year,
            sex: enum_of("sex", &e.sex)?,
            condition: e.condition,
        };
        out.push(PatientRow {
            patient: make(brief, e.rest)?,
            last_assessment,
            last_session,
            plan_protocol: e.plan_protocol.map(Text::owned),
            plan_start,
            n_assessments: e.n_assessments,
            n_sessions: e.n_sessions,
        });
    }
    Ok(out)
}
