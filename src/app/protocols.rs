//! The protocol library: the built-in protocols embedded in the binary plus the user's own protocol files.
//!
//! One bad file never stops the others from loading: [`Library`] keeps the good protocols and a list of errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::app::AppError;
use crate::model::protocol::{self, FileError, Protocol};

/// The built-in protocol files, embedded so `praxis` works from any directory: (file name, text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "usual-care.toml",
        include_str!("../../protocols/usual-care.toml"),
    ),
    (
        "task-specific-300.toml",
        include_str!("../../protocols/task-specific-300.toml"),
    ),
    ("cimt.toml", include_str!("../../protocols/cimt.toml")),
    ("mcimt.toml", include_str!("../../protocols/mcimt.toml")),
    (
        "lsvt-big.toml",
        include_str!("../../protocols/lsvt-big.toml"),
    ),
    (
        "part-whole-reach.toml",
        include_str!("../../protocols/part-whole-reach.toml"),
    ),
    (
        "cerebellar-coordination.toml",
        include_str!("../../protocols/cerebellar-coordination.toml"),
    ),
    (
        "balance-gait-older.toml",
        include_str!("../../protocols/balance-gait-older.toml"),
    ),
    (
        "task-specific-massed.toml",
        include_str!("../../protocols/task-specific-massed.toml"),
    ),
    (
        "task-specific-distributed.toml",
        include_str!("../../protocols/task-specific-distributed.toml"),
    ),
    (
        "dose-3200.toml",
        include_str!("../../protocols/dose-3200.toml"),
    ),
    (
        "dose-6400.toml",
        include_str!("../../protocols/dose-6400.toml"),
    ),
    (
        "dose-9600.toml",
        include_str!("../../protocols/dose-9600.toml"),
    ),
    (
        "pd-usual-physio.toml",
        include_str!("../../protocols/pd-usual-physio.toml"),
    ),
    (
        "ataxia-usual-care.toml",
        include_str!("../../protocols/ataxia-usual-care.toml"),
    ),
    (
        "falls-usual-care.toml",
        include_str!("../../protocols/falls-usual-care.toml"),
    ),
];

/// Where a protocol came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum Source {
    BuiltIn,
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub protocol: Protocol,
    pub source: Source,
}

/// The protocols available, by id, and the files that could not be used.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub entries: BTreeMap<String, Entry>,
    pub errors: Vec<FileError>,
}

/// Parse one protocol file from disk.
pub fn load_file(path: &Path) -> Result<Protocol, FileError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        FileError::whole_file(&origin, format!("cannot read the protocol file: {e}"))
    })?;
    protocol::parse(&text, &origin)
}

