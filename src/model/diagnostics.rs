//! Positioned diagnostics for TOML files: every problem in a protocol or scenario file reported as
//! `FILE:LINE:COLUMN: message`, at the value it is about.
//!
//! The file is parsed once for its syntax with spans kept ([`SpannedDoc`]); serde errors (wrong type, unknown or
//! missing key) and validation [`Problem`]s (a path of keys and indices plus a message) are then placed on the line
//! and column of the offending value. Used by [`super::protocol`] and [`super::scenario`]; knows neither.

use serde::Serialize;

/// One problem in a file, at a 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A protocol or scenario file that cannot be used: every problem found, each with its position.
/// Displays as one `FILE:LINE:COLUMN: message` line per problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct FileError {
    pub origin: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.origin, d.line, d.column, d.message)?;
        }
        Ok(())
    }
}

impl FileError {
    /// A file-level problem (e.g. it cannot be read), reported at 1:1.
    pub fn whole_file(origin: &str, message: impl Into<String>) -> Self {
        FileError {
            origin: origin.to_string(),
            diagnostics: vec![Diagnostic {
                line: 1,
                column: 1,
                message: message.into(),
            }],
        }
    }
}

/// A step in the path to a value of a TOML document: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    /// A key chosen by the file's author (e.g. an instrument id in `[baseline]`).
    Name(String),
    /// The key itself rather than its value (for unknown keys): always the last segment.
    KeyItself(String),
    Index(usize),
}

/// A validation problem before it is placed in the file: the path of the offending value and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: Vec<Seg>,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(path: &[Seg], message: impl Into<String>) -> Self {
        Problem {
            path: path.to_vec(),
            message: message.into(),
        }
    }
}

/// Dotted form of a path: `practice.tasks[1].weight`.
pub fn path_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Name(k) | Seg::KeyItself(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{}]", i + 1)),
        }
    }
    s
}

/// The parsed TOML document with spans, used to place errors at a line and column.
pub(crate) struct SpannedDoc<'i> {
    text: &'i str,
    root: toml::Spanned<toml::de::DeValue<'i>>,
}

impl<'i> SpannedDoc<'i> {
    /// Parse the syntax only; a syntax error becomes a positioned diagnostic.
    pub(crate) fn parse(text: &'i str, origin: &str) -> Result<Self, FileError> {
        match toml::de::DeTable::parse(text) {
            Ok(t) => {
                let span = t.span();
                let root = toml::Spanned::new(span, toml::de::DeValue::Table(t.into_inner()));
                Ok(SpannedDoc { text, root })
            }
            Err(e) => Err(FileError {
                origin: origin.to_string(),
                diagnostics: vec![self_diag(
                    text,
                    e.span().map_or(0, |s| s.start),
                    &clean_message(e.message()),
                )],
            }),
        }
    }

    /// Line and column of the value at `path`, or of its nearest existing ancestor's key.
    pub(crate) fn position(&self, path: &[Seg]) -> (usize, usize) {
        line_col(self.text, self.offset_of(path))
    }

    /// Byte offset of the value at `path`, or of its nearest existing ancestor's key.
    fn offset_of(&self, path: &[Seg]) -> usize {
        let mut node = &self.root;
        let mut offset = 0;
        for seg in path {
            let next = match seg {
                Seg::Key(k) => match node.get_ref() {
                    toml::de::DeValue::Table(t) => {
                        t.get_key_value(*k).map(|(key, v)| (key.span().start, v))
                    }
                    _ => None,
                },
                Seg::Name(k) => match node.get_ref() {
                    toml::de::DeValue::Table(t) => t
                        .get_key_value(k.as_str())
                        .map(|(key, v)| (key.span().start, v)),
                    _ => None,
                },
                Seg::Index(i) => node.get_ref().get(*i).map(|v| (v.span().start, v)),
                Seg::KeyItself(k) => {
                    if let toml::de::DeValue::Table(t) = node.get_ref()
                        && let Some((key, _)) = t.get_key_value(k.as_str())
                    {
                        offset = key.span().start;
                    }
                    break;
                }
            };
            match next {
                Some((key_start, v)) => {
                    // A `[header]` table's own span may be empty; fall back to its key.
                    offset = if v.span().is_empty() {
                        key_start
                    } else {
                        v.span().start
                    };
                    node = v;
                }
                None => break,
            }
        }
        offset
    }

