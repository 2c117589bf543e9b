//! `praxis audit [--patient P-0001] [--verify [--anchor FILE]] [--json]`: the audit trail, and a check of its hash
//! chain; `praxis audit anchor [--out FILE]`: the trail's length and newest hash, to keep elsewhere.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::Ctx;
use super::util::{open, table};
use crate::domain::text::visible;
use crate::store::{AuditAnchor, AuditEntry};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Only this patient's rows (by pseudonymous code).
    #[arg(long, value_name = "CODE")]
    patient: Option<String>,
    /// Check the hash chain; exits non-zero and names the first bad row when it is broken.
    #[arg(long)]
    verify: bool,
    /// With --verify: also check against an anchor written earlier by `praxis audit anchor`.
    ///
    /// Fails when the trail now has fewer rows than the anchor saw (rows removed from its end) or the anchor's
    /// newest row has another hash (the trail was rewritten and rehashed). Rows added since are fine.
    #[arg(long, value_name = "FILE", requires = "verify")]
    anchor: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Print an anchor (row count, newest row's id and hash, time) as JSON, to keep outside the shared folder.
    ///
    /// Anyone who can write the database file can cut or rewrite the audit trail and recompute its chain, and
    /// `--verify` alone cannot tell. An anchor kept where they cannot change it (another machine, a mail to
    /// yourself, paper) can: `praxis audit --verify --anchor FILE`.
    Anchor {
        /// Write the anchor to this file (replacing it) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn read_anchor(path: &Path) -> anyhow::Result<AuditAnchor> {
    let shown = visible(&path.display().to_string()).into_owned();
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the audit anchor {shown}"))?;
    serde_json::from_str(&text).with_context(|| {
        format!("{shown} is not an audit anchor (written by `praxis audit anchor`)")
    })
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let store = open(ctx)?;
    if let Some(Cmd::Anchor { out }) = &args.command {
        let anchor = store.audit_anchor()?;
        let json = serde_json::to_string_pretty(&anchor)?;
        match out {
            None => println!("{json}"),
            Some(path) => {
                let shown = visible(&path.display().to_string()).into_owned();
                std::fs::write(path, format!("{json}\n"))
                    .with_context(|| format!("cannot write the audit anchor to {shown}"))?;
                if ctx.json {
                    ctx.print_json(&anchor)?;
                } else {
                    println!(
                        "Wrote the audit anchor ({} rows, newest row {}) to {shown}. Keep it where members of the \
                         clinic group cannot change it.",
                        anchor.rows, anchor.last_id
                    );
                }
            }
        }
        return Ok(());
    }
    if args.verify {
        let anchor = args.anchor.as_deref().map(read_anchor).transpose()?;
        let res = match &anchor {
            Some(a) => store.verify_audit_with_anchor(a)?,
            None => store.verify_audit()?,
        };
        return report_verify(ctx, res, anchor.as_ref());
    }
    let rows = store.audit(args.patient.as_deref())?;
    if ctx.json {
        return ctx.print_json(&rows);
    }
    if rows.is_empty() {
        println!("No audit rows.");
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                when(&e.at),
                who(e),
                e.patient_code.clone().unwrap_or_else(|| "-".into()),
                summary(e),
            ]
        })
        .collect();
    print!(
        "{}",
        table(&["#", "WHEN (UTC)", "WHO", "PATIENT", "WHAT"], &cells)
    );
    Ok(())
}

/// "2026-11-23T20:01:02.123Z" -> "2026-11-23 20:01".
fn when(at: &str) -> String {
    at.get(..16).unwrap_or(at).replacen('T', " ", 1)
}

fn who(e: &AuditEntry) -> String {
    match &e.ssh_addr {
        Some(addr) => format!("{}@{addr}", e.os_user),
        None => e.os_user.clone(),
    }
}

