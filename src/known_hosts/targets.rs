//! What `prune` removes: host names (as `ssh-keygen -R`) and whole networks.

use std::cell::OnceCell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::EditError;
use super::hostpat::{HostField, keyed_matches};
use super::keytext::shorten;
use super::lookup_name;

/// Largest network a `Cidr` prune accepts (hashed entries need one HMAC per address).
const MAX_NETWORK_ADDRESSES: u32 = 65_536;

/// What to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One host, as `ssh-keygen -R host` (port 22) or `ssh-keygen -R "[host]:port"`.
    Host { host: String, port: u16 },
    /// Every literal address inside the network: plain names (bare or `[addr]:port`), and
    /// hashed names equal to a bare address. Wildcard patterns are left alone.
    Cidr(IpNet),
}

/// The lookup names and networks to remove.
pub(crate) struct Matcher {
    names: Vec<Vec<u8>>,
    networks: Vec<Network>,
}

struct Network {
    net: IpNet,
    /// Bare address strings, built on first use by a hashed line.
    addresses: OnceCell<Vec<String>>,
}

impl Matcher {
    pub fn new(targets: &[Target]) -> Result<Matcher, EditError> {
        let mut matcher = Matcher {
            names: Vec::new(),
            networks: Vec::new(),
        };
        for target in targets {
            match target {
                Target::Host { host, port } => {
                    if host.is_empty() || host.contains(['\n', '\0']) {
                        return Err(EditError::InvalidHost(shorten(host)));
                    }
                    matcher.names.push(lookup_name(host, *port).into_bytes());
                }
                Target::Cidr(net) => {
                    let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
                    if host_bits > MAX_NETWORK_ADDRESSES.ilog2() {
                        return Err(EditError::NetworkTooLarge(*net));
                    }
                    matcher.networks.push(Network {
                        net: net.trunc(),
                        addresses: OnceCell::new(),
                    });
                }
            }
        }
        Ok(matcher)
    }

    pub fn matches(&self, field: &HostField) -> bool {
        self.names.iter().any(|name| field.matches(name))
            || self.networks.iter().any(|net| net.matches(field))
    }
}

impl Network {
    fn matches(&self, field: &HostField) -> bool {
        match field {
            HostField::Plain(patterns) => literal_addresses(patterns)
                .filter(|(addr, _)| self.net.contains(addr))
                // Re-check the whole list so a `!negation` still excludes the line.
                .any(|(_, name)| field.matches(name.as_bytes())),
            HostField::Hashed { .. } => match field.keyed_hasher() {
                Some((keyed, mac)) => self
                    .addresses()
                    .iter()
                    .any(|a| keyed_matches(&keyed, &mac, a.as_bytes())),
                None => false,
            },
        }
    }

    fn addresses(&self) -> &[String] {
        self.addresses.get_or_init(|| match self.net {
            IpNet::V4(net) => {
                let start = u32::from(net.network());
                let count = 1u32 << (32 - u32::from(net.prefix_len()));
                (0..count)
                    .map(|i| Ipv4Addr::from(start + i).to_string())
                    .collect()
            }
            IpNet::V6(net) => {
                let start = u128::from(net.network());
                let count = 1u128 << (128 - u32::from(net.prefix_len()));
                (0..count)
                    .map(|i| Ipv6Addr::from(start + i).to_string())
                    .collect()
            }
        })
    }
}

/// Non-negated, wildcard-free sub-patterns that are an address (`10.0.0.1`) or an address
/// with a port (`[10.0.0.1]:2222`), with the sub-pattern text (lowercased).
fn literal_addresses(patterns: &[u8]) -> impl Iterator<Item = (IpAddr, String)> + '_ {
    patterns.split(|&b| b == b',').filter_map(|sub| {
        if sub.first() == Some(&b'!') || sub.iter().any(|&b| b == b'*' || b == b'?') {
            return None;
        }
        let text = std::str::from_utf8(sub).ok()?.to_ascii_lowercase();
        let addr_text = match text.strip_prefix('[') {
            Some(rest) => {
                let (addr, port) = rest.split_once("]:")?;
                port.parse::<u16>().ok()?;
                addr
            }
            None => text.as_str(),
        };
        let addr = addr_text.parse::<IpAddr>().ok()?;
        Some((addr, text))
    })
}
