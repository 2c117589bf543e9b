//! A throwaway PostgreSQL database per test, on the server `PRAXIS_TEST_PG` names (see tests/pg_server.rs), with
//! login roles of its own; used by the PostgreSQL suite and by the conformance suite that runs on both backends.

use std::sync::atomic::{AtomicUsize, Ordering};

use postgres::{Client, NoTls};
use praxis::store::pg;

/// A fresh database on the test server, and names for its login roles that no other test uses (roles are
/// cluster-wide).
pub struct Db {
    pub url: String,
    base: postgres::Config,
    name: String,
    tag: String,
}

pub fn server() -> Option<String> {
    match std::env::var("PRAXIS_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("PRAXIS_TEST_PG_REQUIRED").as_deref() != Ok("1"),
                "PRAXIS_TEST_PG_REQUIRED=1 but PRAXIS_TEST_PG is not set: the PostgreSQL suite would be skipped"
            );
            // Written to the process's stderr, not through the test harness's capture: seen once per run.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "SKIPPED: the PostgreSQL suite (tests/pg_server.rs) needs a server: set PRAXIS_TEST_PG to a \
                     superuser URL, e.g. postgresql:///postgres?host=/tmp/pg&user=postgres (.ci/run starts one)"
                );
            });
            None
        }
    }
}

static N: AtomicUsize = AtomicUsize::new(0);

/// `server init` creates the cluster-wide roles when missing; two inits at once on a fresh cluster would both try
/// (as two clinics never do), so the tests' inits take turns.
pub static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn init(db: &Db) -> praxis::store::Result<()> {
    let _turn = INIT.lock().unwrap_or_else(|e| e.into_inner());
    pg::server_init(&db.url, &db.login("boss"))
}

impl Db {
    pub fn new(test: &str) -> Option<Db> {
        let url = server()?;
        let base: postgres::Config = url.parse().expect("PRAXIS_TEST_PG is a PostgreSQL URL");
        let tag = format!(
            "t{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            &test[..test.len().min(12)]
        );
        let name = format!("praxis_{tag}");
        let mut admin = base.connect(NoTls).expect("connect to PRAXIS_TEST_PG");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        let mut db = Db {
            url: String::new(),
            base,
            name,
            tag,
        };
        db.url = db_url(&db.config(None));
        Some(db)
    }

    /// The login role of clinician `who` in this test.
    pub fn login(&self, who: &str) -> String {
        format!("{}_{who}", self.tag)
    }

    /// This test's database as `who` (a login of this test, or the superuser when `None`).
    pub fn config(&self, who: Option<&str>) -> postgres::Config {
        let mut cfg = self.base.clone();
        cfg.dbname(&self.name);
        if let Some(w) = who {
            cfg.user(self.login(w).as_str());
        }
        cfg
    }

    /// A connection as `who` ([`Db::config`]).
    pub fn as_user(&self, who: Option<&str>) -> Client {
        self.config(who).connect(NoTls).expect("connect")
    }

    /// `server init` with `boss` as the first admin, then kim and ann (therapists), lee (lead) and stu (read-only)
    /// at the main site.
    pub fn clinic(test: &str) -> Option<Db> {
        let db = Db::new(test)?;
        init(&db).unwrap();
        let mut boss = db.as_user(Some("boss"));
        for (who, role) in [
            ("kim", "therapist"),
            ("ann", "therapist"),
            ("lee", "lead"),
            ("stu", "readonly"),
        ] {
            boss.execute(
                "SELECT praxis.clinician_add($1, $2, '', 'main')",
                &[&db.login(who), &role],
            )
            .unwrap();
        }
        Some(db)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(mut c) = self.base.connect(NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The URL of `cfg` (socket host, database and user), as a user would write it for `--db`.
pub fn db_url(cfg: &postgres::Config) -> String {
    let host = cfg
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Unix(p) => p.display().to_string(),
            postgres::config::Host::Tcp(t) => t.clone(),
        })
        .next()
        .unwrap_or_default();
    let mut url = format!(
        "postgresql:///{}?host={host}",
        cfg.get_dbname().unwrap_or("postgres")
    );
    if let Some(p) = cfg.get_ports().first() {
        url.push_str(&format!("&port={p}"));
    }
    if let Some(u) = cfg.get_user() {
        url.push_str(&format!("&user={u}"));
    }
    url
}

/// The URL of this test's database as `who` (the superuser when `None`), for `--db`.
pub fn url_as(db: &Db, who: Option<&str>) -> String {
    db_url(&db.config(who))
}
