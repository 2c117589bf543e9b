//! Helpers shared by the data commands: opening the store, aligned tables that fit 80 columns, value parsers.

use super::Ctx;
use crate::domain::{Named, text};
use crate::store::Store;

/// Terminal width the tables fit.
pub const WIDTH: usize = 80;

/// Open the database named by `--db` / `PRAXIS_DB` / the default path.
pub fn open(ctx: &Ctx) -> anyhow::Result<Store> {
    open_with(ctx, false)
}

/// Open the database named by `--db` / `PRAXIS_DB` / the default path, which must exist (nothing is created).
pub fn open_existing(ctx: &Ctx) -> anyhow::Result<Store> {
    open_with(ctx, true)
}

/// Open `--db`: a SQLite file (created unless `existing`) or a PostgreSQL server.
fn open_with(ctx: &Ctx, existing: bool) -> anyhow::Result<Store> {
    let new = ctx.server_url().is_none() && !ctx.db.exists();
    let mut store = Store::open_db(&ctx.db, existing).map_err(|e| {
        // Name the file once: some messages already do.
        let names_file = e.to_string().contains(&ctx.db.display().to_string());
        let e = anyhow::Error::new(e);
        if names_file {
            e
        } else {
            e.context(format!("opening the database {}", ctx.db.display()))
        }
    })?;
    if new {
        // Said on stderr so `--json` output stays clean: an empty list from a new file is not lost data.
        eprintln!(
            "praxis: created a new database at {}",
            text::visible(&ctx.db.display().to_string())
        );
    }
    for w in store.warnings() {
        eprintln!("praxis: warning: {}", text::visible_lines(w));
    }
    // Sessions and plans name protocols of the library the forecasts use: the store refuses others.
    store.set_protocols(crate::app::protocols::Library::load().rules());
    Ok(store)
}

/// End the command cleanly on SIGHUP (the SSH connection dropped), SIGTERM and SIGINT: say so on stderr and exit
/// with status 128+signal. A write in progress is one SQLite transaction that was not committed, so it is rolled
/// back entirely (SQLite ignores uncommitted WAL frames): the database holds everything committed before and
/// nothing of the interrupted change. Commands have no unsaved typing to lose; the terminal interface handles
/// these signals itself, so this is only for subcommands.
pub fn exit_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGHUP, SIGTERM, SIGINT]) else {
        return; // Keep the default action, which is just as safe for the data.
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let name = match sig {
                SIGHUP => "SIGHUP",
                SIGTERM => "SIGTERM",
                _ => "SIGINT",
            };
            eprintln!(
                "praxis: stopped by {name}; a change in progress was not saved (the database is unchanged by it)"
            );
            std::process::exit(128 + sig);
        }
    });
}

/// Let a closed pipe end a command quietly, as it ends other Unix tools (`praxis audit | head`): restore SIGPIPE's
/// default action. Rust starts programs with SIGPIPE ignored, so a `println!` into a closed pipe would panic with a
/// stack trace instead. Not for `export`, which must see the error to record an incomplete export in the audit
/// trail. Whatever a command saved was committed before it printed, so being ended here loses nothing.
pub fn end_quietly_on_closed_pipe() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // SAFETY: restores the default action (no handler of ours runs); called at startup, before any other thread.
    // Failing leaves SIGPIPE ignored, which only makes a closed pipe an error message: nothing to report.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

/// Ask before something that cannot be undone: with `--yes`, go ahead; on a terminal, ask for "yes"; otherwise
/// (a script, a pipe) refuse and say to pass `--yes`.
pub fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "{question} Not confirmed: nothing was changed. Add --yes to do it without asking"
        );
    }
    eprint!("{question} Type yes to go on: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        anyhow::bail!("not confirmed: nothing was changed")
    }
}

