//! The PostgreSQL server backend (issue 13): the schema, roles and functions that make PostgreSQL itself enforce
//! who may do what, and the trail it writes.
//!
//! - `roles.sql` creates the cluster's Praxis roles when missing: `praxis_owner` (NOLOGIN, owns everything) and the
//!   group roles `praxis_admin`, `praxis_lead`, `praxis_therapist`, `praxis_readonly`. A clinician's login role is
//!   their OS user name (peer authentication on the Unix socket), a member of exactly one group.
//! - `v1.sql` is schema v1: SQLite's tables (v4) in the schema `praxis`, plus sites; privileges (clinicians insert
//!   records but never update or delete them), row-level security by site, the correction path
//!   (`praxis.amend`), the administration functions, and the audit trail written by triggers in the change's
//!   transaction with the same hash chain as SQLite ([`crate::store::audit`]), so one verifier checks both.
//!
//! - `v2.sql`: goals and their reviews; records carry their patient's site, so row-level security is one site list
//!   per query.
//! - `v3.sql`: each patient's list entry kept as JSON text by a trigger, and the folded search texts the program
//!   writes ([`fill_folds`] for patients written before): the list and the search of 10,000 patients in a few ms.
//! - `v4.sql`: the list entries made compact (one flat array, the condition's facts as JSON) for the program to read
//!   in one pass; the list itself is read in ranges of pages the server sends as it makes them (`list.rs`).
//! - `v5.sql`: the brief entries in a narrow table of their own (`praxis.patient_briefs`, kept by a trigger), so the
//!   list screens read 150 bytes a patient however long the notes.
//!
//! Migrations are numbered like SQLite's; `praxis.schema_version` holds the version applied.

use postgres::{Client, NoTls};

use super::audit::{AuditBreak, verify_chain};
use super::clinicians::Role;
use super::error::{Result, StoreError};

mod list;
mod store;

pub use store::PgStore;

const ROLES: &str = include_str!("roles.sql");

/// The migrations, oldest first: `MIGRATIONS[i]` brings schema v`i` to v`i+1`.
const MIGRATIONS: [&str; 5] = [
    include_str!("v1.sql"),
    include_str!("v2.sql"),
    include_str!("v3.sql"),
    include_str!("v4.sql"),
    include_str!("v5.sql"),
];

/// The schema version this binary writes on PostgreSQL.
pub const LATEST: i32 = MIGRATIONS.len() as i32;

/// Whether `db` (a `--db` value or `PRAXIS_DB`) names a PostgreSQL server rather than a SQLite file.
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgresql://") || db.starts_with("postgres://")
}

/// Connect to the server at `url` (libpq URL forms, e.g. `postgresql:///praxis?host=/run/postgresql`). With no
/// user in the URL, the OS user's name, as libpq does: on the Unix socket, peer authentication checks it. Over TCP
/// (a remote site) the connection uses TLS as the URL's `sslmode` says (`require` for a remote site; `prefer`, the
/// default, uses it when the server offers it), checking the server's certificate against `PGSSLROOTCERT` (a PEM
/// file) or the system's roots, and presenting `PGSSLCERT`/`PGSSLKEY` when set (certificate authentication); a
/// SCRAM password comes from `PGPASSWORD`, never from a file Praxis writes.
pub fn connect(url: &str) -> Result<Client> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Invalid(format!("not a PostgreSQL URL: {url} ({e})")))?;
    if config.get_user().is_none() {
        config.user(super::who::Who::current().os_user.as_str());
    }
    if config.get_password().is_none()
        && let Some(p) = std::env::var_os("PGPASSWORD")
    {
        config.password(p.as_encoded_bytes());
    }
    config.application_name("praxis");
    let unreachable = |e: postgres::Error| StoreError::Unreachable(format!("{url}: {e}"));
    let local = config
        .get_hosts()
        .iter()
        .all(|h| matches!(h, postgres::config::Host::Unix(_)));
    if local || config.get_ssl_mode() == postgres::config::SslMode::Disable {
        return config.connect(NoTls).map_err(unreachable);
    }
    config.connect(tls()?).map_err(unreachable)
}

