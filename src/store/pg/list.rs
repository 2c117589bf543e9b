//! The patient list on the server (schema v4 and v5, see v4.sql and v5.sql): each patient keeps its list entries as
//! compact JSON arrays written by triggers (the brief one in a narrow table of its own); the list is those entries
//! joined by the server in a few values, read here in one pass straight into the list's rows (the condition's facts
//! included, typed by the condition read just before them).

use std::borrow::Cow;
use std::fmt;

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator as _;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

use super::super::error::{Result, StoreError};
use super::super::util::{parse_date, parse_datetime, parse_enum};
use super::super::{PatientBrief, PatientFilter, PatientRow};
use crate::domain::{AtaxiaFacts, Condition, OlderAdultFacts, ParkinsonsFacts, StrokeFacts};

/// The list's statements, of brief entries (`$1` the condition, `$2` the pages per range) and of whole ones (`$1`
/// the condition, `$2` the folded search, `$3` the pages per range), as [`list_entries`] reads them.
///
/// - The table is read in its own order, in ranges of [`CHUNK_PAGES`] pages (TID range scans, as cheap as one
///   sequential scan), each range's entries joined into one row. The server sends each row as soon as it is made, so
///   the program parses one range while the server makes the next (the two overlap instead of taking turns), and no
///   value is megabytes long (the server copied and sent one 1 MB value at twice the cost of four of 256 kB). One
///   statement, one snapshot: each patient visible to it is on exactly one page, and the ranges run past the table's
///   size read after the snapshot was taken. The last column is the server's estimate of the table's rows, for room.
/// - Brief entries come from their own narrow table (`praxis.patient_briefs`, v5.sql), whole ones from the patients
///   table, where the search's folded texts are.
/// - The program sorts the rows by code as SQLite's list does (bytewise, whatever the database's collation), which
///   spares the server a code-index lookup per row.
/// - A patient whose whole entry is missing (written with the triggers off) gets it made here rather than left out,
///   through a subquery on its id: a whole-row argument in the scan itself made the server copy every row (three
///   times the scan's cost).
pub(super) const LIST: [&str; 2] = [
    in_ranges!(
        "patient_briefs",
        "$2",
        "SELECT string_agg(p.brief, E'\\n') FROM patient_briefs p \
         WHERE p.ctid >= format('(%s,0)', b)::tid AND p.ctid < format('(%s,0)', b + $2)::tid \
         AND ($1::text IS NULL OR p.condition = $1)"
    ),
    in_ranges!(
        "patients",
        "$3",
        "SELECT string_agg(coalesce(p.patient_json, (SELECT praxis.patient_list_entry(q, true) \
                FROM patients q WHERE q.id = p.id)), E'\\n') FROM patients p \
         WHERE p.ctid >= format('(%s,0)', b)::tid AND p.ctid < format('(%s,0)', b + $3)::tid \
         AND ($1::text IS NULL OR p.condition = $1) \
         AND ($2::text IS NULL OR p.fold_code IS NULL OR strpos(p.fold_code, $2) > 0 \
              OR strpos(p.fold_name, $2) > 0 OR strpos(p.fold_notes, $2) > 0)"
    ),
];

/// Pages of a list's table a row of the list covers, for the brief and the whole statement: about 750 patients,
/// 75 kB of brief entries, or 700 patients of the patients table (64 pages). Smaller rows cost the server more
/// rows to make and send, larger ones keep the program waiting longer for the first.
const CHUNK_PAGES: [u32; 2] = [16, 64];

/// The statement that sends `$range` (the entries of the pages from `b` to `b + $chunk` of `$table`, joined) for
/// each range of the table, with how many ranges and the server's estimate of the table's rows.
macro_rules! in_ranges {
    ($table:literal, $chunk:literal, $range:literal) => {
        concat!(
            "SELECT (",
            $range,
            "), n, t.estimate \
             FROM (SELECT pg_relation_size('praxis.",
            $table,
            "') / current_setting('block_size')::int AS pages, \
                          (SELECT reltuples::bigint FROM pg_class WHERE oid = 'praxis.",
            $table,
            "'::regclass) \
                          AS estimate) t, \
                  generate_series(0, t.pages, ",
            $chunk,
            ") b, LATERAL (SELECT t.pages / ",
            $chunk,
            " + 1 AS n) r"
        )
    };
}
use in_ranges;

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
    /// Boxed: a brief entry (none) is then half the size to move.
    rest: Option<Box<Rest<'a>>>,
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
                write!(
                    f,
                    "a patient's list entry of {} values",
                    if W { 19 } else { 12 }
                )
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
                    Some(Box::new(Rest {
                        id: item!(),
                        dominant_hand: item!(),
                        affected_side: item!(),
                        notes: item!(),
                        created_at: item!(),
                        updated_at: item!(),
                        version: item!(),
                    }))
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
    code: fn(&P) -> &str,
) -> Result<Vec<PatientRow<P>>> {
    let search = filter.search_text().map(crate::domain::text::fold);
    let kind = filter.condition.map(|k| k.id());
    let chunk = i64::from(CHUNK_PAGES[usize::from(whole)]);
    let mut chunks = if whole {
        let params: [&(dyn postgres::types::ToSql + Sync); 3] = [&kind, &search, &chunk];
        c.query_raw(statement, params)?
    } else {
        let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&kind, &chunk];
        c.query_raw(statement, params)?
    };
    // Rows in the server's order.
    let mut out = Vec::new();
    while let Some(row) = chunks.next()? {
        let joined: &str = row.try_get::<_, Option<&str>>(0)?.unwrap_or_default();
        if out.capacity() == 0 {
            // Room for the patients the server's statistics count (the third column; -1 before the table was first
            // analysed), or for as many entries in each range as in the first (the second column: how many ranges),
            // and one range more: growing the list at its end would copy it whole.
            let (ranges, estimate): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
            let lines = joined.bytes().filter(|&b| b == b'\n').count() + 1;
            let by_ranges = usize::try_from(ranges.saturating_add(1)).unwrap_or(1);
            let room = usize::try_from(estimate)
                .unwrap_or(0)
                .max(lines.saturating_mul(by_ranges));
            out.reserve(room.saturating_add(lines));
        }
        for line in joined.split('\n').filter(|l| !l.is_empty()) {
            if whole {
                read::<P, true>(line, search.as_deref(), make, &mut out)?;
            } else {
                read::<P, false>(line, search.as_deref(), make, &mut out)?;
            }
        }
    }
    Ok(in_code_order(out, code))
}

