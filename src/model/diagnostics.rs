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
        line_col(self.text, offset)
    }

    /// Dotted path of the innermost key or value whose span contains `offset` (for serde errors, which carry a
    /// span only).
    pub(crate) fn path_at(&self, offset: usize) -> String {
        fn find(node: &toml::de::DeValue<'_>, offset: usize, out: &mut String) -> bool {
            match node {
                toml::de::DeValue::Table(t) => {
                    for (k, v) in t.iter() {
                        let mark = out.len();
                        if !out.is_empty() {
                            out.push('.');
                        }
                        out.push_str(k.get_ref());
                        if k.span().contains(&offset) {
                            return true;
                        }
                        if v.span().contains(&offset)
                            && !v.get_ref().is_table()
                            && !v.get_ref().is_array()
                        {
                            return true;
                        }
                        if find(v.get_ref(), offset, out) {
                            return true;
                        }
                        out.truncate(mark);
                    }
                    false
                }
                toml::de::DeValue::Array(a) => {
                    for (i, v) in a.iter().enumerate() {
                        let mark = out.len();
                        out.push_str(&format!("[{}]", i + 1));
                        if find(v.get_ref(), offset, out) {
                            return true;
                        }
                        if v.span().contains(&offset) && !v.get_ref().is_table() {
                            return true;
                        }
                        out.truncate(mark);
                    }
                    false
                }
                _ => false,
            }
        }
        let mut out = String::new();
        find(self.root.get_ref(), offset, &mut out);
        out
    }

    /// Deserialize into `T`; a type error, unknown key or missing key becomes a positioned diagnostic.
    pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(
        &self,
        origin: &str,
    ) -> Result<T, FileError> {
        toml::from_str::<T>(self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let path = if e.span().is_some() {
                self.path_at(offset)
            } else {
                String::new()
            };
            let msg = clean_message(e.message());
            let message = if let Some(rest) = msg.strip_prefix("unknown field `") {
                // "unknown field `x`, expected one of `a`, `b`" -> name the full key and keep the list.
                let expected = rest.split_once(", ").map_or("", |(_, e)| e);
                let key = if path.is_empty() {
                    rest.split('`').next().unwrap_or("").to_string()
                } else {
                    path
                };
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