/// The TLS connector for a remote server (see [`connect`]).
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, e: &dyn std::fmt::Display| StoreError::Invalid(format!("{what}: {e}"));
    let certs = |var: &str| -> Result<Option<Vec<CertificateDer<'static>>>> {
        let Some(path) = std::env::var_os(var) else {
            return Ok(None);
        };
        let shown = format!("{var}={}", path.to_string_lossy());
        CertificateDer::pem_file_iter(&path)
            .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
            .map(Some)
            .map_err(|e| bad(&format!("cannot read the certificates in {shown}"), &e))
    };
    let mut roots = rustls::RootCertStore::empty();
    match certs("PGSSLROOTCERT")? {
        Some(list) => {
            for c in list {
                roots
                    .add(c)
                    .map_err(|e| bad("PGSSLROOTCERT holds a certificate rustls refuses", &e))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
    }
    let builder = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| bad("TLS set-up", &e))?
    .with_root_certificates(roots);
    let config = match (certs("PGSSLCERT")?, std::env::var_os("PGSSLKEY")) {
        (Some(chain), Some(key)) => {
            let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| {
                bad(
                    &format!("cannot read the key in PGSSLKEY={}", key.to_string_lossy()),
                    &e,
                )
            })?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                bad(
                    "PGSSLCERT and PGSSLKEY do not make a client certificate",
                    &e,
                )
            })?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Create the schema, the roles and the functions in the database at `url` (run once by the database owner, a
/// superuser or a role with CREATEROLE), and make `admin` (a login role, created if needed) the first Praxis admin.
/// Refuses a database that already has a Praxis schema.
pub fn server_init(url: &str, admin: &str) -> Result<()> {
    server_init_at(url, admin, LATEST)
}

/// [`server_init`] up to schema `version` only: for the tests of `server upgrade`.
#[doc(hidden)]
pub fn server_init_at(url: &str, admin: &str, version: i32) -> Result<()> {
    let mut client = connect(url)?;
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'praxis')",
            &[],
        )?
        .get(0);
    if exists {
        return Err(StoreError::Duplicate(
            "this database already has a Praxis schema; nothing was changed".into(),
        ));
    }
    let mut tx = client.transaction()?;
    tx.batch_execute(ROLES)?;
    for m in MIGRATIONS
        .iter()
        .take(usize::try_from(version).unwrap_or(0))
    {
        tx.batch_execute(m)?;
    }
    // The first admin, made here as the owner: praxis.clinician_add asks for an admin.
    let statements: Vec<String> = tx
        .query_one(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) THEN '' \
             ELSE format('CREATE ROLE %I LOGIN', $1::text) END, format('GRANT praxis_admin TO %I', $1::text)",
            &[&admin],
        )
        .map(|r| vec![r.get(0), r.get(1)])?;
    for sql in statements.iter().filter(|s| !s.is_empty()) {
        tx.batch_execute(sql)?;
    }
    tx.execute(
        "INSERT INTO praxis.clinicians (os_user, role, created_at) \
         VALUES ($1, 'admin', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))",
        &[&admin],
    )?;
    tx.execute(
        "SELECT praxis.audit_append('init', 'database', current_database(), NULL, NULL, \
         jsonb_build_object('schema', $1::int, 'admin', $2::text))",
        &[&version, &admin],
    )?;
    tx.commit()?;
    Ok(())
}

/// The Praxis schema version of the database `client` is connected to (None: no Praxis schema).
pub(crate) fn schema_found(client: &mut Client) -> Result<Option<i32>> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('praxis.schema_version') IS NOT NULL",
            &[],
        )?
        .get(0);
    if !exists {
        return Ok(None);
    }
    Ok(client
        .query_opt("SELECT version FROM praxis.schema_version", &[])?
        .map(|r| r.get(0)))
}

/// Bring the Praxis schema of the database at `url` to [`LATEST`] (run by the database owner, as `server init`),
/// each migration in one transaction. Returns the versions before and after.
pub fn server_upgrade(url: &str) -> Result<(i32, i32)> {
    let mut client = connect(url)?;
    let Some(found) = schema_found(&mut client)? else {
        return Err(StoreError::Invalid(
            "this database has no Praxis schema: set it up with `praxis server init`".into(),
        ));
    };
    if found > LATEST {
        return Err(StoreError::Invalid(format!(
            "this database has Praxis schema v{found}, newer than this Praxis knows (v{LATEST}); nothing was changed"
        )));
    }
    for (i, m) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let mut tx = client.transaction()?;
        tx.batch_execute(m)?;
        if i + 1 == 3 {
            tx.batch_execute("SET LOCAL ROLE praxis_owner")?;
            fill_folds(&mut tx)?;
            tx.batch_execute("RESET ROLE")?;
        }
        tx.execute(
            "SELECT praxis.audit_append('upgrade', 'database', current_database(), NULL, NULL, \
             jsonb_build_object('schema', $1::int))",
            &[&(i as i32 + 1)],
        )?;
        tx.commit()?;
    }
    // Patients written with the triggers off (by the owner, e.g. a bulk load) have no brief entry for the list
    // screens (v5.sql): made here, whichever version the database was at.
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "SET LOCAL ROLE praxis_owner; \
         INSERT INTO praxis.patient_briefs (patient_id, site_id, condition, brief) \
             SELECT p.id, p.site_id, p.condition, praxis.patient_list_entry(p, false) FROM praxis.patients p \
             WHERE NOT EXISTS (SELECT 1 FROM praxis.patient_briefs b WHERE b.patient_id = p.id)",
    )?;
    tx.commit()?;
    Ok((found, LATEST))
}

