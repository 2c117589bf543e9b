//! Clinicians: OS users with a role. The OS user who creates the database becomes its first admin.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::error::{Result, StoreError};
use super::util::{enum_text, now_utc, parse_enum, to_json};
use super::{Store, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Lead,
    Therapist,
    /// Students and observers: may read, not write.
    Readonly,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clinician {
    pub id: i64,
    pub os_user: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: String,
}

impl Tx<'_> {
    /// Add a clinician (audited). Refuses a user who is already known.
    pub fn add_clinician(
        &mut self,
        os_user: &str,
        display_name: &str,
        role: Role,
    ) -> Result<Clinician> {
        if os_user.trim().is_empty() {
            return Err(StoreError::Invalid("the OS user name is empty".into()));
        }
        let n: i64 = self.tx.query_row(
            "SELECT count(*) FROM clinicians WHERE os_user = ?1",
            [os_user],
            |r| r.get(0),
        )?;
        if n > 0 {
            return Err(StoreError::Duplicate(format!(
                "clinician {os_user} already exists"
            )));
        }
        let now = now_utc();
        self.tx.execute(
            "INSERT INTO clinicians (os_user, display_name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![os_user, display_name, enum_text(&role), now],
        )?;
        let c = Clinician {
            id: self.tx.last_insert_rowid(),
            os_user: os_user.into(),
            display_name: display_name.into(),
            role,
            created_at: now,
        };
        self.audit(
            "create",
            "clinician",
            os_user,
            None,
            None,
            Some(&to_json(&c)?),
        )?;
        Ok(c)
    }

    /// On a new database, make the acting OS user its admin.
    pub(crate) fn ensure_first_admin(&mut self) -> Result<()> {
        let n: i64 = self
            .tx
            .query_row("SELECT count(*) FROM clinicians", [], |r| r.get(0))?;
        if n == 0 {
            let user = self.who.os_user.clone();
            self.add_clinician(&user, &user, Role::Admin)?;
        }
        Ok(())
    }
}

impl Store {
    pub fn clinicians(&self) -> Result<Vec<Clinician>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, os_user, display_name, role, created_at FROM clinicians ORDER BY os_user",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Clinician {
                id: r.get(0)?,
                os_user: r.get(1)?,
                display_name: r.get(2)?,
                role: parse_enum("clinicians.role", &r.get::<_, String>(3)?)?,
                created_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
