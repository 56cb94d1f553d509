//! What each SSH client offers by default and what it can be told to add, per version, from
//! `profiles/clients/*.toml` (each file cites where its lists come from).

use super::allowlist::Category;
use crate::model::AlgorithmLists;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Decides the syntax of a fix: OpenSSH options, sshtriage inventory, or a version change.
/// Ordered as alternatives are suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Openssh,
    Paramiko,
    Netmiko,
    Libssh,
    Russh,
}

/// One name-list per tunable category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlgorithmSet {
    #[serde(default)]
    pub kex: Vec<String>,
    #[serde(default)]
    pub host_key: Vec<String>,
    #[serde(default)]
    pub cipher: Vec<String>,
    #[serde(default)]
    pub mac: Vec<String>,
}

impl AlgorithmSet {
    pub fn get(&self, category: Category) -> &[String] {
        match category {
            Category::Kex => &self.kex,
            Category::HostKey => &self.host_key,
            Category::Cipher => &self.cipher,
            Category::Mac => &self.mac,
        }
    }

    pub fn get_mut(&mut self, category: Category) -> &mut Vec<String> {
        match category {
            Category::Kex => &mut self.kex,
            Category::HostKey => &mut self.host_key,
            Category::Cipher => &mut self.cipher,
            Category::Mac => &mut self.mac,
        }
    }

    /// The same list in both directions, as a KEXINIT of this client would carry it.
    pub fn to_lists(&self) -> AlgorithmLists {
        AlgorithmLists {
            kex: self.kex.clone(),
            host_key: self.host_key.clone(),
            cipher_c2s: self.cipher.clone(),
            cipher_s2c: self.cipher.clone(),
            mac_c2s: self.mac.clone(),
            mac_s2c: self.mac.clone(),
            ..Default::default()
        }
    }

    /// Appends names not yet present, as OpenSSH's `+` does.
    pub fn append(&mut self, category: Category, name: &str) {
        let list = self.get_mut(category);
        if !list.iter().any(|n| n == name) {
            list.push(name.to_owned());
        }
    }
}

/// Human help on enabling an algorithm, per category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HowToEnable {
    pub kex: String,
    pub host_key: String,
    pub cipher: String,
    pub mac: String,
}

impl HowToEnable {
    pub fn get(&self, category: Category) -> &str {
        match category {
            Category::Kex => &self.kex,
            Category::HostKey => &self.host_key,
            Category::Cipher => &self.cipher,
            Category::Mac => &self.mac,
        }
    }
}

/// Algorithms an earlier version of this client had and this one cannot be told to use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    /// One sentence, quoted in "cannot" statements.
    pub note: String,
    #[serde(default)]
    pub kex: Vec<String>,
    #[serde(default)]
    pub host_key: Vec<String>,
    #[serde(default)]
    pub cipher: Vec<String>,
    #[serde(default)]
    pub mac: Vec<String>,
}

impl Removed {
    pub fn get(&self, category: Category) -> &[String] {
        match category {
            Category::Kex => &self.kex,
            Category::HostKey => &self.host_key,
            Category::Cipher => &self.cipher,
            Category::Mac => &self.mac,
        }
    }
}

/// Another profile to suggest first when this one cannot connect, and how to get it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    pub profile: String,
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientProfile {
    pub id: String,
    pub name: String,
    pub family: Family,
    pub version: String,
    /// False for every real client: AEAD ciphers carry their own integrity.
    pub aead_needs_mac: bool,
    /// What the client offers when told nothing.
    pub default: AlgorithmSet,
    /// Everything it implements and can be told to offer, defaults first.
    pub available: AlgorithmSet,
    pub how_to_enable: HowToEnable,
    pub removed: Option<Removed>,
    pub fallbacks: Vec<Fallback>,
}

impl ClientProfile {
    pub fn is_available(&self, category: Category, name: &str) -> bool {
        self.available.get(category).iter().any(|n| n == name)
    }

    pub fn was_removed(&self, category: Category, name: &str) -> bool {
        self.removed
            .as_ref()
            .is_some_and(|r| r.get(category).iter().any(|n| n == name))
    }
}

