//! The first binary packet and the KEXINIT payload (RFC 4253 §6 and §7.1), parsed with bounds
//! checked before any allocation.

use crate::model::AlgorithmLists;

pub const MSG_DISCONNECT: u8 = 1;
pub const MSG_IGNORE: u8 = 2;
pub const MSG_DEBUG: u8 = 4;
/// The smallest valid unencrypted SSH_MSG_IGNORE packet: length 12, padding 6, message 2, an
/// empty string, six bytes of padding.
pub const MINIMAL_IGNORE_PACKET: [u8; 16] =
    [0, 0, 0, 12, 6, MSG_IGNORE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
pub const MSG_KEXINIT: u8 = 20;

/// RFC 4253 §6.1 requires 35000-byte packets to be handled; real KEXINITs are a few KiB. Anything
/// larger than this before encryption starts is hostile or broken, and is refused unread.
pub const MAX_PACKET_LEN: u32 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error(
        "packet length {0} is larger than the {MAX_PACKET_LEN}-byte limit for an unencrypted packet"
    )]
    TooLong(u32),
    #[error("packet length {0} is too short for an SSH packet")]
    TooShort(u32),
    #[error("padding length {padding} does not fit in a {length}-byte packet")]
    BadPadding { padding: u8, length: u32 },
    #[error("KEXINIT is truncated: {0}")]
    Truncated(&'static str),
    #[error("name-list is not ASCII")]
    NotAscii,
}

/// The payload length of a packet whose 4-byte length prefix is `header`, after validation.
pub fn check_length(header: [u8; 4]) -> Result<u32, PacketError> {
    let length = u32::from_be_bytes(header);
    if length > MAX_PACKET_LEN {
        return Err(PacketError::TooLong(length));
    }
    // padding_length byte + at least one payload byte + at least 4 bytes of padding.
    if length < 6 {
        return Err(PacketError::TooShort(length));
    }
    Ok(length)
}

/// The payload of a packet body (everything after the length prefix; no MAC before NEWKEYS).
pub fn payload(body: &[u8]) -> Result<&[u8], PacketError> {
    let length = body.len() as u32;
    let padding = *body.first().ok_or(PacketError::TooShort(length))?;
    let end = body
        .len()
        .checked_sub(padding as usize)
        .filter(|end| *end > 1)
        .ok_or(PacketError::BadPadding { padding, length })?;
    Ok(&body[1..end])
}

/// A parsed KEXINIT.
#[derive(Debug, Clone, PartialEq)]
pub struct KexInit {
    pub lists: AlgorithmLists,
    pub languages_c2s: Vec<String>,
    pub languages_s2c: Vec<String>,
    pub first_kex_follows: bool,
}

/// Parses a KEXINIT payload (starting with the message number 20).
pub fn parse(payload: &[u8]) -> Result<KexInit, PacketError> {
    let mut r = Reader { buf: payload };
    if r.byte("message number")? != MSG_KEXINIT {
        return Err(PacketError::Truncated("not a KEXINIT message"));
    }
    r.take(16, "cookie")?;
    let mut lists = Vec::with_capacity(10);
    for _ in 0..10 {
        lists.push(r.name_list()?);
    }
    let first_kex_follows = r.byte("first_kex_packet_follows")? != 0;
    r.take(4, "reserved field")?;
    let mut lists = lists.into_iter();
    let mut next = || lists.next().unwrap_or_default();
    Ok(KexInit {
        lists: AlgorithmLists {
            kex: next(),
            host_key: next(),
            cipher_c2s: next(),
            cipher_s2c: next(),
            mac_c2s: next(),
            mac_s2c: next(),
            compression_c2s: next(),
            compression_s2c: next(),
        },
        languages_c2s: next(),
        languages_s2c: next(),
        first_kex_follows,
    })
}

