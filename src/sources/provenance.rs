//! Where each of a device's values came from, so a report can say "port 2222 (from
//! group_vars/wan.yml:4)" and an override knows which values the user chose and which were
//! only built-in defaults.

use crate::algorithms::allowlist::Category;
use crate::device::Phase;
pub use crate::device::ValueSource;
use std::collections::BTreeMap;
use std::fmt;

/// A device setting, named as in the TOML inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Name,
    Host,
    Port,
    Username,
    Password,
    Key,
    Passphrase,
    EnableSecret,
    /// Whether to escalate after login (`become`, `ansible_become`).
    Become,
    BecomeMethod,
    Agent,
    LookForKeys,
    KnownHosts,
    HostKeyPolicy,
    Profile,
    Timeout,
    /// One phase's own timeout (`timeouts.banner`, `banner_timeout`, `ConnectTimeout`, …).
    PhaseTimeout(Phase),
    CheckTransfer,
    Jump,
    Client,
    Kex,
    HostKeyAlgorithms,
    Ciphers,
    Macs,
}

impl Field {
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Host => "host",
            Field::Port => "port",
            Field::Username => "username",
            Field::Password => "password",
            Field::Key => "key_file",
            Field::Passphrase => "passphrase",
            Field::EnableSecret => "enable_secret",
            Field::Become => "become",
            Field::BecomeMethod => "become_method",
            Field::Agent => "agent",
            Field::LookForKeys => "look_for_keys",
            Field::KnownHosts => "known_hosts",
            Field::HostKeyPolicy => "host_key_policy",
            Field::Profile => "profile",
            Field::Timeout => "timeout",
            Field::PhaseTimeout(phase) => match phase {
                Phase::Tcp => "timeouts.tcp",
                Phase::Banner => "timeouts.banner",
                Phase::Kex => "timeouts.kex",
                Phase::Auth => "timeouts.auth",
                Phase::Prompt => "timeouts.prompt",
                Phase::Enable => "timeouts.enable",
            },
            Field::CheckTransfer => "check_transfer",
            Field::Jump => "jump",
            Field::Client => "client",
            Field::Kex => "algorithms.kex",
            Field::HostKeyAlgorithms => "algorithms.host_key",
            Field::Ciphers => "algorithms.cipher",
            Field::Macs => "algorithms.mac",
        }
    }

    pub fn for_category(category: Category) -> Field {
        match category {
            Category::Kex => Field::Kex,
            Category::HostKey => Field::HostKeyAlgorithms,
            Category::Cipher => Field::Ciphers,
            Category::Mac => Field::Macs,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The source of each value a loader set on a device. A field without an entry kept
/// sshtriage's own default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    fields: BTreeMap<Field, ValueSource>,
}

impl Provenance {
    pub fn set(&mut self, field: Field, source: ValueSource) {
        self.fields.insert(field, source);
    }

    pub fn get(&self, field: Field) -> Option<&ValueSource> {
        self.fields.get(&field)
    }

    /// True when a file (not a built-in default) set the value: later sources must not
    /// replace it.
    pub fn is_explicit(&self, field: Field) -> bool {
        self.get(field).is_some_and(|s| !s.is_builtin())
    }

    pub fn iter(&self) -> impl Iterator<Item = (Field, &ValueSource)> {
        self.fields.iter().map(|(f, s)| (*f, s))
    }
}