/// `rows` sorted by code (`code` of their `P`), bytewise as SQLite's list, in place: a list already in code order
/// (patients added in the order of their codes, as most clinics number them) is only checked; otherwise the order
/// is found on the positions and the first eight bytes of each code as a number, which decide most comparisons,
/// and each row is then moved once along the cycles of that order (no second list of rows to fill and free).
fn in_code_order<P>(mut rows: Vec<PatientRow<P>>, code: fn(&P) -> &str) -> Vec<PatientRow<P>> {
    fn code_of<P>(r: &PatientRow<P>, code: fn(&P) -> &str) -> &[u8] {
        code(&r.patient).as_bytes()
    }
    if rows.is_sorted_by(|a, b| code_of(a, code) <= code_of(b, code)) {
        return rows;
    }
    let head = |r: &PatientRow<P>| {
        let c = code_of(r, code);
        let mut head = [0u8; 8];
        let n = c.len().min(8);
        head[..n].copy_from_slice(&c[..n]);
        u64::from_be_bytes(head)
    };
    let mut order: Vec<(u64, usize)> = rows.iter().map(head).zip(0..).collect();
    order.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| code_of(&rows[a.1], code).cmp(code_of(&rows[b.1], code)))
    });
    // Position i takes the row now at from[i]: follow each cycle once, marking the positions filled. Along a
    // cycle the row first at `start` moves on with each swap, until the position that takes it is reached.
    let mut from: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
    for start in 0..from.len() {
        let mut i = start;
        loop {
            let j = from[i];
            from[i] = i;
            if j == start || j == i {
                break;
            }
            rows.swap(i, j);
            i = j;
        }
    }
    rows
}

/// The row of the entry `line` (JSON writes a newline in a string as `\n`, so an entry is a line), added to `out`
/// unless a `search` (folded) is given that it does not match.
fn read<P, const WHOLE: bool>(
    line: &str,
    search: Option<&str>,
    make: fn(PatientBrief, Option<Rest<'_>>) -> Result<P>,
    out: &mut Vec<PatientRow<P>>,
) -> Result<()> {
    let e: Entry<'_, WHOLE> = serde_json::from_str(line).map_err(|e| {
        StoreError::Server(format!(
            "patients.{} does not hold the list entries this Praxis reads: {e}",
            if WHOLE { "patient_json" } else { "brief_json" }
        ))
    })?;
    if let Some(s) = search {
        let notes = e.rest.as_ref().map(|r| &r.notes.0);
        let texts = [Some(&e.code.0), e.name.as_ref().map(|n| &n.0), notes];
        if !texts
            .into_iter()
            .flatten()
            .any(|t| crate::domain::text::fold(t).contains(s))
        {
            return Ok(());
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
        patient: make(brief, e.rest.map(|r| *r))?,
        last_assessment,
        last_session,
        plan_protocol: e.plan_protocol.map(Text::owned),
        plan_start,
        n_assessments: e.n_assessments,
        n_sessions: e.n_sessions,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: String) -> PatientRow<String> {
        PatientRow {
            patient: code,
            last_assessment: None,
            last_session: None,
            plan_protocol: None,
            plan_start: None,
            n_assessments: 0,
            n_sessions: 0,
        }
    }

    #[test]
    fn rows_come_out_in_bytewise_code_order_from_any_order_the_server_sends() {
        // Codes that share their first eight bytes (decided past the number), non-ASCII ones, a prefix of another.
        let mut codes: Vec<String> = (0..500)
            .map(|i| format!("P-LONGCODE-{:04}", (i * 7) % 500))
            .chain(["Ø-1", "P-LONGCODE", "A", "Z-9", "Ä"].map(String::from))
            .collect();
        let mut want = codes.clone();
        want.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for order in 0..4 {
            // The server's order: shuffled, sorted, reversed, and sorted but for one pair.
            match order {
                0 => codes.rotate_left(250),
                1 => codes.clone_from(&want),
                2 => codes.reverse(),
                _ => {
                    codes.reverse();
                    codes.swap(3, 400);
                }
            }
            let rows = codes.iter().cloned().map(row).collect();
            let got: Vec<String> = in_code_order(rows, |c: &String| c.as_str())
                .into_iter()
                .map(|r| r.patient)
                .collect();
            assert_eq!(got, want, "server order {order}");
        }
    }
}
