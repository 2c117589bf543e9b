//! Pseudonymised exports: each patient's code becomes a pseudonym, the birth year a 5-year band, exact dates day
//! numbers from the patient's day 0; names, notes, free-text facts and record-keeping fields are dropped.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::Condition;
use crate::store::export::ExportData;

/// "1955-1959": the 5-year band of a birth year, in place of the year in pseudonymised exports.
pub fn birth_band(year: i32) -> String {
    let start = year - year.rem_euclid(5);
    format!("{start}-{}", start + 4)
}

/// A pseudonymised export's day 0 and pseudonym of each patient (`None`: not pseudonymised). See
/// [`ExportData::day_zero`] and [`ExportData::pseudonyms`].
pub(super) type DayZero<'a> = Option<&'a ExportData>;

/// The code as exported: the patient's pseudonym when pseudonymised, else the code.
pub(super) fn exported_code(code: &str, pseudo: DayZero<'_>) -> String {
    match pseudo {
        // Every exported patient has one; never fall back to the code.
        Some(data) => data
            .pseudonyms
            .get(code)
            .cloned()
            .unwrap_or_else(|| "S-unknown".into()),
        None => code.to_string(),
    }
}

/// Days from the patient's day 0 to `date`, as a pseudonymised export shows dates.
pub(super) fn day_number(
    day_zero: &BTreeMap<String, NaiveDate>,
    code: &str,
    date: NaiveDate,
) -> Value {
    day_zero
        .get(code)
        .map_or(Value::Null, |zero| (date - *zero).num_days().into())
}

/// The condition's facts in a pseudonymised export: free-text facts ([`Condition::FREE_TEXT_FACTS`]) are dropped,
/// and every exact date (`onset_date`: any key ending in `_date`) becomes its month (`onset_month: "2025-09"`) and
/// its day number (`onset_day: 0`).
pub(super) fn pseudonymise_facts(
    facts: &mut Value,
    code: &str,
    day_zero: &BTreeMap<String, NaiveDate>,
) {
    let Some(o) = facts.as_object_mut() else {
        return;
    };
    for k in Condition::FREE_TEXT_FACTS {
        o.remove(k);
    }
    let keys: Vec<String> = o.keys().filter(|k| k.ends_with("_date")).cloned().collect();
    for key in keys {
        let stem = &key[..key.len() - "_date".len()];
        let date = o
            .remove(&key)
            .and_then(|v| v.as_str().and_then(|t| t.parse::<NaiveDate>().ok()));
        if let Some(d) = date {
            o.insert(
                format!("{stem}_month"),
                d.format("%Y-%m").to_string().into(),
            );
            o.insert(format!("{stem}_day"), day_number(day_zero, code, d));
        }
    }
}

/// Pseudonymise one JSON record: the patient's code becomes their pseudonym; drop the personal fields, the
/// record-keeping times and version, and free-text facts; give the birth year as its 5-year band, exact dates as
/// day numbers from the patient's day 0 (`date`, `started_at` -> `day`) and the condition's dates as month and day
/// number.
pub(super) fn pseudonymise(mut v: Value, data: &ExportData) -> Value {
    let day_zero = &data.day_zero;
    let Some(o) = v.as_object_mut() else {
        return v;
    };
    for k in [
        "name",
        "notes",
        "assessor",
        "clinician",
        "id",
        "created_at",
        "updated_at",
        "version",
    ] {
        o.remove(k);
    }
    if let Some(y) = o.remove("birth_year").and_then(|y| y.as_i64()) {
        o.insert("birth_years".into(), Value::String(birth_band(y as i32)));
    }
    let code = o
        .get("patient_code")
        .or_else(|| o.get("code"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    for k in ["date", "started_at"] {
        let date = o.remove(k).and_then(|d| {
            d.as_str()
                .and_then(|t| t.get(..10))
                .and_then(|t| t.parse::<NaiveDate>().ok())
        });
        if let Some(d) = date {
            o.insert("day".into(), day_number(day_zero, &code, d));
        }
    }
    if let Some(c) = o.get_mut("condition") {
        pseudonymise_facts(c, &code, day_zero);
    }
    for k in ["code", "patient_code"] {
        if o.contains_key(k) {
            o.insert(k.into(), exported_code(&code, Some(data)).into());
        }
    }
    v
}
