//! `praxis server init` and `praxis site add`: setting up a PostgreSQL server for Praxis (issue 13).

use anyhow::bail;

use super::Ctx;
use crate::domain::text::visible;
use crate::store::pg;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Create Praxis's schema, roles and functions in the database `--db` names (once, as the database's owner,
    /// e.g. `sudo -u postgres praxis server init --db postgresql:///praxis?host=/run/postgresql --admin kim`).
    Init {
        /// The first Praxis admin: an OS user name, which becomes their login role (default: you).
        #[arg(long)]
        admin: Option<String>,
    },
    /// Bring the schema of the database `--db` names up to this Praxis's version (as its owner, like `init`), after
    /// installing a newer Praxis; clinicians are told to ask for this when their Praxis is newer than the schema.
    Upgrade,
}

#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    #[command(subcommand)]
    command: SiteCmd,
}

#[derive(Debug, clap::Subcommand)]
enum SiteCmd {
    /// Add a site (admin only); grant clinicians it with `praxis clinician add USER --role R --site CODE`.
    Add {
        /// A short code: letters, digits, `-` and `_`.
        code: String,
        /// The site's name, e.g. "North clinic".
        #[arg(long)]
        name: Option<String>,
    },
    /// Let a clinician see and write the patients of a site (admin only; their role is unchanged).
    Grant {
        /// The site's code.
        code: String,
        /// The clinician's user name.
        user: String,
    },
    /// Take a site back from a clinician (admin only): they no longer see its patients.
    Revoke {
        /// The site's code.
        code: String,
        /// The clinician's user name.
        user: String,
    },
}

/// The server `--db` names, or why a command that needs one cannot run.
fn server(ctx: &Ctx) -> anyhow::Result<&str> {
    match ctx.server_url() {
        Some(url) => Ok(url),
        None => bail!(
            "--db (or PRAXIS_DB) must name a PostgreSQL server for this command, e.g. \
             postgresql:///praxis?host=/run/postgresql; {} is a SQLite file",
            visible(&ctx.db.display().to_string())
        ),
    }
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let url = server(ctx)?;
    match args.command {
        Cmd::Init { admin } => {
            let admin = admin.unwrap_or_else(|| crate::store::Who::current().os_user);
            pg::server_init(url, &admin)?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({"schema": pg::LATEST, "admin": admin}));
            }
            println!(
                "Praxis is set up on this database (schema version {}); {} is its first admin. Add clinicians with \
                 `praxis clinician add USER --role therapist`.",
                pg::LATEST,
                visible(&admin)
            );
        }
        Cmd::Upgrade => {
            let (from, to) = pg::server_upgrade(url)?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({"from": from, "schema": to}));
            }
            if from == to {
                println!("The schema is already at version {to}; nothing to do.");
            } else {
                println!("Upgraded the Praxis schema from version {from} to {to}.");
            }
        }
    }
    Ok(())
}

pub fn site(ctx: &Ctx, args: SiteArgs) -> anyhow::Result<()> {
    let url = server(ctx)?;
    match args.command {
        SiteCmd::Add { code, name } => {
            pg::site_add(url, &code, name.as_deref().unwrap_or(""))?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({"site": code}));
            }
            println!("Added the site {}.", visible(&code));
        }
        SiteCmd::Grant { code, user } => grant_site(ctx, url, &code, &user, true)?,
        SiteCmd::Revoke { code, user } => grant_site(ctx, url, &code, &user, false)?,
    }
    Ok(())
}

/// `site grant` (`grant`) or `site revoke`.
fn grant_site(ctx: &Ctx, url: &str, code: &str, user: &str, grant: bool) -> anyhow::Result<()> {
    pg::site_grant(url, user, code, grant)?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({"site": code, "user": user, "granted": grant}));
    }
    let (verb, dir) = if grant {
        ("Granted", "to")
    } else {
        ("Took back", "from")
    };
    println!("{verb} the site {} {dir} {}.", visible(code), visible(user));
    Ok(())
}
