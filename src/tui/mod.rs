//! The therapist's terminal interface.
//!
//! One thread owns the terminal and the state ([`app::App`]); the input reader, the database poller and the SIGHUP
//! handler send [`app::Msg`]s over one std mpsc channel, and the loop redraws only after a message, so an idle
//! Praxis uses no CPU. Logs go to a file next to the database, never to the screen.

pub mod app;
pub mod compare;
pub mod data;
pub mod drafts;
pub mod forms;
pub mod keymap;
pub mod list;
pub mod overview;
pub mod records;
pub mod theme;
pub mod widgets;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use ratatui::crossterm::event;

pub use app::{App, Ctx, Msg};
pub use data::{Memory, Source, StoreSource};
pub use theme::Theme;

/// How often the database is asked whether another process wrote to it.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

pub fn run(db: &Path) -> anyhow::Result<()> {
    let _log_guard = init_logging(db);
    let now = chrono::Local::now().naive_local();
    let ctx = Ctx::new(Theme::from_env(), now);
    let store = crate::store::Store::open(db)?;
    let source: Box<dyn Source> = Box::new(data::StoreSource::new(store, ctx.today));
    let mut app = App::new(source, ctx)?;
    let draft_path = drafts::path(db);
    match drafts::load(&draft_path) {
        Ok(Some(d)) => app.offer_draft(d, draft_path.clone()),
        Ok(None) => {}
        Err(e) => app.set_status(format!("{e:#}"), true),
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
    if app.hangup
        && let Some(d) = app.draft()
    {
        // The terminal is gone: nobody can read an error, so it goes to the log.
        match drafts::save(&draft_path, &d) {
            Ok(()) => tracing::info!("kept the unfinished form as {}", draft_path.display()),
            Err(e) => tracing::error!("could not keep the unfinished form: {e:#}"),
        }
    }
    ratatui::restore();
    tracing::info!("praxis tui exits");
    result
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

/// Log to `praxis-tui.log` next to the database; the guard must live as long as the TUI.
fn init_logging(db: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = db.parent().filter(|p| !p.as_os_str().is_empty())?;
    std::fs::create_dir_all(dir).ok()?;
    let appender = tracing_appender::rolling::never(dir, "praxis-tui.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("PRAXIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
