//! A signal in the middle of a write (SIGTERM, SIGHUP during `praxis demo`) leaves all of it or none (split from
//! tests/access.rs).

use praxis::store::Store;

/// Send `sig` to `praxis demo` at 0, 5, ... 75 ms: each run ends through the handler (status 128+sig, saying so) or
/// by the signal, and leaves the demo's patients entirely or not at all.
fn signal_during_demo_leaves_nothing_or_everything(sig: libc::c_int, name: &str) {
    use std::os::unix::process::ExitStatusExt as _;
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("praxis");
    let mut interrupted = 0;
    let mut stopped_cleanly = 0;
    // What a whole demo writes today (the session count depends on the date of loading).
    let full = {
        let db = dir.path().join("full.db");
        let out = std::process::Command::new(&bin)
            .env_remove("PRAXIS_DB")
            .env("XDG_DATA_HOME", dir.path().join("xdg"))
            .arg("--db")
            .arg(&db)
            .arg("demo")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let c = Store::open(&db).unwrap().counts().unwrap();
        (c.patients, c.assessments, c.sessions, c.plans)
    };
    assert_eq!(full.0, 6);
    for (i, delay_ms) in (0..80).step_by(5).enumerate() {
        let db = dir.path().join(format!("d{i}.db"));
        let child = std::process::Command::new(&bin)
            .env_remove("PRAXIS_DB")
            .env("XDG_DATA_HOME", dir.path().join("xdg"))
            .arg("--db")
            .arg(&db)
            .arg("demo")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            interrupted += 1;
            if out.status.code() == Some(128 + sig) {
                stopped_cleanly += 1;
                assert!(err.contains(&format!("stopped by {name}")), "{err}");
            } else {
                assert_eq!(out.status.signal(), Some(sig), "{err}");
            }
        }
        let store = Store::open(&db).unwrap();
        assert!(store.integrity_check().unwrap().is_empty());
        assert!(store.verify_audit().unwrap().is_ok());
        let c = store.counts().unwrap();
        let got = (c.patients, c.assessments, c.sessions, c.plans);
        assert!(
            got == (0, 0, 0, 0) || got == full,
            "after {name} at {delay_ms} ms: {got:?}"
        );
    }
    assert!(
        interrupted > 0,
        "no run was interrupted: the test tested nothing"
    );
    assert!(
        stopped_cleanly > 0,
        "no run went through the {name} handler: it was not tested"
    );
    eprintln!("{interrupted} interrupted, {stopped_cleanly} through the handler");
}

#[test]
fn sigterm_during_demo_leaves_nothing_or_everything() {
    signal_during_demo_leaves_nothing_or_everything(libc::SIGTERM, "SIGTERM");
}

/// The SSH connection drops: the shell's children get SIGHUP.
#[test]
fn sighup_during_demo_leaves_nothing_or_everything() {
    signal_during_demo_leaves_nothing_or_everything(libc::SIGHUP, "SIGHUP");
}
