//! The dashboard: a live terminal UI over the probe engine's events.
//!
//! The engine streams [`Event`](crate::model::Event)s; [`App`] folds them into plain state
//! through the fold `sshtriage wait` shares ([`crate::fleet`]), and hands key presses to the
//! component on top (a module each under `component/`); [`draw`] renders a snapshot of that
//! state; [`run`] owns the terminal and wires them together, sending [`Command`]s back to the
//! engine when the user asks for a re-probe. Nothing here touches the network.

mod app;
mod clock;
mod component;
mod device;
mod diagnosis;
mod keys;
mod run_file;
mod runner;
mod table_model;
mod text;
mod theme;
mod view;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod run_tests;
#[cfg(test)]
mod tests;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

pub use app::{Action, App, DialogState, FixDialog, Pane, SaveDialog, Screen, UiState};
pub use clock::{Clock, ManualClock, SystemClock};
pub use keys::{Binding, Component, Key, KeyAction};
pub use run_file::{Origin, SavedRun};
pub use runner::run;
pub use table_model::{Counts, SortKey, TableOptions};
pub use theme::Theme;
pub use view::draw;

pub use crate::model::Command;

/// Renders one frame off-screen and returns it as text, one line per row with trailing
/// spaces trimmed: for snapshot tests and text captures.
pub fn render_to_string(app: &mut App, width: u16, height: u16) -> String {
    let Ok(mut terminal) = Terminal::new(TestBackend::new(width, height));
    let Ok(_) = terminal.draw(|frame| draw(frame, app));
    buffer_to_string(terminal.backend().buffer())
}

fn buffer_to_string(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let mut out = String::with_capacity(buffer.content.len() * 2);
    for row in buffer.content.chunks(width.max(1)) {
        let mut line = String::with_capacity(width * 2);
        let mut hidden = 0;
        for cell in row {
            if hidden > 0 {
                hidden -= 1;
                continue;
            }
            line.push_str(cell.symbol());
            hidden = text::width(cell.symbol()).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
