//! What every view says the same way, whichever it is (the dashboard, `check`, `wait`, `fix`,
//! `known-hosts`, `inventory`): text from devices and files made safe for a terminal (JSON
//! included), and the per-client compatibility lines. Views and commands import this; it
//! imports only the model, the algorithm knowledge and the base layer's cleaner.

mod compatibility;
mod text;

pub use compatibility::{CompatibilityGroup, compatibility_groups, compatibility_lines};
pub use text::{
    json_line, json_pretty, printable, printable_char, printable_flat, printable_lines,
    write_json_pretty,
};
