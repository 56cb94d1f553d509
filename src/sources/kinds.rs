//! Containerlab node kinds → platform profile and Containerlab's default credentials, read from
//! `profiles/containerlab-kinds.toml` (data, with its sources cited there).

use crate::secret::Secret;
use serde::Deserialize;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../profiles/containerlab-kinds.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    not_devices: Vec<String>,
    kind: Vec<KindDefaults>,
    #[serde(default)]
    prefix: Vec<PrefixRule>,
}

/// What Containerlab sets up on every node of a kind.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct KindDefaults {
    pub names: Vec<String>,
    /// sshtriage profile name, or `auto`.
    pub profile: String,
    pub username: Option<String>,
    password: Option<String>,
    /// The Containerlab documentation page the defaults come from.
    pub doc: String,
}

// The table's passwords are public lab defaults, but they are still never printed.
impl std::fmt::Debug for KindDefaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KindDefaults")
            .field("names", &self.names)
            .field("profile", &self.profile)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .finish()
    }
}

impl KindDefaults {
    pub fn password(&self) -> Option<Secret> {
        self.password.as_ref().map(Secret::new)
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
struct PrefixRule {
    prefix: String,
    profile: String,
}

/// The answer for one kind name.
#[derive(Debug, Clone)]
pub enum KindInfo {
    Known(KindDefaults),
    /// Known only by a name prefix: a profile but no credentials.
    Prefix {
        profile: String,
    },
    /// A bridge or the host: not a device.
    NotDevice,
    Unknown,
}

static PARSED: LazyLock<RawTable> = LazyLock::new(|| {
    toml::from_str(TABLE).expect("the embedded containerlab kinds table is valid (tested)")
});

pub fn lookup(kind: &str) -> KindInfo {
    let kind = kind.trim();
    let table = &*PARSED;
    if table.not_devices.iter().any(|k| k == kind) {
        return KindInfo::NotDevice;
    }
    let find = |name: &str| {
        table
            .kind
            .iter()
            .find(|k| k.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
    };
    if let Some(k) = find(kind).or_else(|| kind.strip_prefix("vr-").and_then(find)) {
        return KindInfo::Known(k.clone());
    }
    match table.prefix.iter().find(|p| kind.starts_with(&p.prefix)) {
        Some(rule) => KindInfo::Prefix {
            profile: rule.profile.clone(),
        },
        None => KindInfo::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profiles;

    fn profile_of(kind: &str) -> String {
        match lookup(kind) {
            KindInfo::Known(k) => k.profile,
            KindInfo::Prefix { profile } => profile,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn table_profiles_exist_and_names_are_unique() {
        let profiles = Profiles::embedded();
        let mut seen = std::collections::HashSet::new();
        for k in &PARSED.kind {
            assert!(
                k.profile == "auto" || profiles.get(&k.profile).is_some(),
                "{} names unknown profile {}",
                k.names[0],
                k.profile
            );
            assert!(k.doc.starts_with("https://containerlab.dev/manual/kinds/"));
            for n in &k.names {
                assert!(seen.insert(n.clone()), "{n} listed twice");
            }
        }
    }

    #[test]
    fn kinds_map_to_profiles() {
        for (kind, profile) in [
            ("srl", "nokia_srl"),
            ("nokia_srlinux", "nokia_srl"),
            ("ceos", "arista_eos"),
            ("cisco_iol", "cisco_ios"),
            ("vr-csr", "cisco_ios"),
            ("cisco_c8000v", "cisco_ios"),
            ("cisco_c8000", "cisco_xr"),
            ("xrd", "cisco_xr"),
            ("vr-xrv9k", "cisco_xr"),
            ("vr-n9kv", "cisco_nxos"),
            ("crpd", "juniper_junos"),
            ("juniper_vjunosrouter", "juniper_junos"),
            ("juniper_someday", "juniper_junos"),
            ("vr-sros", "nokia_sros"),
            ("nokia_srsim", "nokia_sros"),
            ("linux", "linux"),
        ] {
            assert_eq!(profile_of(kind), profile, "{kind}");
        }
        assert!(matches!(lookup("bridge"), KindInfo::NotDevice));
        assert!(matches!(lookup("made_up"), KindInfo::Unknown));
    }

    #[test]
    fn default_credentials() {
        let KindInfo::Known(srl) = lookup("srl") else {
            panic!("srl is known")
        };
        assert_eq!(srl.username.as_deref(), Some("admin"));
        assert_eq!(srl.password().unwrap().expose(), "NokiaSrl1!");
        assert!(!format!("{srl:?}").contains("NokiaSrl1!"));
        let KindInfo::Known(linux) = lookup("linux") else {
            panic!("linux is known")
        };
        assert!(linux.username.is_none() && linux.password().is_none());
    }
}
