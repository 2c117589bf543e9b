//! One spelling for each enum value: snake_case, as JSON, the database, scenario and protocol files write it
//! (`cerebellar_ataxia`). Each enum derives it once with strum (`IntoStaticStr`, `VariantArray`,
//! `serialize_all = "snake_case"`) beside serde's `rename_all = "snake_case"`, and a test checks the two agree.
//! Typed input (the command line, the TUI's fields) also accepts `-` for `_` and any case: `cerebellar-ataxia`.

/// An enum whose values have one name each; implemented for every enum deriving strum's `IntoStaticStr` and
/// `VariantArray`.
pub trait Named: Copy + 'static {
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The value's name, e.g. "cerebellar_ataxia".
    fn name(self) -> &'static str;

    /// The value named `s`, accepting `-` for `_`, any case ("Cerebellar-Ataxia") and the American spelling of
    /// a British name ("ischemic", "hemorrhagic"); `None` if none is.
    fn parse_name(s: &str) -> Option<Self> {
        let s = american(&s.trim().to_ascii_lowercase().replace('-', "_"));
        Self::all()
            .iter()
            .copied()
            .find(|v| american(v.name()) == s)
    }

    /// Every value's name, in declaration order.
    fn names() -> Vec<&'static str> {
        Self::all().iter().map(|v| v.name()).collect()
    }
}

/// A name spelled the American way: the British "ae" of medical words is "e" ("ischaemic" is "ischemic"), so both
/// spellings name the same value. No two values of one enum differ by that alone (a test checks).
fn american(name: &str) -> String {
    name.replace("ae", "e")
}

impl<T> Named for T
where
    T: strum::VariantArray + Copy + 'static,
    &'static str: From<T>,
{
    fn all() -> &'static [Self] {
        T::VARIANTS
    }
    fn name(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use crate::store::export::ExportKind;
    use crate::store::{RecordKind, Role};

    /// serde's name (JSON, database, files) and strum's (command line, TUI) are the same for every value.
    fn agree<
        T: Named + serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    >() {
        for &v in T::all() {
            assert_eq!(serde_json::to_value(v).unwrap(), v.name(), "{v:?}");
            let back: T = serde_json::from_value(v.name().into()).unwrap();
            assert_eq!(back, v);
            assert_eq!(
                T::parse_name(&v.name().replace('_', "-").to_uppercase()),
                Some(v)
            );
        }
        assert_eq!(T::parse_name("no such value"), None);
        let spellings: std::collections::HashSet<String> =
            T::all().iter().map(|v| american(v.name())).collect();
        assert_eq!(
            spellings.len(),
            T::all().len(),
            "two values differ by ae/e only"
        );
    }

    #[test]
    fn serde_and_strum_spell_every_value_alike() {
        agree::<Sex>();
        agree::<Hand>();
        agree::<Side>();
        agree::<ConditionKind>();
        agree::<StrokeType>();
        agree::<Corticospinal>();
        agree::<Mep>();
        agree::<Medication>();
        agree::<MedState>();
        agree::<ActiveExtension>();
        agree::<PlanStatus>();
        agree::<Role>();
        agree::<RecordKind>();
        assert_eq!(
            serde_json::to_value(ExportKind::Assessments).unwrap(),
            ExportKind::Assessments.name()
        );
    }

    #[test]
    fn american_and_british_spellings_name_the_same_stroke_type() {
        for (typed, v) in [
            ("ischemic", StrokeType::Ischaemic),
            ("Ischaemic", StrokeType::Ischaemic),
            ("hemorrhagic", StrokeType::Haemorrhagic),
            ("HAEMORRHAGIC", StrokeType::Haemorrhagic),
        ] {
            assert_eq!(StrokeType::parse_name(typed), Some(v), "{typed}");
        }
        assert_eq!(StrokeType::parse_name("ischmic"), None);
    }

    #[test]
    fn both_spellings_of_a_condition_are_read_from_files() {
        for text in ["cerebellar_ataxia", "cerebellar-ataxia"] {
            let k: ConditionKind = serde_json::from_value(text.into()).unwrap();
            assert_eq!(k, ConditionKind::CerebellarAtaxia);
            let c: Condition = serde_json::from_str(&format!(r#"{{"kind": "{text}"}}"#)).unwrap();
            assert_eq!(c.kind(), ConditionKind::CerebellarAtaxia);
        }
        assert_eq!(ConditionKind::OlderAdult.name(), "older_adult");
    }
}
