//! Algorithm knowledge: negotiation per RFC 4253, client profiles, notes and fixes.

pub mod allowlist;
pub mod clients;
pub mod compat;
pub mod evidence;
pub mod local;
pub mod negotiate;
pub mod notes;
pub mod snippets;
