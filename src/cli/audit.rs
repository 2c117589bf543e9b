//! `praxis audit [--patient P-0001] [--verify] [--json]`: the audit trail, and a check of its hash chain.

use anyhow::bail;

use super::Ctx;
use super::util::{open, table};
use crate::store::AuditEntry;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this patient's rows (by pseudonymous code).
    #[arg(long, value_name = "CODE")]
    patient: Option<String>,
    /// Check the hash chain; exits non-zero and names the first bad row when it is broken.
    #[arg(long)]
    verify: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let store = open(ctx)?;
    if args.verify {
        let res = store.verify_audit()?;
        if ctx.json {
            ctx.print_json(&serde_json::json!({
                "intact": res.is_ok(),
                "rows": res.as_ref().ok(),
                "first_bad_row": res.as_ref().err().map(|b| b.row_id),
                "reason": res.as_ref().err().map(|b| b.reason.clone()),
            }))?;
        }
        return match res {
            Ok(n) => {
                if !ctx.json {
                    println!("The audit trail is intact ({n} rows checked).");
                }
                Ok(())
            }
            Err(b) => bail!("{b}"),
        };
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
                e.action.clone(),
                e.patient_code.clone().unwrap_or_else(|| e.entity.clone()),
                summary(e),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &["#", "WHEN (UTC)", "WHO", "ACTION", "RECORD", "WHAT"],
            &cells
        )
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

/// A short account of the change: the fields an update changed, or the main facts of a new record.
pub fn summary(e: &AuditEntry) -> String {
    let obj = |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_object()).cloned();
    match (obj(&e.before), obj(&e.after)) {
        (Some(b), Some(a)) => {
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
            if changed.is_empty() {
                format!("{} {} (no change)", e.entity, e.entity_key)
            } else {
                format!("{}: {}", e.entity, changed.join(", "))
            }
        }
        (None, Some(a)) => {
            let pick = [
                "instrument",
                "score",
                "date",
                "protocol_id",
                "minutes",
                "condition",
                "role",
                "file",
            ];
            let facts: Vec<String> = pick.iter().filter_map(|k| a.get(*k).map(short)).collect();
            if facts.is_empty() {
                format!("{} {}", e.entity, e.entity_key)
            } else {
                format!("{} {}", e.entity, facts.join(" "))
            }
        }
        (Some(_), None) => format!("{} {} removed", e.entity, e.entity_key),
        (None, None) => format!("{} {}", e.entity, e.entity_key),
    }
}

fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o.get("kind").map_or_else(|| v.to_string(), short),
        serde_json::Value::Number(n) => n
            .as_f64()
            .map_or_else(|| n.to_string(), super::util::fmt_score),
        other => other.to_string(),
    }
}
