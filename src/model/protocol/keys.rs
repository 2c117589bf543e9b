//! Unknown keys and sections anywhere in a protocol file (and a scenario file), each reported at its line with the
//! nearest valid name ("did you mean `practice`?"), before the file is deserialized (QA 24).
//!
//! Why before: serde stops at the first error, and the toml crate hands a table's keys over in sorted order, so a
//! misspelt `[practise]` next to a `[[practice.tasks]]` was met after `practice` (which then lacked its
//! `structure`) and reported as a missing field. The valid keys of each table are read from the schema's own serde
//! derive ([`Schema::of`]: a deserializer that answers every struct with its field names), so they cannot drift
//! from `schema.rs`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde::de::{self, DeserializeSeed, Visitor};
use toml::de::DeValue;

use crate::model::diagnostics::{Problem, Seg, path_text};

/// A table's place in the schema: its keys from the root, `"[]"` for the elements of an array.
type Path = Vec<&'static str>;

/// The keys each table of a type may have.
#[derive(Debug, Default)]
pub(crate) struct Schema {
    tables: BTreeMap<Path, &'static [&'static str]>,
    /// Tables whose keys the author chooses (maps): not checked.
    free: BTreeSet<Path>,
}

impl Schema {
    /// The tables of `T` and their keys, as `T`'s `Deserialize` asks for them.
    pub(crate) fn of<T: de::DeserializeOwned>() -> Schema {
        let found = RefCell::new(Schema::default());
        // The probe feeds made-up values; whether `T` accepts them does not matter, only what it asked for.
        let _ = T::deserialize(Probe {
            path: Vec::new(),
            found: &found,
        });
        found.into_inner()
    }

    /// Every key of `root` that its table does not have, with where it is and what is meant.
    pub(crate) fn unknown_keys(&self, root: &DeValue<'_>) -> Vec<Problem> {
        let mut out = Vec::new();
        self.walk(&mut Vec::new(), &mut Vec::new(), root, &mut out);
        out
    }

    fn walk(
        &self,
        path: &mut Path,
        at: &mut Vec<Seg>,
        value: &DeValue<'_>,
        out: &mut Vec<Problem>,
    ) {
        match value {
            DeValue::Table(t) => {
                if self.free.contains(path) {
                    return;
                }
                let Some(fields) = self.tables.get(path) else {
                    return;
                };
                for (key, v) in t {
                    let key: &str = key.get_ref();
                    match fields.iter().find(|f| **f == key) {
                        Some(f) => {
                            path.push(f);
                            at.push(Seg::Key(f));
                            self.walk(path, at, v.get_ref(), out);
                            path.pop();
                            at.pop();
                        }
                        None => {
                            let mut place = at.clone();
                            place.push(Seg::KeyItself(key.to_string()));
                            out.push(Problem::new(&place, unknown(at, key, v.get_ref(), fields)));
                        }
                    }
                }
            }
            DeValue::Array(a) => {
                path.push("[]");
                for (i, v) in a.iter().enumerate() {
                    at.push(Seg::Index(i));
                    self.walk(path, at, v.get_ref(), out);
                    at.pop();
                }
                path.pop();
            }
            _ => {}
        }
    }
}

/// "unknown section `[practise]` (misspelt?); did you mean `[practice]`? expected one of ..." or "unknown key
/// `schedule.repetitons` (misspelt?); did you mean `repetitions_per_session`? expected one of ...".
fn unknown(at: &[Seg], key: &str, value: &DeValue<'_>, fields: &[&str]) -> String {
    let mut full = at.to_vec();
    full.push(Seg::KeyItself(key.to_string()));
    let name = path_text(&full);
    let is_table = |v: &DeValue<'_>| matches!(v, DeValue::Table(_));
    let (what, open, close) = match value {
        DeValue::Table(_) => ("section", "[", "]"),
        DeValue::Array(a) if !a.is_empty() && a.iter().all(|v| is_table(v.get_ref())) => {
            ("section", "[[", "]]")
        }
        _ => ("key", "", ""),
    };
    let suggestion = nearest(key, fields).map_or(String::new(), |f| {
        let mut meant = at.to_vec();
        meant.push(Seg::KeyItself(f.to_string()));
        let meant = if what == "section" {
            path_text(&meant)
        } else {
            f.to_string()
        };
        format!(" did you mean `{open}{meant}{close}`?")
    });
    let expected = fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "unknown {what} `{open}{name}{close}` (misspelt?);{suggestion} expected one of {expected}"
    )
}

/// The valid name closest to `key`, when one is close enough to be what was meant (Jaro-Winkler similarity, which
/// weighs a shared beginning: `practise` -> `practice`, `repetitons` -> `repetitions_per_session`).
pub(crate) fn nearest<'f>(key: &str, fields: &[&'f str]) -> Option<&'f str> {
    const CLOSE: f64 = 0.8;
    let key = key.to_lowercase();
    fields
        .iter()
        .map(|f| (strsim::jaro_winkler(&key, f), *f))
        .filter(|(s, _)| *s >= CLOSE)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, f)| f)
}

