//! Clinicians: OS users with a role. The OS user who creates the database (owns its file) becomes its first admin.
//!
//! Access is enforced here, in the store, so every front end gets the same rules:
//! - an OS user not in this table, or with the `readonly` role, can read but not write ([`SqliteStore::write`] refuses);
//! - therapists and leads write patients, assessments, sessions and plans;
//! - only an admin deletes a patient, restores a backup or manages clinicians, and the last admin cannot be removed
//!   or demoted.

use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

use super::error::{Result, StoreError};
use super::util::{enum_text, now_utc, parse_enum, to_json};
use super::{SqliteStore, Tx};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Admin,
    Lead,
    Therapist,
    /// Students and observers: may read, not write.
    Readonly,
}

impl Role {
    /// May create and change patient records.
    pub fn can_write(self) -> bool {
        !matches!(self, Role::Readonly)
    }

    /// May correct or void a record that `created_by` entered, acting as OS user `me`: a lead or an admin any
    /// record, a therapist their own, nobody else anything.
    pub fn may_amend(self, me: &str, created_by: Option<&str>) -> bool {
        match self {
            Role::Admin | Role::Lead => true,
            Role::Therapist => created_by == Some(me),
            Role::Readonly => false,
        }
    }

    /// The role's name ([`crate::domain::Named::name`]), e.g. "readonly".
    pub fn name(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clinician {
    pub id: i64,
    pub os_user: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: String,
}

fn clinician_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Clinician> {
    Ok(Clinician {
        id: r.get(0)?,
        os_user: r.get(1)?,
        display_name: r.get(2)?,
        role: parse_enum("clinicians.role", &r.get::<_, String>(3)?)?,
        created_at: r.get(4)?,
    })
}

const COLUMNS: &str = "id, os_user, display_name, role, created_at";

/// The message for an OS user who is not a clinician of this database. When it has no clinician at all (its
/// creation was stopped between the schema and its first admin), it says who can repair that: the file's owner.
pub(crate) fn not_a_clinician(conn: &rusqlite::Connection, user: &str) -> StoreError {
    let nobody = conn
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM clinicians)", [], |r| {
            r.get::<_, bool>(0)
        })
        .unwrap_or(false);
    if nobody {
        let owner = file_owner(conn).map_or_else(
            || "the OS user who owns the database file".to_string(),
            |(_, name)| name,
        );
        return StoreError::Forbidden(format!(
            "this database has no clinician yet (its creation was stopped before its first admin was recorded), \
             so you ({user}) can read but not write; its owner, {owner}, becomes its admin by running any praxis \
             command on it, e.g.: praxis clinician list"
        ));
    }
    StoreError::Forbidden(format!(
        "you ({user}) are not a clinician in this database: you can read but not write; an admin can add you \
         with: praxis clinician add {user} --role therapist"
    ))
}

/// The uid and name of the OS user who owns the main database file of `conn`.
fn file_owner(conn: &rusqlite::Connection) -> Option<(u32, String)> {
    use std::os::unix::fs::MetadataExt as _;
    let file: String = conn
        .query_row(
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
            [],
            |r| r.get(0),
        )
        .ok()
        .filter(|f: &String| !f.is_empty())?;
    let uid = std::fs::metadata(file).ok()?.uid();
    Some((uid, super::who::user_name(uid)))
}

fn admin_only(
    conn: &rusqlite::Connection,
    role: Option<Role>,
    user: &str,
    what: &str,
) -> Result<()> {
    match role {
        None => Err(not_a_clinician(conn, user)),
        Some(Role::Admin) => Ok(()),
        Some(r) => Err(StoreError::Forbidden(format!(
            "only an admin can {what}; you ({user}) are {}",
            r.name()
        ))),
    }
}

fn role_of(conn: &rusqlite::Connection, user: &str) -> Result<Option<Role>> {
    let text: Option<String> = conn
        .query_row(
            "SELECT role FROM clinicians WHERE os_user = ?1",
            [user],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text
        .map(|t| parse_enum("clinicians.role", &t))
        .transpose()?)
}

