//! Who is acting: the OS user and, over SSH, the client address. Written into every audit row.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Who {
    pub os_user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_addr: Option<String>,
}

impl Who {
    /// The current process's user (passwd entry of the effective uid, else "uid:N") and SSH client address.
    ///
    /// The name never comes from the environment (`$USER`, `$LOGNAME` can be set by anyone), because roles are
    /// granted to it. The SSH address does, and is recorded for information only.
    pub fn current() -> Who {
        let os_user = user_name(effective_uid());
        let ssh_addr = ssh_client_addr(
            std::env::var("SSH_CLIENT").ok().as_deref(),
            std::env::var("SSH_CONNECTION").ok().as_deref(),
        );
        Who { os_user, ssh_addr }
    }
}

fn effective_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// The passwd name of `uid`, else "uid:N".
pub(crate) fn user_name(uid: u32) -> String {
    passwd_name(uid).unwrap_or_else(|| format!("uid:{uid}"))
}

/// A name that is not UTF-8 (read lossily, with U+FFFD) is no name: roles are granted to names, and two such
/// names could read the same.
fn passwd_name(uid: u32) -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .filter(|n| !n.is_empty() && !n.contains(char::REPLACEMENT_CHARACTER))
}

/// `SSH_CLIENT` is "addr port localport"; `SSH_CONNECTION` is "addr port localaddr localport". The first word of
/// either is the client address.
pub(crate) fn ssh_client_addr(
    ssh_client: Option<&str>,
    ssh_connection: Option<&str>,
) -> Option<String> {
    [ssh_client, ssh_connection]
        .into_iter()
        .flatten()
        .filter_map(|v| v.split_whitespace().next())
        .map(str::to_string)
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_address_is_the_first_word() {
        assert_eq!(
            ssh_client_addr(Some("10.0.0.7 52114 22"), None).as_deref(),
            Some("10.0.0.7")
        );
        assert_eq!(
            ssh_client_addr(None, Some("fe80::1 52114 fe80::2 22")).as_deref(),
            Some("fe80::1")
        );
        assert_eq!(ssh_client_addr(Some("  "), None), None);
        assert_eq!(ssh_client_addr(None, None), None);
    }

    #[test]
    fn current_user_has_a_name() {
        assert!(!Who::current().os_user.is_empty());
    }
}
