//! The host field of a known_hosts line: either a hashed name (`|1|salt|hmac`) or a
//! comma-separated pattern list with `*`, `?` and `!` negation — matched like OpenSSH's
//! `match_maybe_hashed` / `match_hostname`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

const HASH_MAGIC: &[u8] = b"|1|";
const SALT_LEN: usize = 20;
/// OpenSSH copies each sub-pattern into a 1024-byte buffer and gives up on longer ones.
const MAX_SUBPATTERN: usize = 1023;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostField {
    Plain(Vec<u8>),
    /// `mac` is `None` when the field is not the canonical encoding OpenSSH would produce,
    /// in which case OpenSSH's string comparison can never succeed.
    Hashed {
        salt: [u8; SALT_LEN],
        mac: Option<[u8; SALT_LEN]>,
    },
}

impl HostField {
    /// A field starting with `|` must be a well-formed hash; OpenSSH treats a bad one as an
    /// invalid line.
    pub fn parse(field: &[u8]) -> Result<HostField, &'static str> {
        if field.first() != Some(&b'|') {
            return Ok(HostField::Plain(field.to_vec()));
        }
        let body = field
            .strip_prefix(HASH_MAGIC)
            .ok_or("hashed host name with unknown magic (expected |1|)")?;
        let salt_end = body
            .iter()
            .position(|&b| b == b'|')
            .ok_or("hashed host name without salt terminator")?;
        let salt_text = &body[..salt_end];
        if salt_text.is_empty() || salt_text.len() > 1024 {
            return Err("hashed host name with bad salt length");
        }
        let salt: [u8; SALT_LEN] = decode_base64(salt_text)
            .and_then(|v| v.try_into().ok())
            .ok_or("hashed host name with bad salt")?;
        let mac_text = &body[salt_end + 1..];
        let canonical_salt = B64.encode(salt).as_bytes() == salt_text;
        let mac = decode_base64(mac_text)
            .and_then(|v| <[u8; SALT_LEN]>::try_from(v).ok())
            .filter(|mac| canonical_salt && B64.encode(mac).as_bytes() == mac_text);
        Ok(HostField::Hashed { salt, mac })
    }

    pub fn is_hashed(&self) -> bool {
        matches!(self, HostField::Hashed { .. })
    }

    /// The names a plain field lists when it has no wildcard or negation, lowercased: a host
    /// can match it only by equalling one of them, so an index by name finds it. `None` for
    /// fields that must be tried against every host (hashed names, patterns).
    pub fn literal_names(&self) -> Option<Vec<Vec<u8>>> {
        match self {
            HostField::Plain(patterns)
                if !patterns.iter().any(|b| matches!(b, b'*' | b'?' | b'!')) =>
            {
                Some(
                    patterns
                        .split(|&b| b == b',')
                        .map(|name| name.to_ascii_lowercase())
                        .collect(),
                )
            }
            _ => None,
        }
    }

    /// `host` is the lookup name (`name` or `[name]:port`), already lowercased by the caller
    /// for hashed comparison, as ssh does before any lookup.
    pub fn matches(&self, host: &[u8]) -> bool {
        match self {
            HostField::Plain(patterns) => match_pattern_list(host, patterns) == ListMatch::Positive,
            HostField::Hashed { salt, mac } => mac.is_some_and(|mac| hmac_sha1(salt, host) == mac),
        }
    }

    /// For hashed fields, a matcher with the salt already absorbed (cheap to try many hosts).
    pub fn keyed_hasher(&self) -> Option<(HmacSha1, [u8; SALT_LEN])> {
        match self {
            HostField::Hashed {
                salt,
                mac: Some(mac),
            } => Some((
                HmacSha1::new_from_slice(salt).expect("HMAC accepts any key length"),
                *mac,
            )),
            _ => None,
        }
    }
}

/// True when the pre-keyed HMAC of `host` equals `mac`.
pub(crate) fn keyed_matches(keyed: &HmacSha1, mac: &[u8; SALT_LEN], host: &[u8]) -> bool {
    let mut h = keyed.clone();
    h.update(host);
    h.finalize().into_bytes().as_slice() == mac
}

fn hmac_sha1(salt: &[u8], host: &[u8]) -> [u8; SALT_LEN] {
    let mut h = HmacSha1::new_from_slice(salt).expect("HMAC accepts any key length");
    h.update(host);
    h.finalize().into_bytes().into()
}

/// `|1|base64(salt)|base64(hmac)` for a new entry, with a fresh random salt.
pub(crate) fn hash_host_name(host: &str) -> String {
    let salt: [u8; SALT_LEN] = rand::random();
    let mac = hmac_sha1(&salt, host.as_bytes());
    format!("|1|{}|{}", B64.encode(salt), B64.encode(mac))
}

/// OpenSSH's base64 decoder skips whitespace; in a field that can only be `\r`, `\v`, `\f`.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let cleaned: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && *b != 0x0b)
        .collect();
    B64.decode(cleaned).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListMatch {
    None,
    Positive,
    /// A `!pattern` matched: the line is excluded whatever else matched.
    Negated,
}

/// OpenSSH's `match_hostname`: case-insensitive (ASCII) comparison against each
/// comma-separated sub-pattern; a matching negated one wins immediately.
pub(crate) fn match_pattern_list(host: &[u8], patterns: &[u8]) -> ListMatch {
    let host = host.to_ascii_lowercase();
    let mut got_positive = false;
    let mut i = 0;
    while i < patterns.len() {
        let negated = patterns[i] == b'!';
        if negated {
            i += 1;
        }
        let len = patterns[i..]
            .iter()
            .position(|&b| b == b',')
            .unwrap_or(patterns.len() - i);
        if len >= MAX_SUBPATTERN {
            return ListMatch::None;
        }
        let sub = patterns[i..i + len].to_ascii_lowercase();
        i += len;
        if i < patterns.len() {
            i += 1; // the comma
        }
        if glob_match(&host, &sub) {
            if negated {
                return ListMatch::Negated;
            }
            got_positive = true;
        }
    }
    if got_positive {
        ListMatch::Positive
    } else {
        ListMatch::None
    }
}

/// `*` matches any run of bytes, `?` any single byte. Iterative with single-star
/// backtracking, so hostile patterns cost O(len(s) * len(pattern)) at worst, unlike the
/// recursive original (same results).
pub(crate) fn glob_match(s: &[u8], pattern: &[u8]) -> bool {
    let (mut si, mut pi) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while si < s.len() {
        match pattern.get(pi) {
            Some(b'*') => {
                pi += 1;
                resume = Some((pi, si));
            }
            Some(&p) if p == b'?' || p == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match resume {
                Some((star_pi, star_si)) => {
                    pi = star_pi;
                    si = star_si + 1;
                    resume = Some((star_pi, star_si + 1));
                }
                None => return false,
            },
        }
    }
    pattern[pi..].iter().all(|&p| p == b'*')
}
