//! Netmiko's `device_type` names, read from `profiles/netmiko-device-types.toml` (data, its
//! source cited there), and what each means for an SSH check.

use serde::Deserialize;
use std::collections::HashSet;
use std::sync::LazyLock;

const TABLE: &str = include_str!("../../../profiles/netmiko-device-types.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    ssh: Vec<String>,
    telnet: Vec<String>,
    serial: Vec<String>,
    other_ssh: Vec<String>,
}

struct Table {
    ssh: HashSet<String>,
    telnet: HashSet<String>,
    serial: HashSet<String>,
    other_ssh: HashSet<String>,
}

static TYPES: LazyLock<Table> = LazyLock::new(|| {
    let raw: RawTable = toml::from_str(TABLE).expect("profiles/netmiko-device-types.toml parses");
    let set = |v: Vec<String>| v.into_iter().collect::<HashSet<_>>();
    Table {
        ssh: set(raw.ssh),
        telnet: set(raw.telnet),
        serial: set(raw.serial),
        other_ssh: set(raw.other_ssh),
    }
});

/// What a `device_type` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::sources) enum DeviceType {
    /// An SSH platform; `base` without a `_ssh` suffix.
    Ssh {
        base: String,
    },
    /// Netmiko reaches it over telnet; `base` without `_telnet`.
    Telnet {
        base: String,
    },
    Serial,
    /// `autodetect`: SSH, the platform guessed from what the device says (as sshtriage does).
    Autodetect,
    /// `terminal_server`: SSH to a console server, no platform.
    TerminalServer,
    /// Not a name Netmiko knows; the nearest known name when one is close.
    Unknown {
        nearest: Option<String>,
    },
}

pub(in crate::sources) fn classify(name: &str) -> DeviceType {
    let t = &*TYPES;
    if t.ssh.contains(name) {
        return DeviceType::Ssh {
            base: name.to_owned(),
        };
    }
    if let Some(base) = name.strip_suffix("_ssh")
        && t.ssh.contains(base)
    {
        return DeviceType::Ssh {
            base: base.to_owned(),
        };
    }
    if t.telnet.contains(name) {
        let base = name.strip_suffix("_telnet").unwrap_or(name).to_owned();
        return DeviceType::Telnet { base };
    }
    if t.serial.contains(name) {
        return DeviceType::Serial;
    }
    if t.other_ssh.contains(name) {
        return match name {
            "autodetect" => DeviceType::Autodetect,
            _ => DeviceType::TerminalServer,
        };
    }
    DeviceType::Unknown {
        nearest: nearest(name),
    }
}

/// The name meant: Netmiko's for a NAPALM name, else the one known name nearest a typo (one
/// edit for short names, two for longer ones).
fn nearest(name: &str) -> Option<String> {
    let napalm = crate::sources::napalm::netmiko_name(name);
    if napalm != name {
        return Some(napalm.to_owned());
    }
    if name.len() > 64 {
        return None;
    }
    let most = if name.chars().count() >= 8 { 2 } else { 1 };
    let t = &*TYPES;
    let mut best: Option<(usize, &String)> = None;
    let mut tied = false;
    for known in t.ssh.iter().chain(&t.telnet).chain(&t.other_ssh) {
        let d = edit_distance(name, known);
        match best {
            Some((b, _)) if d > b => {}
            Some((b, _)) if d == b => tied = true,
            _ => {
                best = Some((d, known));
                tied = false;
            }
        }
    }
    match best {
        Some((d, known)) if d <= most && !tied => Some(known.clone()),
        _ => None,
    }
}

/// Edits between two names, a swap of neighbours counting as one (a typo's usual shape).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_types_classify_as_netmiko_dispatches_them() {
        let ssh = |b: &str| DeviceType::Ssh { base: b.into() };
        assert_eq!(classify("cisco_ios"), ssh("cisco_ios"));
        assert_eq!(classify("cisco_xe_ssh"), ssh("cisco_xe"));
        assert_eq!(classify("hp_procurve"), ssh("hp_procurve"));
        assert_eq!(
            classify("cisco_ios_telnet"),
            DeviceType::Telnet {
                base: "cisco_ios".into()
            }
        );
        assert_eq!(classify("cisco_ios_serial"), DeviceType::Serial);
        assert_eq!(classify("autodetect"), DeviceType::Autodetect);
        assert_eq!(
            classify("cisco_iso"),
            DeviceType::Unknown {
                nearest: Some("cisco_ios".into())
            }
        );
        assert_eq!(
            classify("ios"),
            DeviceType::Unknown {
                nearest: Some("cisco_ios".into())
            },
            "a NAPALM name is not a device_type; Netmiko's name is suggested"
        );
        assert_eq!(classify("foo"), DeviceType::Unknown { nearest: None });
    }
}
