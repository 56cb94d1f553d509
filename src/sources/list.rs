//! Plain address lists (one `[user@]host[:port]` per line, `#` comments) and `--cidr` ranges.

use super::read::located;
use super::{Field, Loaded, Provenance, ValueSource, new_device};
use crate::device::HostArg;
use crate::device::{Device, Origin, parse_host_arg};
use crate::sources::SourceError;
use ipnet::IpNet;
use std::path::Path;

/// A range larger than this is almost certainly a typo (a /16 instead of a /28).
pub const MAX_CIDR_HOSTS: u64 = 4096;

fn device_for(target: &HostArg, origin: Origin) -> (Device, Provenance) {
    let source = match &origin {
        Origin::File { path, line } => ValueSource::file(path, *line),
        Origin::CommandLine => ValueSource::BuiltIn("command line".into()),
    };
    let (mut device, mut prov) = new_device(&target.display(), &target.host, origin);
    device.port = target.port;
    device.username = target.user.clone();
    prov.set(Field::Name, source.clone());
    prov.set(Field::Host, source.clone());
    if target.port != 22 {
        prov.set(Field::Port, source.clone());
    }
    if target.user.is_some() {
        prov.set(Field::Username, source);
    }
    (device, prov)
}

pub(super) fn load(path: &Path, text: &str) -> Result<Loaded, SourceError> {
    let mut loaded = Loaded::default();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        // A `#` starts a comment anywhere; hosts never contain one.
        let entry = raw.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        if entry.contains(char::is_whitespace) {
            return Err(located(
                path,
                line,
                "",
                format!("`{entry}`: one [user@]host[:port] per line"),
            ));
        }
        let target = parse_host_arg(entry).map_err(|e| located(path, line, "", e.to_string()))?;
        let name = target.display();
        if let Some((first, _)) = loaded.devices.iter().find(|(d, _)| d.name == name) {
            loaded.warnings.push(format!(
                "{}:{line}: `{name}` is listed again (first at {}); checked once",
                path.display(),
                first.origin
            ));
            continue;
        }
        let origin = Origin::File {
            path: path.to_owned(),
            line,
        };
        let (device, prov) = device_for(&target, origin);
        loaded.push(path, device, prov)?;
    }
    if loaded.devices.is_empty() {
        return Err(located(path, 0, "", "no addresses in the file"));
    }
    Ok(loaded)
}

/// Every host address of `cidr` (network and broadcast addresses excluded where IPv4 has
/// them), as command-line devices on port 22.
pub fn expand_cidr(cidr: &str) -> Result<Vec<(Device, Provenance)>, String> {
    let net: IpNet = cidr.trim().parse().map_err(|_| {
        format!("`{cidr}` is not an address range (expected e.g. 127.0.10.0/28 or fd00::/120)")
    })?;
    let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
    let count = 1u64.checked_shl(host_bits).filter(|c| *c <= MAX_CIDR_HOSTS);
    if count.is_none() {
        let needed = net.max_prefix_len() - MAX_CIDR_HOSTS.trailing_zeros() as u8;
        return Err(format!(
            "`{cidr}` has {} addresses; sshtriage checks at most {MAX_CIDR_HOSTS} at once \
             (use a /{needed} or longer prefix, or several --cidr)",
            if host_bits >= 64 {
                format!("2^{host_bits}")
            } else {
                (1u64 << host_bits).to_string()
            }
        ));
    }
    Ok(net
        .hosts()
        .map(|addr| {
            let target = HostArg {
                user: None,
                host: addr.to_string(),
                port: 22,
            };
            device_for(&target, Origin::CommandLine)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_hosts_and_limit() {
        let devices = expand_cidr("127.0.10.0/28").unwrap();
        let hosts: Vec<&str> = devices.iter().map(|(d, _)| d.host.as_str()).collect();
        assert_eq!(hosts.len(), 14);
        assert_eq!((hosts[0], hosts[13]), ("127.0.10.1", "127.0.10.14"));
        assert_eq!(expand_cidr("127.0.0.1/32").unwrap().len(), 1);
        assert_eq!(expand_cidr("::1/128").unwrap()[0].0.host, "::1");
        assert_eq!(expand_cidr("127.0.0.0/20").unwrap().len(), 4094);
        let err = expand_cidr("127.0.0.0/16").unwrap_err();
        assert!(err.contains("65536") && err.contains("/20"), "{err}");
        let err = expand_cidr("fd00::/64").unwrap_err();
        assert!(err.contains("2^64") && err.contains("/116"), "{err}");
        assert!(
            expand_cidr("10.0.0.300/24")
                .unwrap_err()
                .contains("not an address range")
        );
    }
}