/// The reason text of an SSH_MSG_DISCONNECT payload, if it parses.
pub fn disconnect_reason(payload: &[u8]) -> Option<String> {
    let mut r = Reader { buf: payload };
    r.byte("message number").ok()?;
    let code = u32::from_be_bytes(r.take(4, "code").ok()?.try_into().ok()?);
    let len = u32::from_be_bytes(r.take(4, "length").ok()?.try_into().ok()?);
    let text = r.take(len as usize, "description").ok()?;
    Some(format!("code {code}: {}", String::from_utf8_lossy(text)))
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], PacketError> {
        if self.buf.len() < n {
            return Err(PacketError::Truncated(what));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, PacketError> {
        Ok(self.take(1, what)?[0])
    }

    fn name_list(&mut self) -> Result<Vec<String>, PacketError> {
        let len = self.take(4, "name-list length")?;
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let bytes = self.take(len, "name-list")?;
        if !bytes.is_ascii() {
            return Err(PacketError::NotAscii);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| PacketError::NotAscii)?;
        Ok(text
            .split(',')
            .filter(|n| !n.is_empty())
            .map(clip_name)
            .collect())
    }
}

/// Longest algorithm name RFC 4251 (section 6) allows.
pub const MAX_NAME_LEN: usize = 64;

/// A name as offered, or, when longer than any algorithm name may be (so it matches none),
/// its start and its length: evidence and messages stay small.
fn clip_name(name: &str) -> String {
    if name.len() <= MAX_NAME_LEN {
        name.to_owned()
    } else {
        format!("{}…({} bytes)", &name[..MAX_NAME_LEN], name.len())
    }
}

/// Builds a KEXINIT payload; used by tests and the misbehaving peers.
pub fn encode(lists: &AlgorithmLists) -> Vec<u8> {
    let mut out = vec![MSG_KEXINIT];
    out.extend_from_slice(&[0x5a; 16]);
    let all = [
        &lists.kex,
        &lists.host_key,
        &lists.cipher_c2s,
        &lists.cipher_s2c,
        &lists.mac_c2s,
        &lists.mac_s2c,
        &lists.compression_c2s,
        &lists.compression_s2c,
    ];
    for list in all {
        let joined = list.join(",");
        out.extend_from_slice(&(joined.len() as u32).to_be_bytes());
        out.extend_from_slice(joined.as_bytes());
    }
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // two empty language lists
    out.push(0);
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AlgorithmLists {
        AlgorithmLists {
            kex: vec!["diffie-hellman-group14-sha1".into()],
            host_key: vec!["ssh-rsa".into()],
            cipher_c2s: vec!["aes128-cbc".into()],
            cipher_s2c: vec!["aes128-cbc".into()],
            mac_c2s: vec!["hmac-sha1".into()],
            mac_s2c: vec!["hmac-sha1".into()],
            compression_c2s: vec!["none".into()],
            compression_s2c: vec!["none".into()],
        }
    }

    #[test]
    fn round_trip() {
        let payload = encode(&sample());
        let parsed = parse(&payload).unwrap();
        assert_eq!(parsed.lists, sample());
        assert!(!parsed.first_kex_follows);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let payload = encode(&sample());
        for cut in 0..payload.len() {
            assert!(parse(&payload[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn oversized_name_list_length_is_refused_without_allocating() {
        let mut payload = vec![MSG_KEXINIT];
        payload.extend_from_slice(&[0; 16]);
        payload.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(parse(&payload), Err(PacketError::Truncated("name-list")));
    }

    #[test]
    fn packet_length_bounds() {
        assert_eq!(
            check_length([0xff, 0xff, 0xff, 0xf0]),
            Err(PacketError::TooLong(0xffff_fff0))
        );
        assert_eq!(check_length([0, 0, 0, 2]), Err(PacketError::TooShort(2)));
        assert_eq!(check_length([0, 0, 4, 0]), Ok(1024));
        assert!(payload(&[200, 1, 2]).is_err());
        assert_eq!(payload(&[4, 20, 9, 0, 0, 0, 0]).unwrap(), &[20, 9]);
    }

    #[test]
    fn non_ascii_names_are_refused() {
        let mut lists = sample();
        lists.kex = vec!["\u{e9}".into()];
        assert_eq!(parse(&encode(&lists)), Err(PacketError::NotAscii));
    }
}
