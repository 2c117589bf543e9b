//! The rules of a patient's profile: birth year, Hoehn & Yahr stage, a new code, the whole record.

use super::*;

/// A birth year: from [`EARLIEST_BIRTH_YEAR`] to this year.
pub fn check_birth_year(year: i32, today: NaiveDate) -> Result<(), RuleError> {
    if (EARLIEST_BIRTH_YEAR..=today.year()).contains(&year) {
        Ok(())
    } else {
        refuse(
            "birth_year",
            format!(
                "birth year must be between {EARLIEST_BIRTH_YEAR} and {}; got {year}",
                today.year()
            ),
        )
    }
}

/// A Hoehn & Yahr stage on the modified scale.
pub fn check_hoehn_yahr(field: &'static str, stage: f64) -> Result<(), RuleError> {
    if HOEHN_YAHR_STAGES.contains(&stage) {
        Ok(())
    } else {
        refuse(
            field,
            format!(
                "Hoehn & Yahr stage is one of 0, 1, 1.5, 2, 2.5, 3, 4, 5 (modified scale); got {stage}"
            ),
        )
    }
}

/// A patient code: the spelling, and not one that differs from an existing code only in case (`existing` is the
/// code found when comparing case-insensitively, if any).
pub fn check_new_code(code: &str, existing: Option<&str>) -> Result<(), RuleError> {
    crate::domain::validate_patient_code(code).map_err(|message| RuleError {
        field: "code",
        message,
    })?;
    match existing {
        Some(e) if e == code => {
            refuse("code", format!("a patient with code {code} already exists"))
        }
        Some(e) => refuse(
            "code",
            format!(
                "patient code {code} differs from the existing patient {e} only in upper/lower case; codes that \
                 read the same would be mixed up: use {e} or another code"
            ),
        ),
        None => Ok(()),
    }
}

/// A patient's profile and condition facts (the code's uniqueness is the store's: see [`check_new_code`]).
pub fn check_patient(p: &Patient, ctx: &Context<'_>) -> Result<(), RuleError> {
    let today = ctx.today;
    crate::domain::validate_patient_code(&p.code).map_err(|message| RuleError {
        field: "code",
        message,
    })?;
    check_birth_year(p.birth_year, today)?;
    if let Some(name) = &p.name
        && name.chars().count() > 200
    {
        return refuse("name", "name is longer than 200 characters".into());
    }
    match &p.condition {
        Condition::Stroke(f) => {
            if let Some(onset) = f.onset_date {
                if onset > today {
                    return refuse(
                        "onset",
                        format!("stroke onset {onset} is in the future (today is {today})"),
                    );
                }
                if onset.year() < p.birth_year {
                    return refuse(
                        "onset",
                        format!("stroke onset {onset} is before birth year {}", p.birth_year),
                    );
                }
            }
            if let Some(n) = f.nihss
                && n > 42
            {
                return refuse("nihss", format!("NIHSS is scored 0-42; got {n}"));
            }
        }
        Condition::Parkinsons(f) => {
            if let Some(y) = f.diagnosis_year
                && (y < p.birth_year || y > today.year())
            {
                return refuse(
                    "diagnosis_year",
                    format!(
                        "year of diagnosis must be between birth year {} and {}; got {y}",
                        p.birth_year,
                        today.year()
                    ),
                );
            }
            if let Some(h) = f.hoehn_yahr {
                check_hoehn_yahr("hoehn_yahr", h)?;
            }
        }
        Condition::CerebellarAtaxia(f) => {
            if let Some(t) = &f.ataxia_type
                && t.chars().count() > 100
            {
                return refuse(
                    "ataxia_type",
                    "ataxia type is longer than 100 characters".into(),
                );
            }
        }
        Condition::OlderAdult(f) => {
            if let Some(n) = f.falls_last_year
                && n > 365
            {
                return refuse(
                    "falls",
                    format!("falls in the last year must be 0-365; got {n}"),
                );
            }
        }
    }
    Ok(())
}
