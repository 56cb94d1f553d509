//! What crosses the wire before encryption starts: the identification exchange (RFC 4253 §4.2)
//! and the first binary packet, the server's KEXINIT (§6, §7.1). Parsed here, by us, because
//! russh keeps the server's offer to itself.

pub mod ident;
pub mod kexinit;
pub mod tap;
