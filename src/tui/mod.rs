//! The therapist's terminal interface.
//!
//! One thread owns the terminal and the state ([`app::App`]); the input reader, the database poller and the SIGHUP
//! handler send [`app::Msg`]s over one std mpsc channel, and the loop redraws only after a message, so an idle
//! Praxis uses no CPU. Logs go to the user's own `$XDG_STATE_HOME/praxis/praxis-tui.log`, never to the screen nor to
//! the shared folder; a log that cannot be opened is reported once and Praxis goes on without one.
//!
//! Where things are: [`screen`] is the contract every screen implements ([`screen::Screen`]: title, mode, draw,
//! handle, refresh) with what screens read ([`screen::Ctx`]) and ask for ([`screen::Cmd`]); the screens are
//! [`list`], [`overview`], [`forms`], [`compare`] and [`records`]; [`app`] stacks them and runs their commands
//! (`app/commands.rs`); [`overlays`] draws help, notices and the draft offer; [`worker`] runs forecasts off the UI
//! thread; [`keymap`] is the one table per mode behind keys, footer hints, help and the keys named inside screens.
//! Each form is a module of [`forms`] implementing [`forms::FormSpec`] (its rows by name, validation through the
//! shared rules, the record it builds); [`forms::Form`] is what every form shares (focus, keys, drawing, drafts).
//! Screens and the app depend on `screen`, never the other way round.

pub mod app;
pub mod compare;
pub mod data;
pub mod drafts;
pub mod evidence;
pub mod forms;
pub mod goals;
pub mod keymap;
pub mod list;
pub mod overlays;
pub mod overview;
pub mod private;
pub mod progress;
pub mod protocol_text;
pub mod records;
pub mod screen;
pub mod theme;
pub mod widgets;
pub mod worker;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use ratatui::crossterm::event;

pub use app::{App, Ctx, Msg};
pub use data::{Source, StoreSource};
pub use theme::Theme;

/// How often the database is asked whether another process wrote to it.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

pub fn run(db: &Path) -> anyhow::Result<()> {
    let (_log_guard, log_problem) = match init_logging() {
        Ok(guard) => (guard, None),
        Err(e) => {
            // Said once, before the screen is taken (it stays readable after Praxis ends), and in the warnings.
            let msg = format!("no log is kept this time: {e:#}");
            eprintln!("praxis: warning: {msg}");
            (None, Some(msg))
        }
    };
    let now = chrono::Local::now().naive_local();
    let ctx = Ctx::new(Theme::from_env(), now);
    let store = crate::store::Store::open_db(db, false)?;
    let source: Box<dyn Source> = Box::new(data::StoreSource::new(store, ctx.today));
    let mut app = App::new(source, ctx)?;
    if let Some(msg) = log_problem {
        app.add_warning(msg);
    }
    let draft_path = match drafts::path(db) {
        Ok(p) => Some(p),
        Err(e) => {
            let msg = format!("unfinished forms cannot be kept this time: {e:#}");
            eprintln!("praxis: warning: {msg}");
            app.add_warning(msg);
            None
        }
    };
    if let Some(path) = &draft_path {
        offer_kept_draft(&mut app, path, db);
    }

    let (tx, rx) = mpsc::channel::<Msg>();
    let hangup = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGHUP, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, hangup.clone())?;
    }
    app.set_worker_channel(tx.clone());
    spawn_input(tx.clone());
    spawn_poller(tx, hangup);

    let mut terminal = ratatui::try_init()?;
    // Below the minimum size keys are ignored (but quitting): the app must know the size before the first key.
    if let Ok(size) = terminal.size() {
        app.set_size(size.width, size.height);
    }
    let result = (|| -> anyhow::Result<()> {
        terminal.draw(|f| app.draw(f))?;
        while let Ok(msg) = rx.recv() {
            app.set_now(chrono::Local::now().naive_local());
            let redraw = app.update(msg);
            if app.quit {
                break;
            }
            if redraw {
                terminal.draw(|f| app.draw(f))?;
            }
        }
        Ok(())
    })();
    // Ending in a form keeps it: the terminal went away, or Ctrl-C (which quits at once) was pressed.
    let kept = match (app.draft(), &draft_path) {
        (Some(d), Some(path)) if app.hangup || app.interrupted => Some(drafts::save(path, &d)),
        _ => None,
    };
    // Not `ratatui::restore` nor the terminal's drop, which report a failure on stderr: after a hang-up both are
    // gone, and writing there panicked (and aborted the program before its log was written).
    let _ = terminal.show_cursor();
    std::mem::forget(terminal);
    if let Err(e) = ratatui::try_restore() {
        tracing::warn!("could not restore the terminal: {e}");
    }
    // Said on stderr too, which may be gone after a hang-up: written so that a failure is ignored, not a panic.
    let say = |msg: String| {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "praxis: {msg}");
    };
    match kept {
        Some(Ok(())) => {
            let path = draft_path.as_deref().unwrap_or(db);
            tracing::info!("kept the unfinished form as {}", path.display());
            say(format!(
                "the unfinished form was kept ({}); it is offered back at the next start",
                path.display()
            ));
        }
        Some(Err(e)) => {
            tracing::error!("could not keep the unfinished form: {e:#}");
            say(format!("could not keep the unfinished form: {e:#}"));
        }
        None => {}
    }
    tracing::info!("praxis tui exits");
    result
}

/// Offer the draft kept for this database, or one an older Praxis kept next to it.
fn offer_kept_draft(app: &mut App, path: &Path, db: &Path) {
    let legacy = drafts::legacy_path(db);
    let found = match drafts::load(path) {
        Ok(None) => match drafts::load(&legacy) {
            Ok(d) => d.map(|d| (d, legacy)),
            // Not ours or not a file: not something to offer or to report at every start.
            Err(e) => {
                tracing::warn!("{e:#}");
                None
            }
        },
        Ok(Some(d)) => Some((d, path.to_path_buf())),
        Err(e) => {
            app.set_status(format!("{e:#}"), true);
            None
        }
    };
    if let Some((d, from)) = found {
        app.offer_draft(d, from);
    }
}

/// The reader of terminal events: blocks on input, so it costs nothing while idle.
fn spawn_input(tx: mpsc::Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            match event::read() {
                Ok(ev) => {
                    if tx.send(Msg::Term(ev)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!("terminal input failed: {e}");
                    let _ = tx.send(Msg::Hangup);
                    break;
                }
            }
        }
    });
}

/// Wakes once a second: reports a hang-up, and asks the UI to check the database's data version.
fn spawn_poller(tx: mpsc::Sender<Msg>, hangup: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(POLL_INTERVAL);
            let msg = if hangup.load(std::sync::atomic::Ordering::Relaxed) {
                Msg::Hangup
            } else {
                Msg::DataChanged
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
}

/// Log to `praxis-tui.log` in the user's own state folder; the guard must live as long as the TUI. `Ok(None)` when
/// another logger was set up already.
fn init_logging() -> anyhow::Result<Option<tracing_appender::non_blocking::WorkerGuard>> {
    use tracing_appender::rolling::{RollingFileAppender, Rotation};
    let dir = private::state_dir("")?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::NEVER)
        .filename_prefix("praxis-tui.log")
        .build(&dir)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open the log {}: {e}",
                dir.join("praxis-tui.log").display()
            )
        })?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("PRAXIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(installed.is_ok().then_some(guard))
}
