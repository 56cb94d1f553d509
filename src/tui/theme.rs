//! Colours and emphasis. The monochrome variant uses only modifiers (bold, dim, reverse,
//! underline), as NO_COLOR asks, so every state stays distinguishable without colour.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub ok: Style,
    pub warn: Style,
    pub fail: Style,
    pub skip: Style,
    pub pending: Style,
    pub running: Style,
    /// Stages run past a failure of the engineer's client (what happens once it is fixed).
    pub beyond: Style,
    /// Product name and section headings.
    pub title: Style,
    pub heading: Style,
    /// Secondary text: labels, placeholders.
    pub dim: Style,
    /// Key names in the hint bar and help.
    pub key: Style,
    pub selected: Style,
    pub group: Style,
    /// An algorithm both sides agreed on.
    pub negotiated: Style,
    pub border: Style,
    pub border_focused: Style,
    pub sent: Style,
    pub received: Style,
    pub note: Style,
}

impl Theme {
    pub fn color() -> Self {
        let plain = Style::new();
        Self {
            ok: plain.fg(Color::Green),
            warn: plain.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            fail: plain.fg(Color::Red).add_modifier(Modifier::BOLD),
            skip: plain.fg(Color::DarkGray),
            pending: plain.fg(Color::DarkGray),
            running: plain.fg(Color::Cyan),
            beyond: plain.fg(Color::Blue).add_modifier(Modifier::ITALIC),
            title: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            heading: plain.add_modifier(Modifier::BOLD),
            dim: plain.fg(Color::DarkGray),
            key: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            // Dark enough that dim (dark gray) text stays readable on it.
            selected: plain.bg(Color::Indexed(237)).add_modifier(Modifier::BOLD),
            group: plain.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            negotiated: plain.fg(Color::Green).add_modifier(Modifier::BOLD),
            border: plain.fg(Color::DarkGray),
            border_focused: plain.fg(Color::Cyan),
            sent: plain.fg(Color::Blue),
            received: plain,
            note: plain.fg(Color::DarkGray).add_modifier(Modifier::ITALIC),
        }
    }

    pub fn monochrome() -> Self {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        let dim = plain.add_modifier(Modifier::DIM);
        Self {
            ok: plain,
            warn: bold,
            fail: bold,
            skip: dim,
            pending: dim,
            running: plain,
            beyond: plain.add_modifier(Modifier::ITALIC),
            title: bold,
            heading: bold,
            dim,
            key: bold,
            selected: plain.add_modifier(Modifier::REVERSED),
            group: bold,
            negotiated: bold.add_modifier(Modifier::UNDERLINED),
            border: plain,
            border_focused: bold,
            sent: bold,
            received: plain,
            note: dim,
        }
    }

    /// True when the user asked for no colour (https://no-color.org: set and not empty).
    pub fn no_color_requested() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
    }

    /// The theme the environment asks for.
    pub fn from_env() -> Self {
        if Self::no_color_requested() {
            Self::monochrome()
        } else {
            Self::color()
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Self::color()
    }
}