impl Tx<'_> {
    /// The acting user's role, `None` when they are not a clinician here.
    pub fn role(&self) -> Result<Option<Role>> {
        role_of(&self.tx, &self.who.os_user)
    }

    /// Refuse unless the acting user may write records.
    pub(crate) fn require_writer(&self) -> Result<Role> {
        match self.role()? {
            None => Err(not_a_clinician(&self.tx, &self.who.os_user)),
            Some(Role::Readonly) => Err(StoreError::Forbidden(format!(
                "you ({}) have the read-only role in this database: you can view records but not change them; \
                 ask an admin for the therapist role",
                self.who.os_user
            ))),
            Some(r) => Ok(r),
        }
    }

    /// Refuse unless the acting user is an admin; `what` completes "only an admin can ...".
    pub(crate) fn require_admin(&self, what: &str) -> Result<()> {
        admin_only(&self.tx, self.role()?, &self.who.os_user, what)
    }

    pub fn clinician(&self, os_user: &str) -> Result<Clinician> {
        self.tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM clinicians WHERE os_user = ?1"),
                [os_user],
                clinician_from_row,
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::NotFound(format!("{os_user} is not a clinician in this database"))
            })
    }

    /// Add a clinician (admin only; audited). Refuses a user who is already known.
    pub fn add_clinician(
        &mut self,
        os_user: &str,
        display_name: &str,
        role: Role,
    ) -> Result<Clinician> {
        self.require_admin("add clinicians")?;
        self.insert_clinician(os_user, display_name, role)
    }

    fn insert_clinician(
        &mut self,
        os_user: &str,
        display_name: &str,
        role: Role,
    ) -> Result<Clinician> {
        if os_user.trim().is_empty() || os_user.chars().any(char::is_whitespace) {
            return Err(StoreError::Invalid(format!(
                "{os_user:?} is not an OS user name (empty or with spaces)"
            )));
        }
        let n: i64 = self.tx.query_row(
            "SELECT count(*) FROM clinicians WHERE os_user = ?1",
            [os_user],
            |r| r.get(0),
        )?;
        if n > 0 {
            return Err(StoreError::Duplicate(format!(
                "clinician {os_user} already exists; change the role with: praxis clinician set-role {os_user} ROLE"
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

    fn admins(&self) -> Result<i64> {
        Ok(self.tx.query_row(
            "SELECT count(*) FROM clinicians WHERE role = 'admin'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Change a clinician's role (admin only; audited). The last admin cannot be demoted.
    pub fn set_role(&mut self, os_user: &str, role: Role) -> Result<Clinician> {
        self.require_admin("change roles")?;
        let before = self.clinician(os_user)?;
        if before.role == Role::Admin && role != Role::Admin && self.admins()? <= 1 {
            return Err(StoreError::Forbidden(format!(
                "{os_user} is the last admin of this database; make someone else admin first"
            )));
        }
        self.tx.execute(
            "UPDATE clinicians SET role = ?2 WHERE os_user = ?1",
            params![os_user, enum_text(&role)],
        )?;
        let after = self.clinician(os_user)?;
        self.audit(
            "update",
            "clinician",
            os_user,
            None,
            Some(&to_json(&before)?),
            Some(&to_json(&after)?),
        )?;
        Ok(after)
    }

    /// Remove a clinician (admin only; audited). Never the last admin. Their past audit rows stay.
    pub fn remove_clinician(&mut self, os_user: &str) -> Result<()> {
        self.require_admin("remove clinicians")?;
        let before = self.clinician(os_user)?;
        if before.role == Role::Admin && self.admins()? <= 1 {
            return Err(StoreError::Forbidden(format!(
                "{os_user} is the last admin of this database and cannot be removed; make someone else admin first"
            )));
        }
        self.tx
            .execute("DELETE FROM clinicians WHERE os_user = ?1", [os_user])?;
        self.audit(
            "delete",
            "clinician",
            os_user,
            None,
            Some(&to_json(&before)?),
            None,
        )
    }

    /// On a database without clinicians, make the acting OS user its admin.
    fn ensure_first_admin(&mut self) -> Result<()> {
        let n: i64 = self
            .tx
            .query_row("SELECT count(*) FROM clinicians", [], |r| r.get(0))?;
        if n == 0 {
            let user = self.who.os_user.clone();
            self.insert_clinician(&user, &user, Role::Admin)?;
        }
        Ok(())
    }
}

impl SqliteStore {
    /// The OS user who creates the database (the file's owner) is its first admin, so a single-user workstation
    /// needs no set-up. Run at every open: a database whose creation was stopped between its schema and its first
    /// admin (killed, power lost) is repaired by its owner's next command, and by nobody else's.
    pub(crate) fn ensure_first_admin(&mut self) -> Result<()> {
        let nobody: bool =
            self.conn()
                .query_row("SELECT NOT EXISTS (SELECT 1 FROM clinicians)", [], |r| {
                    r.get(0)
                })?;
        let me = nix::unistd::geteuid().as_raw();
        if !nobody || file_owner(self.conn()).is_none_or(|(uid, _)| uid != me) {
            return Ok(());
        }
        self.write_unchecked(|tx| tx.ensure_first_admin())
    }

    pub fn clinicians(&self) -> Result<Vec<Clinician>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM clinicians ORDER BY os_user"
        ))?;
        let rows = stmt.query_map([], clinician_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The acting user's role here, `None` when they are not a clinician (they can read, not write).
    pub fn role(&self) -> Result<Option<Role>> {
        role_of(self.conn(), &self.who().os_user)
    }

    /// Refuse now, before asking for confirmation, unless the acting user is an admin (the write checks again).
    pub fn require_admin(&self, what: &str) -> Result<()> {
        admin_only(self.conn(), self.role()?, &self.who().os_user, what)
    }

    pub fn add_clinician(
        &mut self,
        os_user: &str,
        display_name: &str,
        role: Role,
    ) -> Result<Clinician> {
        self.write(|tx| tx.add_clinician(os_user, display_name, role))
    }

    pub fn set_role(&mut self, os_user: &str, role: Role) -> Result<Clinician> {
        self.write(|tx| tx.set_role(os_user, role))
    }

    pub fn remove_clinician(&mut self, os_user: &str) -> Result<()> {
        self.write(|tx| tx.remove_clinician(os_user))
    }
}
