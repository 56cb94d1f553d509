//! Algorithm knowledge: negotiation per RFC 4253, client profiles, notes and fixes.

pub mod allowlist;
pub mod clients;
pub mod compat;
pub mod effective;
pub mod evidence;
pub mod local;
pub mod negotiate;
pub mod notes;
pub mod resolve;
pub mod snippets;
pub mod verdict;
