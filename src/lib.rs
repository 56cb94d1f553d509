//! sshtriage: walks every device through the stages an expert checks by hand — DNS, TCP,
//! version exchange, algorithm negotiation, host key, auth methods, authentication, prompt,
//! enable — and says where SSH breaks and what fixes it.

pub mod algorithms;
/// The profile files of `profiles/`, found by `build.rs`.
pub(crate) mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_profiles.rs"));
}
pub mod atomic;
pub mod cli;
pub mod demo;
pub mod device;
pub mod engine;
pub mod files;
pub mod fix;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
pub mod known_hosts;
pub mod lab;
pub mod model;
pub mod present;
pub mod profile;
pub mod report;
pub mod run;
pub mod secret;
pub mod session;
pub mod sources;
pub mod terminal_text;
pub mod tui;
pub mod watch;
pub mod wire;