/// The `*.toml` files of a folder, sorted by name.
pub fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, FileError> {
    let origin = dir.display().to_string();
    let rd = std::fs::read_dir(dir).map_err(|e| {
        FileError::whole_file(&origin, format!("cannot read the protocol folder: {e}"))
    })?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

impl Library {
    /// The built-in protocols only.
    pub fn builtin() -> Library {
        let mut lib = Library::default();
        for (file, text) in BUILTIN {
            match protocol::parse(text, &format!("protocols/{file}")) {
                Ok(p) => lib.insert(p, Source::BuiltIn),
                Err(e) => lib.errors.push(e),
            }
        }
        lib
    }

    /// The built-in protocols plus the user's folder (`PRAXIS_PROTOCOLS`, else `$XDG_CONFIG_HOME/praxis/protocols/`),
    /// whose protocols override built-ins with the same id.
    pub fn load() -> Library {
        let mut lib = Library::builtin();
        if let Some(dir) = user_dir() {
            if dir.is_dir() {
                lib.add_dir(&dir);
            } else if std::env::var_os("PRAXIS_PROTOCOLS").is_some_and(|d| !d.is_empty()) {
                // Named explicitly: say it is missing (the XDG folder is optional and stays silent).
                lib.errors.push(FileError::whole_file(
                    &dir.display().to_string(),
                    "PRAXIS_PROTOCOLS names a folder that does not exist",
                ));
            }
        }
        lib
    }

    /// Add every `*.toml` in `dir`; bad files go to `errors`.
    pub fn add_dir(&mut self, dir: &Path) {
        match toml_files(dir) {
            Ok(files) => {
                for f in files {
                    self.add_file(&f);
                }
            }
            Err(e) => self.errors.push(e),
        }
    }

    /// Add one file; a bad file goes to `errors`.
    pub fn add_file(&mut self, path: &Path) {
        match load_file(path) {
            Ok(p) => self.insert(p, Source::File(path.to_path_buf())),
            Err(e) => self.errors.push(e),
        }
    }

    fn insert(&mut self, protocol: Protocol, source: Source) {
        self.entries
            .insert(protocol.id.clone(), Entry { protocol, source });
    }

    pub fn get(&self, id: &str) -> Option<&Protocol> {
        self.entries.get(id).map(|e| &e.protocol)
    }

    /// The library as the shared rules need it: each id and its highest level.
    pub fn rules(&self) -> crate::domain::rules::Protocols {
        rules_of(self.protocols())
    }

    pub fn protocols(&self) -> impl Iterator<Item = &Protocol> {
        self.entries.values().map(|e| &e.protocol)
    }

    /// Resolve a protocol named on the command line or in a scenario: a path to a `.toml` file (relative to
    /// `base_dir` when given and not absolute), or an id of the library.
    pub fn resolve(&self, spec: &str, base_dir: Option<&Path>) -> Result<Protocol, AppError> {
        let looks_like_path = spec.ends_with(".toml") || spec.contains('/') || spec.contains('\\');
        if looks_like_path {
            let p = Path::new(spec);
            let candidates: Vec<PathBuf> = match base_dir {
                Some(b) if p.is_relative() => vec![p.to_path_buf(), b.join(p)],
                _ => vec![p.to_path_buf()],
            };
            return match candidates.iter().find(|c| c.is_file()) {
                Some(c) => Ok(load_file(c)?),
                None => Err(AppError::ProtocolFileNotFound(spec.to_string())),
            };
        }
        if let Some(p) = self.get(spec) {
            return Ok(p.clone());
        }
        let broken = self
            .errors
            .iter()
            .find(|e| Path::new(&e.origin).file_stem().and_then(|s| s.to_str()) == Some(spec));
        Err(match broken {
            Some(e) => AppError::BrokenProtocol {
                spec: spec.to_string(),
                errors: e.clone(),
            },
            None => AppError::UnknownProtocol {
                spec: spec.to_string(),
                known: self
                    .entries
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        })
    }
}

/// Protocols as the shared rules need them: each id and its highest level.
pub fn rules_of<'a>(
    protocols: impl IntoIterator<Item = &'a Protocol>,
) -> crate::domain::rules::Protocols {
    crate::domain::rules::Protocols::new(
        protocols
            .into_iter()
            .map(|p| (p.id.clone(), p.progression.max_level)),
    )
}

/// The user's protocol folder: `PRAXIS_PROTOCOLS`, else `$XDG_CONFIG_HOME/praxis/protocols`.
pub fn user_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("PRAXIS_PROTOCOLS").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    use etcetera::BaseStrategy as _;
    etcetera::choose_base_strategy()
        .ok()
        .map(|b| b.config_dir().join("praxis").join("protocols"))
}

/// Result of checking one file.
#[derive(Debug, Clone)]
pub struct Checked {
    pub path: PathBuf,
    pub result: Result<Protocol, FileError>,
}

/// Check files and folders (each folder: its `*.toml` files). An unreadable folder is reported as an error entry.
pub fn check_paths(paths: &[PathBuf]) -> Vec<Checked> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            match toml_files(p) {
                Ok(files) => {
                    for f in files {
                        out.push(Checked {
                            result: load_file(&f),
                            path: f,
                        });
                    }
                }
                Err(e) => out.push(Checked {
                    path: p.clone(),
                    result: Err(e),
                }),
            }
        } else {
            out.push(Checked {
                path: p.clone(),
                result: load_file(p),
            });
        }
    }
    out
}

/// Check the built-in library.
pub fn check_builtin() -> Vec<Checked> {
    BUILTIN
        .iter()
        .map(|(file, text)| {
            let origin = format!("protocols/{file}");
            Checked {
                result: protocol::parse(text, &origin),
                path: PathBuf::from(origin),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_protocol_parses() {
        for c in check_builtin() {
            if let Err(e) = &c.result {
                panic!("{e}");
            }
        }
        assert_eq!(Library::builtin().entries.len(), BUILTIN.len());
    }

    #[test]
    fn resolve_unknown_id_lists_known() {
        let lib = Library::builtin();
        let e = lib.resolve("no-such", None).unwrap_err();
        assert!(
            matches!(&e, AppError::UnknownProtocol { spec, known } if spec == "no-such" && known.contains("usual-care")),
            "{e}"
        );
        let e = e.to_string();
        assert!(
            e.contains("unknown protocol") && e.contains("usual-care"),
            "{e}"
        );
        assert!(matches!(
            lib.resolve("nowhere/x.toml", None),
            Err(AppError::ProtocolFileNotFound(_))
        ));
    }
}