    /// Deserialize into `T` from the tree already parsed; a type error, unknown key or missing key becomes a
    /// positioned diagnostic naming the key (its path kept by `serde_path_to_error` on the way down).
    pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(
        &self,
        origin: &str,
    ) -> Result<T, FileError> {
        let toml::de::DeValue::Table(table) = self.root.get_ref() else {
            return Err(FileError::whole_file(origin, "expected a TOML table"));
        };
        let de = toml::de::Deserializer::from(toml::Spanned::new(self.root.span(), table.clone()));
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path: Vec<Seg> = e
                .path()
                .iter()
                .filter_map(|seg| match seg {
                    serde_path_to_error::Segment::Map { key } => Some(Seg::Name(key.clone())),
                    serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                    _ => None,
                })
                .collect();
            let e = e.into_inner();
            let offset = match e.span() {
                Some(span) => span.start,
                None => self.offset_of(&path),
            };
            let path = path_text(&path);
            let msg = clean_message(e.message());
            let message = if let Some(rest) = msg.strip_prefix("unknown field `") {
                // "unknown field `x`, expected one of `a`, `b`" -> name the full key and keep the list.
                // The path ends with the unknown key itself.
                let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
                let expected = expected.trim_start_matches(", ");
                let key = if path.is_empty() { key } else { &path };
                format!("unknown key `{key}` (misspelt?); {expected}")
            } else if path.is_empty() {
                msg
            } else {
                format!("{path}: {msg}")
            };
            FileError {
                origin: origin.to_string(),
                diagnostics: vec![self_diag(self.text, offset, &message)],
            }
        })
    }

    /// Place validation problems in the file.
    pub(crate) fn locate(&self, origin: &str, problems: Vec<Problem>) -> Result<(), FileError> {
        if problems.is_empty() {
            return Ok(());
        }
        let mut diagnostics: Vec<Diagnostic> = problems
            .into_iter()
            .map(|p| {
                let (line, column) = self.position(&p.path);
                Diagnostic {
                    line,
                    column,
                    message: p.message,
                }
            })
            .collect();
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(FileError {
            origin: origin.to_string(),
            diagnostics,
        })
    }

    pub(crate) fn root(&self) -> &toml::de::DeValue<'i> {
        self.root.get_ref()
    }
}

fn self_diag(text: &str, offset: usize, message: &str) -> Diagnostic {
    let (line, column) = line_col(text, offset);
    Diagnostic {
        line,
        column,
        message: message.to_string(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Make serde/toml wording readable for a therapist.
fn clean_message(msg: &str) -> String {
    let m = msg.trim().replace('\n', " ");
    m.replace("expected u32", "expected a whole number")
        .replace("expected u64", "expected a whole number")
        .replace("expected u8", "expected a whole number")
        .replace("expected i32", "expected a whole number")
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected a list [ ... ]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        tasks: Vec<Task>,
        goal: Goal,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Task {
        weight: f64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Goal {
        instrument: String,
        target: f64,
    }

    fn error_of(text: &str) -> String {
        let doc = SpannedDoc::parse(text, "f.toml").expect("valid syntax");
        doc.deserialize::<Doc>("f.toml")
            .expect_err("a bad document")
            .to_string()
    }

    /// Issue 10.6: the path of a serde error comes from `serde_path_to_error` (no second parse), at the value's
    /// line and column, with array elements counted from 1 as elsewhere.
    #[test]
    fn serde_errors_name_the_key_at_its_line_and_column() {
        let ok =
            "name = \"a\"\n[[tasks]]\nweight = 1.0\n[goal]\ninstrument = \"bbs\"\ntarget = 4\n";
        let doc = SpannedDoc::parse(ok, "f.toml").expect("valid syntax");
        assert_eq!(
            doc.deserialize::<Doc>("f.toml").map(|d| d.tasks.len()),
            Ok(1)
        );
        let wrong = ok.replace(
            "[[tasks]]\nweight = 1.0",
            "[[tasks]]\nweight = 1.0\n[[tasks]]\nweight = \"x\"",
        );
        assert_eq!(
            error_of(&wrong),
            "f.toml:5:10: tasks[2].weight: invalid type: string \"x\", expected a number"
        );
        let unknown = ok.replace("weight = 1.0", "weight = 1.0\nwieght = 2");
        assert_eq!(
            error_of(&unknown),
            "f.toml:4:1: unknown key `tasks[1].wieght` (misspelt?); expected `weight`"
        );
        // A missing key is reported at its table, which the message now names.
        let missing = ok.replace("target = 4\n", "");
        assert_eq!(
            error_of(&missing),
            "f.toml:4:1: goal: missing field `target`"
        );
    }
}