/// Write the folded code, name and notes (`domain::text::fold`, the search's folding) of every patient that has
/// none (written before schema v3, or by another tool; see v3.sql), as the store does with each change; returns how
/// many. Run by `server upgrade` as the owner, so row-level security does not hide a site's patients. Only derived
/// columns change: nothing is audited.
pub fn fill_folds(c: &mut impl postgres::GenericClient) -> Result<usize> {
    let (mut ids, mut codes, mut names, mut notes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in c.query(
        "SELECT id, code, name, notes FROM praxis.patients WHERE fold_code IS NULL",
        &[],
    )? {
        let [code, name, note] = store::folds(r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        ids.push(r.try_get::<_, i64>(0)?);
        codes.push(code);
        names.push(name);
        notes.push(note);
    }
    c.execute(
        "UPDATE praxis.patients p SET fold_code = f.code, fold_name = f.name, fold_notes = f.notes \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS f(id, code, name, notes) WHERE p.id = f.id",
        &[&ids, &codes, &names, &notes],
    )?;
    Ok(ids.len())
}

/// Add the site `code` (admin only, enforced by the server).
pub fn site_add(url: &str, code: &str, name: &str) -> Result<()> {
    connect(url)?.execute("SELECT praxis.site_add($1, $2)", &[&code, &name])?;
    Ok(())
}

/// Grant the clinician `user` the site `site` (`grant`), or take it back (admin only, enforced by the server).
pub fn site_grant(url: &str, user: &str, site: &str, grant: bool) -> Result<()> {
    connect(url)?.execute(
        "SELECT praxis.site_grant($1, $2, $3)",
        &[&user, &site, &grant],
    )?;
    Ok(())
}

/// Make the OS user `user` a clinician with `role` (creating their login role if needed; admin only, enforced by
/// the server), and grant them the site `site` when given.
pub fn clinician_add(
    url: &str,
    user: &str,
    role: Role,
    name: &str,
    site: Option<&str>,
) -> Result<()> {
    connect(url)?.execute(
        "SELECT praxis.clinician_add($1, $2, $3, $4)",
        &[&user, &role.name(), &name, &site],
    )?;
    Ok(())
}

/// Recompute the server's audit chain with the same code as SQLite's ([`verify_chain`]).
pub fn verify_audit(client: &mut Client) -> Result<std::result::Result<usize, AuditBreak>> {
    let rows = client.query(
        "SELECT id, at, os_user, ssh_addr, action, entity, entity_key, patient_code, before_json, after_json, \
         hash, salt, digest FROM praxis.audit ORDER BY id",
        &[],
    )?;
    verify_chain(rows.iter().map(store::raw_of))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_url_goes_through_tls_and_says_what_is_wrong_with_its_certificates() {
        // One test changes the environment, so the cases run in sequence.
        let url = "postgresql://127.0.0.1:1/praxis?sslmode=require&user=kim";
        // SAFETY: no other test of this binary reads these variables.
        unsafe { std::env::set_var("PGSSLROOTCERT", "/nonexistent/root.crt") };
        let e = connect(url)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("PGSSLROOTCERT=/nonexistent/root.crt"),
            "the TLS set-up reads the roots and names the file: {e}"
        );
        unsafe { std::env::remove_var("PGSSLROOTCERT") };
        // With the system's roots the connector is made, and nothing listens on port 1.
        let e = connect(url).err().expect("port 1 refuses");
        assert!(matches!(e, StoreError::Unreachable(_)), "{e:?}");
        assert!(e.to_string().contains("127.0.0.1"), "{e}");
        // A URL that is not one says so.
        assert!(matches!(
            connect("postgresql://[bad"),
            Err(StoreError::Invalid(_))
        ));
    }
}
