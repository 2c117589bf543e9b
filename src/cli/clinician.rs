//! `praxis clinician add | list | set-role | remove`: who may do what in this database (admins only, except list).

use crate::domain::text::visible;
use serde::Serialize;

use super::Ctx;
use super::util::{open, table};
use crate::store::Role;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Give an OS user a role: `praxis clinician add kim --role therapist --name "Kim Lee"` (admin only).
    Add(AddArgs),
    /// The clinicians of this database and their roles.
    List,
    /// Change a clinician's role (admin only; the last admin cannot be demoted).
    SetRole {
        user: String,
        #[arg(value_parser = super::util::named::<Role>())]
        role: Role,
    },
    /// Take away a clinician's access (admin only; never the last admin). Their audit rows stay.
    Remove { user: String },
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// The OS user name (as `whoami` prints it).
    user: String,
    #[arg(long, value_parser = super::util::named::<Role>())]
    role: Role,
    /// Display name (default: the user name).
    #[arg(long)]
    name: Option<String>,
    /// On a PostgreSQL server: a site the clinician may see (`praxis site add` made it).
    #[arg(long)]
    site: Option<String>,
}

fn args_site(args: &Args) -> Option<&str> {
    match &args.command {
        Cmd::Add(a) => a.site.as_deref(),
        _ => None,
    }
}

#[derive(Serialize)]
struct Row<'a> {
    user: &'a str,
    name: &'a str,
    role: &'static str,
    since: &'a str,
    you: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    if let (Some(url), Cmd::Add(a)) = (ctx.server_url(), &args.command) {
        // On a server, adding a clinician creates or grants their login role, and grants a site.
        let name = a.name.clone().unwrap_or_default();
        crate::store::pg::clinician_add(url, &a.user, a.role, &name, a.site.as_deref())?;
        if ctx.json {
            return ctx.print_json(
                &serde_json::json!({"user": a.user, "role": a.role.name(), "site": a.site}),
            );
        }
        println!("Added {} as {}.", visible(&a.user), a.role.name());
        return Ok(());
    }
    if args_site(&args).is_some() {
        anyhow::bail!(
            "--site is for a PostgreSQL server (`--db postgresql://…`); a SQLite database has no sites"
        );
    }
    let mut store = open(ctx)?;
    match args.command {
        Cmd::Add(a) => {
            let name = a.name.unwrap_or_else(|| a.user.clone());
            let c = store.add_clinician(&a.user, &name, a.role)?;
            if ctx.json {
                return ctx.print_json(&c);
            }
            println!("Added {} as {}.", visible(&c.os_user), c.role.name());
        }
        Cmd::List => {
            let all = store.clinicians()?;
            let me = store.who().os_user.clone();
            let rows: Vec<Row> = all
                .iter()
                .map(|c| Row {
                    user: &c.os_user,
                    name: &c.display_name,
                    role: c.role.name(),
                    since: c.created_at.get(..10).unwrap_or(&c.created_at),
                    you: c.os_user == me,
                })
                .collect();
            if ctx.json {
                return ctx.print_json(&rows);
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        format!("{}{}", r.user, if r.you { " (you)" } else { "" }),
                        r.name.to_string(),
                        r.role.to_string(),
                        r.since.to_string(),
                    ]
                })
                .collect();
            print!("{}", table(&["USER", "NAME", "ROLE", "SINCE"], &cells));
            if !all.iter().any(|c| c.os_user == me) {
                println!(
                    "You ({}) are not a clinician here: you can read but not write.",
                    visible(&me)
                );
            }
        }
        Cmd::SetRole { user, role } => {
            let c = store.set_role(&user, role)?;
            if ctx.json {
                return ctx.print_json(&c);
            }
            println!("{} is now {}.", visible(&c.os_user), c.role.name());
        }
        Cmd::Remove { user } => {
            store.remove_clinician(&user)?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({ "removed": user }));
            }
            println!(
                "Removed {}; they can still read but no longer write.",
                visible(&user)
            );
        }
    }
    Ok(())
}
