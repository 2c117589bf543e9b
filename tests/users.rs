//! Issue 9, points 1 and 2: Praxis run by two different OS users on one shared clinic folder (group, setgid,
//! `PRAXIS_DB`, `PRAXIS_GROUP`), as the README's clinic set-up has it. Running a program as other users needs root
//! (as in CI); without it these tests say they were skipped and check nothing else.
//!
//! The two users are throwaway uids (64501 and 64502, named "uid:N" unless this machine's passwd knows them) in an
//! existing group; every file lives in a temporary folder, each user's HOME and XDG folders included, so no real
//! user's data is touched and two test runs never meet.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const UID_A: u32 = 64501;
const UID_B: u32 = 64502;

struct Clinic {
    _root: tempfile::TempDir,
    shared: PathBuf,
    bin: PathBuf,
    group: String,
    gid: u32,
}

struct User {
    uid: u32,
    name: String,
    home: PathBuf,
}

impl User {
    fn state(&self) -> PathBuf {
        self.home.join(".local/state/praxis")
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The passwd name of `uid`, else "uid:N" (as Praxis names the acting user).
fn user_name(uid: u32) -> String {
    // SAFETY: getpwuid returns null or a pointer to a static entry, read at once.
    unsafe {
        let pw = libc::getpwuid(uid);
        if pw.is_null() || (*pw).pw_name.is_null() {
            return format!("uid:{uid}");
        }
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

/// A group that exists on this machine, by name and gid.
fn some_group() -> Option<(String, u32)> {
    ["users", "nogroup", "nobody"].into_iter().find_map(|name| {
        let c = std::ffi::CString::new(name).ok()?;
        // SAFETY: getgrnam returns null or a pointer to a static entry, read at once.
        let gr = unsafe { libc::getgrnam(c.as_ptr()) };
        (!gr.is_null()).then(|| (name.to_string(), unsafe { (*gr).gr_gid }))
    })
}

/// The clinic's shared folder (mode 2770, the group's) and a copy of `praxis` every user can run; `None` (said on
/// stdout) when not root.
fn clinic(test: &str) -> Option<Clinic> {
    if !is_root() {
        println!("{test}: skipped: running Praxis as two OS users needs root (as in CI)");
        return None;
    }
    let Some((group, gid)) = some_group() else {
        println!("{test}: skipped: no group (users, nogroup) to share the folder with");
        return None;
    };
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // The built binary may sit under a folder other users cannot enter (e.g. /root): give them a copy.
    let bin = root.path().join("praxis");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_praxis"), &bin).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_praxis"), &bin).unwrap();
    }
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let shared = root.path().join("srv");
    std::fs::create_dir(&shared).unwrap();
    chown(&shared, 0, gid);
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2770)).unwrap();
    Some(Clinic {
        _root: root,
        shared,
        bin,
        group,
        gid,
    })
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

impl Clinic {
    fn db(&self) -> PathBuf {
        self.shared.join("praxis.db")
    }

    /// A user with an empty private home in the temporary folder.
    fn user(&self, uid: u32) -> User {
        let home = self.shared.parent().unwrap().join(format!("home-{uid}"));
        std::fs::create_dir(&home).unwrap();
        chown(&home, uid, self.gid);
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        User {
            uid,
            name: user_name(uid),
            home,
        }
    }

