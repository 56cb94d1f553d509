//! A lab of simulated network devices and misbehaving TCP peers, for integration tests and the
//! built-in `sshtriage demo` fleet.
//!
//! * [`spawn_device`] runs an SSH server (russh) that looks like a network box: per-style
//!   identification string, algorithm offer, auth methods, login banner, boot phases
//!   (port closed, then "port open but no SSH yet", then SSH), and a small CLI with
//!   `enable`, paging commands, `show version` and `exit`.
//! * [`spawn_misbehaving`] runs a raw TCP peer that answers like something that is not a
//!   working SSH server (tarpit, HTTP, garbage, SSH-1 only, reset, ...).
//!
//! Everything binds to loopback only: any other bind address is refused with an error.
//! Every server stops when its `Running*` handle is dropped (or `shutdown` is awaited),
//! including open connections, so tests never leak servers.

mod counters;
mod device;
mod handler;
mod keys;
mod lifecycle;
mod misbehave;
mod offer;
mod prompts;
mod shell;
mod spec;

pub use counters::{CounterSnapshot, DeviceCounters};
pub use device::{RunningDevice, spawn_device};
pub use keys::{generate_ecdsa_p256_host_key, generate_ed25519_host_key, generate_rsa_host_key};
pub use lifecycle::ensure_loopback;
pub use misbehave::{Misbehaviour, RunningPeer, spawn_misbehaving};
pub use spec::{AlgorithmSpec, AuthMethod, BootScript, DeviceSpec, PromptStyle};

#[cfg(test)]
mod tests;