/// A short account of the change: "new assessment fma_ue 30 2026-01-05", "edit patient: notes=...", "export
/// sessions 12 rows pseudonymised".
pub fn summary(e: &AuditEntry) -> String {
    let obj = |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_object()).cloned();
    let with = |head: String, facts: Vec<String>| {
        if facts.is_empty() {
            head
        } else {
            format!("{head} {}", facts.join(" "))
        }
    };
    match (e.action.as_str(), obj(&e.before), obj(&e.after)) {
        ("void", Some(_), Some(_)) => format!("void {} {}", e.entity, e.entity_key),
        ("correct", Some(b), Some(a)) => {
            // The fields the correction changed; the rest is the record's standing.
            let standing = [
                "id",
                "status",
                "record_status",
                "supersedes",
                "superseded_by",
                "reason",
                "changed_by",
                "changed_at",
                "created_by",
                "version",
            ];
            let changed: Vec<String> = a
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(*v) && !standing.contains(&k.as_str()))
                .map(|(k, v)| format!("{k} {} -> {}", b.get(k).map_or("-".into(), short), short(v)))
                .collect();
            let new = a.get("id").map_or("?".into(), short);
            with(
                format!("correct {} {} (now {new}):", e.entity, e.entity_key),
                changed,
            )
        }
        (_, Some(b), Some(a)) => {
            let mut changed: Vec<String> = a
                .iter()
                .filter(|(k, v)| {
                    b.get(*k) != Some(*v) && !matches!(k.as_str(), "version" | "updated_at")
                })
                .map(|(k, v)| format!("{k}={}", short(v)))
                .collect();
            changed.extend(
                b.keys()
                    .filter(|k| !a.contains_key(*k))
                    .map(|k| format!("{k} removed")),
            );
            let verb = if e.action == "update" {
                "edit"
            } else {
                e.action.as_str()
            };
            if changed.is_empty() {
                format!("{verb} {} (no change)", e.entity)
            } else {
                format!("{verb} {}: {}", e.entity, changed.join(", "))
            }
        }
        ("create", None, Some(a)) => {
            let pick = [
                "instrument",
                "score",
                "date",
                "started_at",
                "protocol_id",
                "minutes",
                "condition",
                "role",
                "target",
                "by",
                "goal_id",
                "level",
            ];
            let facts = pick.iter().filter_map(|k| a.get(*k).map(short)).collect();
            with(format!("new {}", e.entity), facts)
        }
        ("delete", None, Some(a)) if e.entity == "patient" => {
            let n = |k: &str| a.get(k).map(short).unwrap_or_else(|| "?".into());
            format!(
                "erase a patient: {} assessments, {} sessions, {} plans; {} audit rows cleared",
                n("assessments"),
                n("sessions"),
                n("plans"),
                n("audit_rows")
            )
        }
        ("export_incomplete", None, Some(a)) => {
            let n = |k: &str| a.get(k).map(short).unwrap_or_else(|| "?".into());
            format!(
                "export {} cut short: {}/{} rows",
                n("kind"),
                n("rows_written"),
                n("rows")
            )
        }
        (action, None, Some(a)) => {
            let mut facts: Vec<String> = ["kind", "rows", "file"]
                .iter()
                .filter_map(|k| a.get(*k).filter(|v| !v.is_null()).map(short))
                .collect();
            if let Some(n) = a.get("rows") {
                let n = short(n);
                facts.retain(|f| *f != n);
                facts.push(format!("{n} rows"));
            }
            if a.get("pseudonymised") == Some(&serde_json::Value::Bool(true)) {
                facts.push("pseudonymised".into());
            }
            with(format!("{action} {}", e.entity), facts)
        }
        (action, Some(_), None) => format!("{action} {} {}", e.entity, e.entity_key),
        (action, None, None) => format!("{action} {} {}", e.entity, e.entity_key),
    }
}

fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o.get("kind").map_or_else(|| v.to_string(), short),
        serde_json::Value::Number(n) => n.as_f64().map_or_else(
            || n.to_string(),
            |x| crate::instruments::Shown::Stored.of(x),
        ),
        other => other.to_string(),
    }
}

/// Say whether the trail is intact (`res`), against `anchor` when one was given; an error when it is not.
fn report_verify(
    ctx: &Ctx,
    res: std::result::Result<usize, crate::store::AuditBreak>,
    anchor: Option<&crate::store::AuditAnchor>,
) -> anyhow::Result<()> {
    if ctx.json {
        ctx.print_json(&serde_json::json!({
            "intact": res.is_ok(),
            "rows": res.as_ref().ok(),
            "first_bad_row": res.as_ref().err().map(|b| b.row_id),
            "reason": res.as_ref().err().map(|b| b.reason.clone()),
            "anchor": anchor,
        }))?;
    }
    match res {
        Ok(n) => {
            if !ctx.json {
                match anchor {
                    Some(a) => println!(
                        "The audit trail is intact ({n} rows checked) and holds the anchor of {} unchanged \
                         (row {}).",
                        a.at, a.last_id
                    ),
                    None => println!("The audit trail is intact ({n} rows checked)."),
                }
            }
            Ok(())
        }
        Err(b) => bail!("{b}"),
    }
}