    /// `praxis ARGS` as `user`, in the group, without a controlling terminal, with the clinic's environment.
    fn command(&self, user: &User, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &user.home)
            .env("XDG_STATE_HOME", user.home.join(".local/state"))
            .env("XDG_DATA_HOME", user.home.join(".local/share"))
            .env("PRAXIS_DB", self.db())
            .env("PRAXIS_GROUP", &self.group)
            .env("TERM", "xterm")
            .current_dir(&user.home)
            .uid(user.uid)
            .gid(self.gid)
            .stdin(Stdio::null());
        // SAFETY: setsid is async-signal-safe; a new session has no controlling terminal, so a Praxis that wants
        // one fails instead of taking over the terminal the tests run in.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        cmd
    }

    fn run(&self, user: &User, args: &[&str]) -> Output {
        self.command(user, &self.bin, args).output().unwrap()
    }

    fn ok(&self, user: &User, args: &[&str]) -> String {
        let out = self.run(user, args);
        assert!(
            out.status.success(),
            "{} {args:?}: {}",
            user.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Everything in the shared folder, by name, with owner and mode.
    fn listing(&self) -> Vec<(String, u32, u32)> {
        let mut out: Vec<_> = walk(&self.shared)
            .into_iter()
            .map(|p| {
                let m = std::fs::symlink_metadata(&p).unwrap();
                (
                    p.strip_prefix(&self.shared).unwrap().display().to_string(),
                    m.uid(),
                    m.mode() & 0o7777,
                )
            })
            .collect();
        out.sort();
        out
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

/// Start the terminal interface without a terminal: it opens the database, its log and the draft, then stops at
/// the terminal. Not a panic, and past the log.
fn start_tui(c: &Clinic, user: &User) -> String {
    let out = c.run(user, &[]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{}: {err}", user.name);
    assert_ne!(out.status.code(), Some(101), "{}: {err}", user.name);
    err
}

#[test]
fn every_user_starts_praxis_with_a_private_log_and_backs_up_into_the_shared_folder() {
    let Some(c) = clinic("every_user_starts_praxis") else {
        return;
    };
    let (a, b) = (c.user(UID_A), c.user(UID_B));
    c.ok(&a, &["clinician", "list"]);
    c.ok(&a, &["clinician", "add", &b.name, "--role", "therapist"]);
    // What an older Praxis left in the shared folder: its log, the first user's, mode 0644.
    let old_log = c.shared.join("praxis-tui.log");
    std::fs::write(&old_log, "old\n").unwrap();
    chown(&old_log, a.uid, c.gid);
    std::fs::set_permissions(&old_log, std::fs::Permissions::from_mode(0o644)).unwrap();

    for user in [&a, &b, &a] {
        let err = start_tui(&c, user);
        assert!(!err.contains("no log is kept"), "{}: {err}", user.name);
        let log = user.state().join("praxis-tui.log");
        let meta = std::fs::metadata(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        assert_eq!(meta.uid(), user.uid);
        let dir = std::fs::metadata(user.state()).unwrap();
        assert_eq!((dir.uid(), dir.mode() & 0o777), (user.uid, 0o700));
    }
    assert_eq!(std::fs::read_to_string(&old_log).unwrap(), "old\n");

    // Backups: the first user's `db backup` makes the folder, the second's writes into it.
    c.ok(&a, &["db", "backup"]);
    c.ok(&b, &["db", "backup"]);
    let backups = c.shared.join("backups");
    let meta = std::fs::metadata(&backups).unwrap();
    assert_eq!((meta.mode() & 0o7777, meta.gid()), (0o2770, c.gid));
    let files: Vec<PathBuf> = walk(&backups);
    assert_eq!(files.len(), 2, "{files:?}");
    for f in &files {
        let m = std::fs::metadata(f).unwrap();
        assert_eq!(
            (m.mode() & 0o777, m.gid()),
            (0o660, c.gid),
            "{}",
            f.display()
        );
        let file = f.to_str().unwrap();
        c.ok(&b, &["db", "check", "--db", file]);
        c.ok(&a, &["db", "check", "--db", file]);
    }
    // A `backups/` an older Praxis made 0755 is opened to the group by its owner's next backup.
    std::fs::set_permissions(&backups, std::fs::Permissions::from_mode(0o755)).unwrap();
    chown(&backups, b.uid, c.gid);
    c.ok(&b, &["db", "backup"]);
    c.ok(&a, &["db", "backup"]);

    // Nothing else of anyone's is in the shared folder: no log, no draft, every file the group's to write.
    for (name, _, mode) in c.listing() {
        assert!(!name.contains("draft") && !name.ends_with(".tmp"), "{name}");
        if name != "praxis-tui.log" {
            assert!(mode & 0o060 == 0o060, "{name} is {mode:o}");
            assert!(mode & 0o007 == 0, "{name} is {mode:o}");
        }
    }
}

#[test]
fn a_log_that_cannot_be_opened_is_reported_once_and_praxis_goes_on() {
    // Needs no second user: a state folder that is a file cannot be made a folder, even by root.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::write(&state, "not a folder").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_praxis"));
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", &state)
        .env("PRAXIS_DB", dir.path().join("p.db"))
        .env("TERM", "xterm")
        .stdin(Stdio::null());
    // SAFETY: as above; no controlling terminal, so the interface stops at the terminal instead of taking it.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.matches("no log is kept this time").count(), 1, "{err}");
    assert!(err.contains(&state.display().to_string()), "{err}");
    // It went on: it opened (here, created) the database.
    assert!(dir.path().join("p.db").exists(), "{err}");
}

/// `script`, which runs a program on a pseudo-terminal, if installed.
fn script() -> Option<&'static Path> {
    ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
}

/// The arguments that make `script` run `praxis` on a 100x30 pseudo-terminal.
fn script_args(bin: &Path) -> [String; 3] {
    [
        "-qefc".into(),
        format!("stty rows 30 cols 100; exec {}", bin.display()),
        "/dev/null".into(),
    ]
}

/// Run the terminal interface as `user` on a pseudo-terminal, open the new-patient form, type `typed` and press
/// Ctrl-C. `None` when `script` is not installed.
fn ctrl_c_in_a_form(c: &Clinic, user: &User, typed: &str) -> Option<String> {
    let args = script_args(&c.bin);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let cmd = c.command(user, script()?, &args);
    Some(form_session(cmd, typed, false))
}

/// Drive `cmd` (`script` running the interface): open the new-patient form, type `typed`, then press Ctrl-C, or
/// (`hang_up`, once `typed` made the form ready) kill `script`, which closes the terminal under the interface as a
/// dropped SSH connection does.
/// What the terminal showed.
fn form_session(mut cmd: Command, typed: &str, hang_up: bool) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    // Wait for the screen, then for the form: keys typed before raw mode would reach the terminal driver instead.
    let wait_for = |what: &str, seen: &mut Vec<u8>| {
        while !String::from_utf8_lossy(seen).contains(what) {
            match rx.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(bytes) => seen.extend(bytes),
                Err(e) => panic!(
                    "the interface never showed {what:?} ({e}): {}",
                    String::from_utf8_lossy(seen)
                ),
            }
        }
    };
    wait_for("\u{1b}[?1049h", &mut seen);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"n").unwrap();
    stdin.flush().unwrap();
    seen.clear();
    wait_for("New patient", &mut seen);
    stdin.write_all(typed.as_bytes()).unwrap();
    stdin.flush().unwrap();
    if hang_up {
        // Typed in full (a valid birth year makes the form ready) before the connection drops.
        wait_for("ready", &mut seen);
        child.kill().unwrap();
    } else {
        stdin.write_all(b"\x03").unwrap();
        stdin.flush().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    // The reader ends at the end of the output: everything the interface said, its last words included.
    seen.extend(rx.iter().flatten());
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&seen)
}

#[test]
fn a_dropped_connection_mid_form_keeps_the_draft_and_praxis_ends_cleanly() {
    // One user is enough (no root needed), but a pseudo-terminal is.
    let Some(script) = script() else {
        println!("a_dropped_connection_mid_form: skipped: `script` is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut cmd = Command::new(script);
    cmd.args(script_args(Path::new(env!("CARGO_BIN_EXE_praxis"))))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", &state)
        .env("PRAXIS_DB", dir.path().join("p.db"))
        .env("TERM", "xterm");
    // SAFETY: as above: a new session, so the interface gets the pseudo-terminal and never the tests' terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    form_session(cmd, "1944", true);
    // The interface notices the hang-up, keeps the form and ends normally: its last log line says so (it used to
    // abort writing to the vanished terminal, losing the log). Wait for it, however long the machine takes.
    let log = state.join("praxis/praxis-tui.log");
    let start = std::time::Instant::now();
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("praxis tui exits") {
            break text;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "the interface never ended after the hang-up: {text}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(text.contains("kept the unfinished form"), "{text}");
    let drafts: Vec<PathBuf> = walk(&state.join("praxis/drafts"));
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    let draft = std::fs::read_to_string(&drafts[0]).unwrap();
    assert!(draft.contains("1944"), "{draft}");
}

#[test]
fn a_symlink_another_user_plants_never_redirects_a_draft_and_ctrl_c_keeps_one() {
    let Some(c) = clinic("a_symlink_another_user_plants") else {
        return;
    };
    let (a, b) = (c.user(UID_A), c.user(UID_B));
    c.ok(&a, &["clinician", "list"]);
    // A's own file, which B would like overwritten.
    let victim = a.home.join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    chown(&victim, a.uid, c.gid);
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    // B plants links where an older Praxis wrote A's draft, in the shared folder (B may write there).
    let safe = |s: &str| -> String {
        s.chars()
            .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_')
            .collect()
    };
    let old = c
        .shared
        .join(format!("praxis.db.draft-{}.json", safe(&a.name)));
    let old_tmp = c
        .shared
        .join(format!("praxis.db.draft-{}.json.tmp", safe(&a.name)));
    for link in [&old, &old_tmp] {
        let out = c
            .command(&b, Path::new("/bin/ln"), &["-s"])
            .arg(&victim)
            .arg(link)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A's state folder is A's alone: B cannot plant anything there.
    let err = start_tui(&c, &a);
    assert!(!err.contains("no log is kept"), "{err}");
    let drafts = a.state().join("drafts");
    assert!(drafts.is_dir());
    let out = c
        .command(&b, Path::new("/bin/ln"), &["-s"])
        .arg(&victim)
        .arg(drafts.join("planted.json"))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "B could write into A's drafts folder"
    );

    let Some(said) = ctrl_c_in_a_form(&c, &a, "ZZ-77") else {
        println!(
            "a_symlink_another_user_plants: the Ctrl-C part skipped: `script` is not installed"
        );
        return;
    };
    assert!(said.contains("the unfinished form was kept"), "{said}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let kept: Vec<PathBuf> = walk(&drafts);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let meta = std::fs::symlink_metadata(&kept[0]).unwrap();
    assert!(meta.is_file());
    assert_eq!((meta.uid(), meta.mode() & 0o777), (a.uid, 0o600));
    let text = std::fs::read_to_string(&kept[0]).unwrap();
    assert!(text.contains("ZZ-77"), "{text}");
    // The planted links are as B left them: never written through, never read.
    for link in [&old, &old_tmp] {
        assert!(std::fs::symlink_metadata(link).unwrap().is_symlink());
    }
    // B's start neither sees nor touches A's draft.
    let err = start_tui(&c, &b);
    assert!(!err.contains("ZZ-77") && !err.contains("draft"), "{err}");
    assert!(!b.state().join("drafts").read_dir().unwrap().any(|_| true));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}
