//! Conversions between domain values and the text stored in SQLite (ISO-8601 dates, snake_case enums).

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{Result, StoreError};

pub(crate) const DATETIME_FMT: &str = "%Y-%m-%dT%H:%M:%S";

/// UTC now, ISO-8601 with milliseconds and `Z`.
pub(crate) fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn datetime_text(d: NaiveDateTime) -> String {
    d.format(DATETIME_FMT).to_string()
}

fn bad(column: &str, text: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("column {column}: cannot read {text:?}: {e}").into(),
    )
}

/// The digits at `range` of `b` as a number, if they are all ASCII digits.
fn digits(b: &[u8], range: std::ops::Range<usize>) -> Option<u32> {
    b.get(range)?.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// "YYYY-MM-DD" exactly as the store writes it, without chrono's general parser (the patient list reads 20,000
/// dates); anything else goes through chrono, which also gives the error message.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(b, 0..4)? as i32, digits(b, 5..7)?, digits(b, 8..10)?)
}

pub(crate) fn parse_date(column: &str, text: &str) -> rusqlite::Result<NaiveDate> {
    match fast_date(text.as_bytes()).filter(|_| text.len() == 10) {
        Some(d) => Ok(d),
        None => text.parse::<NaiveDate>().map_err(|e| bad(column, text, e)),
    }
}

pub(crate) fn parse_datetime(column: &str, text: &str) -> rusqlite::Result<NaiveDateTime> {
    let b = text.as_bytes();
    let fast = (b.len() == 19 && b[10] == b'T' && b[13] == b':' && b[16] == b':')
        .then(|| {
            fast_date(b)?.and_hms_opt(digits(b, 11..13)?, digits(b, 14..16)?, digits(b, 17..19)?)
        })
        .flatten();
    match fast {
        Some(d) => Ok(d),
        None => text
            .parse::<NaiveDateTime>()
            .map_err(|e| bad(column, text, e)),
    }
}

/// The serde name of a unit enum variant (`Sex::Female` -> "female").
pub(crate) fn enum_text<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => panic!("enum_text on a value that is not a unit enum: {other:?}"),
    }
}

pub(crate) fn parse_enum<T: DeserializeOwned>(column: &str, text: &str) -> rusqlite::Result<T> {
    // Deserialize straight from the borrowed text: no JSON value, no allocation (the patient list reads 30,000).
    let de = serde::de::value::BorrowedStrDeserializer::<serde::de::value::Error>::new(text);
    T::deserialize(de).map_err(|e| bad(column, text, e))
}

/// The text in column `i` without copying it (`None` for NULL).
pub(crate) fn text_ref<'r>(
    r: &'r rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<&'r str>> {
    use rusqlite::types::ValueRef;
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(Some)
            .map_err(|e| rusqlite::Error::Utf8Error(i, e)),
        other => Err(rusqlite::Error::InvalidColumnType(
            i,
            format!("column {i}"),
            other.data_type(),
        )),
    }
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v)
        .map_err(|e| StoreError::Invalid(format!("cannot encode a record as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Sex;

    #[test]
    fn enums_round_trip_through_text() {
        assert_eq!(enum_text(&Sex::Female), "female");
        assert_eq!(parse_enum::<Sex>("sex", "male").unwrap(), Sex::Male);
        assert!(parse_enum::<Sex>("sex", "robot").is_err());
    }

    #[test]
    fn the_fast_date_paths_agree_with_chrono_and_refuse_nonsense() {
        for t in ["2026-01-02", "1999-12-31", "2024-02-29"] {
            assert_eq!(parse_date("d", t).unwrap(), t.parse::<NaiveDate>().unwrap());
        }
        for t in ["2026-02-30", "2026-13-01", "2026-01-02x", "abcd-01-02", ""] {
            assert!(parse_date("d", t).is_err(), "{t}");
        }
        for t in [
            "2026-01-02T09:05:00",
            "2026-01-02T23:59:59",
            "2026-01-02T09:05:00.250",
        ] {
            assert_eq!(
                parse_datetime("t", t).unwrap(),
                t.parse::<NaiveDateTime>().unwrap()
            );
        }
        for t in ["2026-01-02T24:00:00", "2026-01-02 09:05"] {
            assert!(parse_datetime("t", t).is_err(), "{t}");
        }
    }

    #[test]
    fn datetimes_sort_as_text() {
        let a = datetime_text(
            NaiveDate::from_ymd_opt(2026, 1, 2)
                .unwrap()
                .and_hms_opt(9, 5, 0)
                .unwrap(),
        );
        let b = datetime_text(
            NaiveDate::from_ymd_opt(2026, 1, 2)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap(),
        );
        assert_eq!(a, "2026-01-02T09:05:00");
        assert!(a < b);
        assert_eq!(
            parse_datetime("t", &a).unwrap().to_string(),
            "2026-01-02 09:05:00"
        );
    }
}