/// A profile file as written; `lists_from` borrows the lists of another profile.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    id: String,
    name: String,
    family: Family,
    version: String,
    #[serde(default)]
    aead_needs_mac: bool,
    lists_from: Option<String>,
    default: Option<AlgorithmSet>,
    available: Option<AlgorithmSet>,
    how_to_enable: HowToEnable,
    removed: Option<Removed>,
    #[serde(default, rename = "fallback")]
    fallbacks: Vec<Fallback>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("client profile {file}: {source}")]
    Parse {
        file: String,
        source: toml::de::Error,
    },
    #[error("client profile {id}: {problem}")]
    Invalid { id: String, problem: String },
}

/// Parses and cross-checks a set of profile files `(file name, text)`.
pub fn parse_profiles(files: &[(&str, &str)]) -> Result<Vec<ClientProfile>, ProfileError> {
    let mut raws = Vec::with_capacity(files.len());
    for (file, text) in files {
        let raw: RawProfile = toml::from_str(text).map_err(|source| ProfileError::Parse {
            file: (*file).to_owned(),
            source,
        })?;
        raws.push(raw);
    }
    let invalid = |id: &str, problem: String| ProfileError::Invalid {
        id: id.to_owned(),
        problem,
    };
    let mut profiles = Vec::with_capacity(raws.len());
    for raw in &raws {
        if raws.iter().filter(|r| r.id == raw.id).count() > 1 {
            return Err(invalid(&raw.id, "id used twice".into()));
        }
        let (default, available) = match (&raw.lists_from, &raw.default, &raw.available) {
            (None, Some(d), Some(a)) => (d.clone(), a.clone()),
            (Some(from), None, None) => {
                let base = raws
                    .iter()
                    .find(|r| &r.id == from && r.lists_from.is_none())
                    .ok_or_else(|| {
                        invalid(
                            &raw.id,
                            format!("lists_from {from:?} names no profile with lists"),
                        )
                    })?;
                match (&base.default, &base.available) {
                    (Some(d), Some(a)) => (d.clone(), a.clone()),
                    _ => return Err(invalid(from, "has no lists to lend".into())),
                }
            }
            _ => {
                return Err(invalid(
                    &raw.id,
                    "needs either lists_from or both [default] and [available]".into(),
                ));
            }
        };
        for category in Category::ALL {
            if let Some(missing) = default
                .get(category)
                .iter()
                .find(|n| !available.get(category).contains(n))
            {
                return Err(invalid(
                    &raw.id,
                    format!("default {} {missing} is not in [available]", category.key()),
                ));
            }
        }
        for fallback in &raw.fallbacks {
            if !raws.iter().any(|r| r.id == fallback.profile) {
                return Err(invalid(
                    &raw.id,
                    format!("fallback {:?} names no profile", fallback.profile),
                ));
            }
        }
        profiles.push(ClientProfile {
            id: raw.id.clone(),
            name: raw.name.clone(),
            family: raw.family,
            version: raw.version.clone(),
            aead_needs_mac: raw.aead_needs_mac,
            default,
            available,
            how_to_enable: raw.how_to_enable.clone(),
            removed: raw.removed.clone(),
            fallbacks: raw.fallbacks.clone(),
        });
    }
    Ok(profiles)
}

/// Every embedded client profile, parsed once.
pub fn client_profiles() -> &'static [ClientProfile] {
    static PROFILES: OnceLock<Vec<ClientProfile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        // Compiled-in data that a test parses: a failure here is a build defect.
        let mut profiles = parse_profiles(crate::embedded::CLIENT_PROFILE_FILES)
            .expect("embedded client profiles are valid");
        // The order alternatives are suggested in: by family, then oldest version first.
        profiles.sort_by(|a, b| {
            (a.family, version_key(&a.version)).cmp(&(b.family, version_key(&b.version)))
        });
        profiles
    })
}

/// A version's numbers, so 9.2p1 sorts before 10.0.
fn version_key(version: &str) -> Vec<u64> {
    version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect()
}

