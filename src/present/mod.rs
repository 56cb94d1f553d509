//! What every view says the same way, whichever it is (the dashboard, `check`, `wait`, `fix`,
//! `known-hosts`): text from devices and files made safe for a terminal, and the
//! per-client compatibility lines. Views and commands import this; it imports only the model
//! and the algorithm knowledge.

mod compatibility;
mod text;

pub use compatibility::{CompatibilityGroup, compatibility_groups, compatibility_lines};
pub use text::{printable, printable_char};
