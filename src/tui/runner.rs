//! Owns the terminal: raw mode and the alternate screen, always given back (normal exit,
//! error, Ctrl-C, SIGINT, panic). Merges key presses, engine events and a spinner tick, and
//! redraws only when something changed.

use std::io::{self, Stdout, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use crossterm::{cursor, execute, terminal};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use super::app::{Action, App};
use super::theme::Theme;
use super::{Command, draw};
use crate::model::Event;

const TICK: Duration = Duration::from_millis(100);
/// Engine events folded into one frame at most, so a burst cannot starve the keyboard.
const EVENTS_PER_FRAME: usize = 4096;

/// True while this module has the terminal in raw mode; the panic hook reads it.
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// Runs the dashboard until the user quits. The engine keeps running if the UI ends; the
/// caller decides what to do with it.
pub async fn run(
    mut app: App,
    mut events: mpsc::UnboundedReceiver<Event>,
    commands: mpsc::UnboundedSender<Command>,
) -> io::Result<()> {
    if Theme::no_color_requested() {
        app.set_theme(Theme::monochrome());
    }
    install_panic_hook();
    let _restore = TerminalGuard::take()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;

    let mut input = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut engine_open = true;
    let mut redraw = true;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    loop {
        if redraw {
            terminal.draw(|frame| draw(frame, &mut app))?;
            redraw = false;
        }
        tokio::select! {
            key = input.next() => match key {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    redraw = true;
                    match app.handle_key(key) {
                        Action::None => {}
                        Action::Quit => break,
                        Action::Reprobe(devices) => {
                            for device in devices {
                                // A closed channel means the engine is gone; nothing to re-probe.
                                let _ = commands.send(Command::Reprobe(device));
                            }
                        }
                        Action::ReprobeAll => {
                            let _ = commands.send(Command::ReprobeAll);
                        }
                        Action::ToggleWatch => {
                            let _ = commands.send(Command::SetWatching(app.watching()));
                        }
                        Action::ProposeFix { device, kind } => {
                            let _ = commands.send(Command::ProposeFix { device, kind });
                        }
                        Action::ApplyFix { device, kind } => {
                            let _ = commands.send(Command::ApplyFix { device, kind });
                        }
                        Action::SaveRun(path) => app.save_run(&path),
                        Action::WriteSnippets(path) => app.write_snippets(&path),
                    }
                }
                Some(Ok(TermEvent::Resize(..))) => {
                    terminal.autoresize()?;
                    redraw = true;
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error),
                // The terminal went away: nothing more can be shown.
                None => break,
            },
            event = events.recv(), if engine_open => match event {
                Some(event) => {
                    app.apply(event);
                    for _ in 0..EVENTS_PER_FRAME {
                        match events.try_recv() {
                            Ok(event) => app.apply(event),
                            Err(_) => break,
                        }
                    }
                    redraw = true;
                }
                None => engine_open = false,
            },
            _ = ticker.tick() => {
                if app.is_animating() {
                    app.on_tick();
                    redraw = true;
                }
            }
            _ = &mut ctrl_c => break,
        }
    }
    Ok(())
}

/// Raw mode + alternate screen for as long as it lives.
struct TerminalGuard;

impl TerminalGuard {
    fn take() -> io::Result<Self> {
        terminal::enable_raw_mode()?;
        TERMINAL_TAKEN.store(true, Ordering::SeqCst);
        // From here on Drop restores, even if entering the alternate screen fails.
        let guard = TerminalGuard;
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Gives the terminal back if this module has it; safe to call more than once.
fn restore_terminal() {
    if !TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = terminal::disable_raw_mode();
    let mut stdout: Stdout = io::stdout();
    let _ = execute!(stdout, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = stdout.flush();
}

/// Restores the terminal before the previous hook prints the panic, so the message is
/// readable and the shell usable. Installed once per process.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
}
