//! Algorithm knowledge: negotiation per RFC 4253, client profiles, notes and fixes.

pub mod allowlist;
pub mod negotiate;
