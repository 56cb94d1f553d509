//! Jump hosts that can never be reached: a loop (`d1 -> d2 -> d1`) or a chain longer than
//! `MAX_JUMP_CHAIN`, refused while loading, at the file and line that set the jump, so every
//! command (`inventory` too) says so before anything is probed.

use super::read::located;
use super::{Field, Provenance, SourceError, ValueSource};
use crate::device::{Device, MAX_JUMP_CHAIN, Origin};
use std::collections::HashMap;
use std::path::PathBuf;

/// The first device (in order) whose jump chain loops or is too long.
pub(super) fn check(devices: &[(Device, Provenance)]) -> Result<(), SourceError> {
    // A jump names a device by name (the first one, as the engine takes it), else an address.
    let mut by_name: HashMap<&str, &Device> = HashMap::new();
    for (device, _) in devices {
        by_name.entry(device.name.as_str()).or_insert(device);
    }
    for (device, provenance) in devices {
        let Some(first) = &device.jump else { continue };
        let mut chain = vec![device.name.as_str(), first.as_str()];
        let mut next = by_name.get(first.as_str()).and_then(|d| d.jump.as_deref());
        let problem = loop {
            if chain[..chain.len() - 1].contains(chain.last().expect("two names")) {
                break Some("jump hosts form a loop");
            }
            // The device itself, then at most MAX_JUMP_CHAIN jump hosts (as the engine counts).
            if chain.len() > MAX_JUMP_CHAIN + 1 {
                break Some("jump chain too long");
            }
            let Some(name) = next else { break None };
            chain.push(name);
            next = by_name.get(name).and_then(|d| d.jump.as_deref());
        };
        if let Some(problem) = problem {
            let (file, line) = where_set(device, provenance);
            let limit = if problem.ends_with("long") {
                format!(" (at most {MAX_JUMP_CHAIN} hops)")
            } else {
                String::new()
            };
            return Err(located(
                &file,
                line,
                "jump",
                format!("{problem}{limit}: {}", chain.join(" -> ")),
            ));
        }
    }
    Ok(())
}

/// The file and line that set the device's jump, else where the device was defined.
fn where_set(device: &Device, provenance: &Provenance) -> (PathBuf, usize) {
    match (provenance.get(Field::Jump), &device.origin) {
        (Some(ValueSource::File { path, line }), _) => (path.clone(), *line),
        (_, Origin::File { path, line }) => (path.clone(), *line),
        _ => (PathBuf::from("command line"), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(name: &str, jump: Option<&str>, line: usize) -> (Device, Provenance) {
        let origin = Origin::File {
            path: "lab.toml".into(),
            line,
        };
        let mut d = Device::with_defaults(name.into(), "127.0.0.1".into(), origin);
        d.jump = jump.map(str::to_owned);
        let mut p = Provenance::default();
        if jump.is_some() {
            p.set(Field::Jump, ValueSource::file("lab.toml", line + 3));
        }
        (d, p)
    }

    #[test]
    fn loops_and_long_chains_are_located() {
        let one = [device("d1", Some("d1"), 1)];
        assert_eq!(
            check(&one).unwrap_err().to_string(),
            "lab.toml:4: jump: jump hosts form a loop: d1 -> d1"
        );
        let two = [
            device("a", None, 1),
            device("d1", Some("d2"), 5),
            device("d2", Some("d1"), 9),
        ];
        assert_eq!(
            check(&two).unwrap_err().to_string(),
            "lab.toml:8: jump: jump hosts form a loop: d1 -> d2 -> d1"
        );
        let names: Vec<String> = (0..12).map(|i| format!("h{i}")).collect();
        let long: Vec<_> = (0..12)
            .map(|i| device(&names[i], names.get(i + 1).map(String::as_str), i * 4 + 1))
            .collect();
        let err = check(&long).unwrap_err().to_string();
        assert!(
            err.starts_with("lab.toml:4: jump: jump chain too long (at most 8 hops): h0 -> h1"),
            "{err}"
        );
        // A chain ending at an address, and one that loops only beyond a device's reach.
        let fine = [
            device("b", Some("admin@10.0.0.1:2222"), 1),
            device("c", Some("b"), 5),
        ];
        check(&fine).unwrap();
    }
}