/// The embedded profile with this id (`openssh-9.2`, `paramiko-5.0`, …).
pub fn client_profile(id: &str) -> Option<&'static ClientProfile> {
    client_profiles().iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::super::notes::{AlgorithmKind, lookup_in};
    use super::*;

    /// Every file in `profiles/clients` is embedded and parsed: a new one needs no list.
    #[test]
    fn every_profile_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/clients");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("profiles/clients")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = crate::embedded::CLIENT_PROFILE_FILES
            .iter()
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(embedded, on_disk);
        assert_eq!(client_profiles().len(), on_disk.len());
    }

    #[test]
    fn alternatives_are_ordered_by_family_then_version() {
        let ids: Vec<&str> = client_profiles().iter().map(|p| p.id.as_str()).collect();
        let at = |id: &str| ids.iter().position(|i| *i == id).expect(id);
        assert!(at("openssh-9.2") < at("openssh-10.0"));
        assert!(at("openssh-10.0") < at("paramiko-3.5"));
        assert!(at("paramiko-3.5") < at("paramiko-5.1"));
        assert!(at("paramiko-5.1") < at("netmiko-4"));
        assert!(at("netmiko-4") < at("russh-0.65"));
    }

    #[test]
    fn every_embedded_profile_parses() {
        let profiles = client_profiles();
        for p in profiles {
            for category in Category::ALL {
                assert!(
                    !p.default.get(category).is_empty(),
                    "{} has no default {}",
                    p.id,
                    category.key()
                );
            }
        }
        let netmiko = client_profile("netmiko-4").expect("netmiko profile");
        let paramiko = client_profile("paramiko-5.1").expect("paramiko 5.1 profile");
        assert_eq!(netmiko.default, paramiko.default, "lists_from copies lists");
        assert_eq!(netmiko.family, Family::Netmiko);
    }

    #[test]
    fn every_profile_name_has_a_note_in_its_category() {
        for p in client_profiles() {
            for category in Category::ALL {
                let removed = p.removed.as_ref().map(|r| r.get(category)).unwrap_or(&[]);
                for name in p.available.get(category).iter().chain(removed) {
                    assert!(
                        lookup_in(AlgorithmKind::from(category), name).is_some(),
                        "{}: {} {name} has no note in assets/algorithms.toml",
                        p.id,
                        category.key()
                    );
                }
            }
        }
    }

    #[test]
    fn documented_facts_hold() {
        let has = |id: &str, category: Category, name: &str| {
            client_profile(id)
                .unwrap_or_else(|| panic!("no profile {id}"))
                .is_available(category, name)
        };
        // OpenSSH 9.2 still compiles DSA in; 10.0 removed it.
        assert!(has("openssh-9.2", Category::HostKey, "ssh-dss"));
        assert!(!has("openssh-10.0", Category::HostKey, "ssh-dss"));
        // 10.0 dropped finite-field DH from sshd's defaults only; the client keeps the SHA-1 ones.
        assert!(has(
            "openssh-10.0",
            Category::Kex,
            "diffie-hellman-group14-sha1"
        ));
        // Paramiko 4.0 dropped DSA; 5.0 dropped the SHA-1 key exchanges and ssh-rsa.
        assert!(has("paramiko-3.5", Category::HostKey, "ssh-dss"));
        assert!(!has("paramiko-4.0", Category::HostKey, "ssh-dss"));
        assert!(has(
            "paramiko-4.0",
            Category::Kex,
            "diffie-hellman-group14-sha1"
        ));
        assert!(!has(
            "paramiko-5.0",
            Category::Kex,
            "diffie-hellman-group14-sha1"
        ));
        assert!(!has("paramiko-5.0", Category::HostKey, "ssh-rsa"));
        let p5 = client_profile("paramiko-5.0").expect("paramiko 5.0");
        assert!(p5.was_removed(Category::Kex, "diffie-hellman-group1-sha1"));
        assert!(!p5.was_removed(Category::Kex, "curve25519-sha256"));
    }

    #[test]
    fn russh_profile_matches_the_russh_crate() {
        use russh::keys::ssh_key::Algorithm;
        use russh::{Preferred, cipher, kex, mac};
        let p = client_profile("russh-0.65").expect("russh profile");
        let names = |it: &mut dyn Iterator<Item = String>| {
            let mut v: Vec<String> = it.collect();
            v.sort();
            v
        };
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        let d = Preferred::DEFAULT;
        let default_kex: Vec<String> = d
            .kex
            .iter()
            .map(|n| n.as_ref().to_owned())
            .filter(|n| !super::super::negotiate::is_kex_marker(n))
            .collect();
        assert_eq!(p.default.kex, default_kex);
        let keys: Vec<String> = d.key.iter().map(Algorithm::to_string).collect();
        assert_eq!(p.default.host_key, keys);
        assert_eq!(p.available.host_key, keys);
        let ciphers: Vec<String> = d.cipher.iter().map(|n| n.as_ref().to_owned()).collect();
        assert_eq!(p.default.cipher, ciphers);
        let macs: Vec<String> = d.mac.iter().map(|n| n.as_ref().to_owned()).collect();
        assert_eq!(p.default.mac, macs);

        let usable = |n: &str| n != "none" && n != "clear";
        assert_eq!(
            sorted(&p.available.kex),
            names(
                &mut kex::ALL_KEX_ALGORITHMS
                    .iter()
                    .map(|n| n.as_ref().to_owned())
                    .filter(|n| usable(n))
            )
        );
        assert_eq!(
            sorted(&p.available.cipher),
            names(
                &mut cipher::ALL_CIPHERS
                    .iter()
                    .map(|n| n.as_ref().to_owned())
                    .filter(|n| usable(n))
            )
        );
        assert_eq!(
            sorted(&p.available.mac),
            names(
                &mut mac::ALL_MAC_ALGORITHMS
                    .iter()
                    .map(|n| n.as_ref().to_owned())
                    .filter(|n| usable(n))
            )
        );
    }

    #[test]
    fn every_russh_addition_is_accepted_by_the_inventory_allow_list() {
        let p = client_profile("russh-0.65").expect("russh profile");
        for category in Category::ALL {
            for name in p.available.get(category) {
                let spec = format!("+{name}");
                let list = super::super::allowlist::apply(category, &category.defaults(), &spec)
                    .unwrap_or_else(|e| panic!("{} {spec}: {e}", category.key()));
                assert!(list.contains(name), "{spec} not applied");
            }
        }
    }

    #[test]
    fn inconsistent_profiles_are_rejected() {
        let base = "id = \"a\"\nname = \"A\"\nfamily = \"openssh\"\nversion = \"1\"\n\
            [default]\nkex = [\"x\"]\n[available]\nkex = [\"x\"]\n\
            [how_to_enable]\nkex = \"k\"\nhost_key = \"h\"\ncipher = \"c\"\nmac = \"m\"\n";
        assert_eq!(
            parse_profiles(&[("a.toml", base)]).map(|v| v.len()).ok(),
            Some(1)
        );

        let not_available =
            base.replace("[available]\nkex = [\"x\"]", "[available]\nkex = [\"y\"]");
        let err = parse_profiles(&[("a.toml", &not_available)]).unwrap_err();
        assert!(err.to_string().contains("not in [available]"), "{err}");

        let borrower = "id = \"b\"\nname = \"B\"\nfamily = \"netmiko\"\nversion = \"1\"\n\
            lists_from = \"zzz\"\n\
            [how_to_enable]\nkex = \"k\"\nhost_key = \"h\"\ncipher = \"c\"\nmac = \"m\"\n";
        let err = parse_profiles(&[("a.toml", base), ("b.toml", borrower)]).unwrap_err();
        assert!(err.to_string().contains("lists_from"), "{err}");

        let twice = parse_profiles(&[("a.toml", base), ("a2.toml", base)]).unwrap_err();
        assert!(twice.to_string().contains("twice"), "{twice}");

        let unknown_family = base.replace("openssh", "putty");
        assert!(matches!(
            parse_profiles(&[("a.toml", &unknown_family)]),
            Err(ProfileError::Parse { .. })
        ));
    }
}