/// Render an aligned table: two spaces between columns; when wider than [`WIDTH`], the widest columns are
/// shortened (cells end in '…') until it fits. Widths are terminal columns (a CJK character or an emoji takes
/// two). Cells are stored text: shown with control characters made visible ([`text::visible`]).
///
/// comfy-table lays the table out; the cells are cut here, by [`text::cut`], because a cut must fall between whole
/// escapes (`\u{1b}`), which comfy-table's own truncation knows nothing of.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    use comfy_table::{ColumnConstraint, Width};
    let widths = column_widths(headers, rows);
    let cut = |cells: &mut dyn Iterator<Item = &str>| -> Vec<String> {
        cells.zip(&widths).map(|(c, w)| text::cut(c, *w)).collect()
    };
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    t.set_header(cut(&mut headers.iter().copied()));
    for row in rows {
        t.add_row(cut(&mut row.iter().map(String::as_str)));
    }
    let last = widths.len().saturating_sub(1);
    for (i, (col, w)) in t.column_iter_mut().zip(&widths).enumerate() {
        let gap = if i < last { 2 } else { 0 };
        col.set_padding((0, gap));
        let fixed = u16::try_from(w + usize::from(gap)).unwrap_or(u16::MAX);
        col.set_constraint(ColumnConstraint::Absolute(Width::Fixed(fixed)));
    }
    let mut out = t.trim_fmt();
    out.push('\n');
    out
}

/// Each column's width: its widest cell, then the widest columns shortened one column at a time (none below 6)
/// until the table fits [`WIDTH`].
fn column_widths(headers: &[&str], rows: &[Vec<String>]) -> Vec<usize> {
    let n = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| text::width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(text::width(cell));
        }
    }
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * n.saturating_sub(1);
    while total(&widths) > WIDTH {
        let Some((i, _)) = widths
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > 6)
            .max_by_key(|(_, w)| **w)
        else {
            break;
        };
        widths[i] -= 1;
    }
    widths
}

/// "0.75" or "75%" -> 0.75.
pub fn parse_fraction(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let (num, scale) = match s.strip_suffix('%') {
        Some(p) => (p.trim(), 100.0),
        None => (s, 1.0),
    };
    let x = text::parse_decimal(num).ok_or_else(|| {
        format!("{s:?} is not a number; give a fraction such as 0.75 or a percentage such as 75%")
    })?;
    Ok(x / scale)
}

/// A number option (a score, a stage): "12.5", or "12,5" with a decimal comma.
pub fn decimal(s: &str) -> Result<f64, String> {
    text::parse_decimal(s)
        .ok_or_else(|| format!("{s:?} is not a number; write it with a decimal point, e.g. 12.5"))
}