// ---- the probe: a deserializer that answers a type's questions with made-up values and notes its structs --------

#[derive(Debug)]
struct Stop(String);

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Stop(msg.to_string())
    }
}

/// Deepest table the probe follows (the schema is not recursive; this only guards against a type that is).
const MAX_DEPTH: usize = 16;

struct Probe<'a> {
    path: Path,
    found: &'a RefCell<Schema>,
}

impl<'a> Probe<'a> {
    fn at(&self, key: &'static str) -> Probe<'a> {
        let mut path = self.path.clone();
        path.push(key);
        Probe {
            path,
            found: self.found,
        }
    }
}

struct Fields<'a> {
    probe: Probe<'a>,
    fields: std::slice::Iter<'static, &'static str>,
    current: &'static str,
}

impl<'de> de::MapAccess<'de> for Fields<'_> {
    type Error = Stop;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Stop> {
        let Some(f) = self.fields.next() else {
            return Ok(None);
        };
        self.current = f;
        seed.deserialize(de::value::BorrowedStrDeserializer::new(f))
            .map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Stop> {
        seed.deserialize(self.probe.at(self.current))
    }
}

/// A sequence of one element (enough to learn the element's tables).
struct One<'a>(Option<Probe<'a>>);

impl<'de> de::SeqAccess<'de> for One<'_> {
    type Error = Stop;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Stop> {
        match self.0.take() {
            Some(p) => seed.deserialize(p).map(Some),
            None => Ok(None),
        }
    }
}

/// An enum's first variant.
struct First<'a> {
    probe: Probe<'a>,
    variant: &'static str,
}

impl<'de, 'a> de::EnumAccess<'de> for First<'a> {
    type Error = Stop;
    type Variant = Probe<'a>;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Probe<'a>), Stop> {
        let v = seed.deserialize(de::value::BorrowedStrDeserializer::new(self.variant))?;
        Ok((v, self.probe))
    }
}

impl<'de> de::VariantAccess<'de> for Probe<'_> {
    type Error = Stop;
    fn unit_variant(self) -> Result<(), Stop> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Stop> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_seq(One(Some(self)))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = Stop;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        if self.path.len() > MAX_DEPTH {
            return Err(Stop("too deep".into()));
        }
        self.found
            .borrow_mut()
            .tables
            .entry(self.path.clone())
            .or_insert(fields);
        visitor.visit_map(Fields {
            probe: self,
            fields: fields.iter(),
            current: "",
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.found.borrow_mut().free.insert(self.path.clone());
        visitor.visit_map(de::value::MapDeserializer::new(
            std::iter::empty::<((), ())>(),
        ))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_seq(One(Some(self.at("[]"))))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        let Some(variant) = variants.first() else {
            return Err(Stop("an enum without variants".into()));
        };
        visitor.visit_enum(First {
            probe: self,
            variant,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_bool(false)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_i64(1)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_u64(1)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_f64(1.0)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_borrowed_str("")
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        char bytes byte_buf unit unit_struct identifier ignored_any
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_i64(visitor)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(visitor)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_f64(visitor)
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_str(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::protocol::Protocol;

    /// The schema read from the derive: the tables of a protocol file and their keys, arrays of tables included.
    #[test]
    fn the_schema_of_a_protocol_comes_from_its_derive() {
        let s = Schema::of::<Protocol>();
        let keys = |p: &[&'static str]| s.tables.get(p).map(|f| f.to_vec());
        let top = keys(&[]).expect("the root");
        assert!(
            top.contains(&"practice") && top.contains(&"evidence"),
            "{top:?}"
        );
        assert!(
            keys(&["practice"])
                .expect("practice")
                .contains(&"structure")
        );
        let task = keys(&["practice", "tasks", "[]"]).expect("a task");
        assert!(task.contains(&"weight"), "{task:?}");
        assert!(keys(&["practice", "tasks", "[]", "components", "[]"]).is_some());
        assert!(keys(&["schedule", "phases", "[]"]).is_some());
        assert!(keys(&["constraint"]).is_some());
    }

    #[test]
    fn the_nearest_name_is_suggested_only_when_close() {
        let top = ["id", "name", "practice", "progression", "evidence"];
        assert_eq!(nearest("practise", &top), Some("practice"));
        assert_eq!(nearest("Practise", &top), Some("practice"));
        assert_eq!(nearest("evidnce", &top), Some("evidence"));
        assert_eq!(nearest("weather", &top), None);
        assert_eq!(
            nearest(
                "repetitons",
                &[
                    "weeks",
                    "repetitions_per_session",
                    "rest_hours_between_sessions"
                ]
            ),
            Some("repetitions_per_session")
        );
    }
}