/// A date option: YYYY-MM-DD, with a message naming what is wrong (`domain::text::parse_date`).
pub fn date(s: &str) -> Result<chrono::NaiveDate, String> {
    text::parse_date(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_day_the_month_does_not_have_is_named() {
        assert_eq!(
            super::date("2026-02-30"),
            Err("\"2026-02-30\" is not a date: February 2026 has 28 days, not 30".into())
        );
        assert_eq!(
            super::date("2028-02-30"),
            Err("\"2028-02-30\" is not a date: February 2028 has 29 days, not 30".into())
        );
        assert!(super::date("2026-13-01").is_err_and(|e| e.contains("no month 13")));
        assert!(super::date("30/02/2026").is_err_and(|e| e.contains("YYYY-MM-DD")));
        assert_eq!(
            super::date(" 2026-02-28 "),
            Ok(chrono::NaiveDate::from_ymd_opt(2026, 2, 28).expect("a day"))
        );
    }

    /// Issue 10.6b: the command line accepts both spellings of a condition and lists the one it writes.
    #[test]
    fn an_enum_option_takes_either_spelling_and_lists_one() {
        use crate::domain::ConditionKind;
        let cmd = || {
            clap::Command::new("t").arg(
                clap::Arg::new("condition")
                    .long("condition")
                    .value_parser(super::named::<ConditionKind>()),
            )
        };
        for given in [
            "cerebellar-ataxia",
            "cerebellar_ataxia",
            "Cerebellar-Ataxia",
        ] {
            let m = cmd()
                .try_get_matches_from(["t", "--condition", given])
                .unwrap();
            assert_eq!(
                m.get_one::<ConditionKind>("condition"),
                Some(&ConditionKind::CerebellarAtaxia)
            );
        }
        let err = cmd()
            .try_get_matches_from(["t", "--condition", "ataxia"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[possible values: stroke, parkinsons, cerebellar_ataxia, older_adult]"),
            "{err}"
        );
    }

    use super::*;

    /// Issue 10.6: a wide (CJK, emoji) name is cut to its column's width in terminal columns, and the columns
    /// after it stay aligned on screen.
    #[test]
    fn wide_names_are_cut_to_the_column_and_keep_alignment() {
        use unicode_width::UnicodeWidthStr as _;
        let rows = vec![
            vec!["P-0001".to_string(), "王小明".repeat(12), "x".to_string()],
            vec!["P-0002".to_string(), "🙂 Zoë".to_string(), "y".to_string()],
            vec!["P-0003".to_string(), "Ada".to_string(), "z".to_string()],
        ];
        let t = table(&["CODE", "NAME", "FLAGS"], &rows);
        let lines: Vec<&str> = t.lines().collect();
        for l in &lines {
            assert!(l.width() <= WIDTH, "{} columns: {l}", l.width());
        }
        // The last column starts at the same screen column on every line.
        let flag_col = |l: &str| {
            let (before, _) = l.rsplit_once(' ').expect("columns");
            before.width() + 1
        };
        let col = flag_col(lines[0]);
        assert!(lines.iter().all(|l| flag_col(l) == col), "{t}");
        assert!(lines[1].contains('…'), "{t}");
        assert!(lines[1].starts_with("P-0001  王小明王小明"), "{t}");
        assert!(lines[2].contains("🙂 Zoë"), "{t}");
    }

    #[test]
    fn tables_fit_80_columns_and_align() {
        let rows = vec![
            vec!["P-0001".to_string(), "x".repeat(70), "y".repeat(30)],
            vec!["P-2".to_string(), "short".to_string(), "z".to_string()],
        ];
        let t = table(&["CODE", "PLAN", "FLAGS"], &rows);
        for l in t.lines() {
            assert!(l.chars().count() <= WIDTH, "{l}");
        }
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0].find("PLAN"), lines[2].find("short"));
        assert!(lines[1].contains('…'));
    }

    #[test]
    fn fractions_and_percentages() {
        assert_eq!(parse_fraction("0.75"), Ok(0.75));
        assert_eq!(parse_fraction("75%"), Ok(0.75));
        assert!(parse_fraction("most").unwrap_err().contains("not a number"));
    }
}

/// The value parser of an option taking an enum value ([`Named`]): lists each value's one name
/// (`cerebellar_ataxia`) and also accepts `-` for `_` and any case (`cerebellar-ataxia`).
pub fn named<T: Named + Send + Sync>() -> NameParser<T> {
    NameParser(std::marker::PhantomData)
}

/// See [`named`].
#[derive(Clone, Copy)]
pub struct NameParser<T>(std::marker::PhantomData<fn() -> T>);

impl<T: Named + Send + Sync> clap::builder::TypedValueParser for NameParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        if let Some(v) = value.to_str().and_then(T::parse_name) {
            return Ok(v);
        }
        // Not a name: clap's own parser of the listed names words the refusal (with a suggestion).
        clap::builder::PossibleValuesParser::new(T::names())
            .parse_ref(cmd, arg, value)
            .and_then(|s| {
                T::parse_name(&s)
                    .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue))
            })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            T::all()
                .iter()
                .map(|v| clap::builder::PossibleValue::new(v.name())),
        ))
    }
}
