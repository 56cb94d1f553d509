//! What is known of an SSH algorithm name, as reports carry it: which KEXINIT list it belongs
//! to, its standing, and a note with its source.

use serde::{Deserialize, Serialize};

/// Which name-list of KEXINIT an algorithm belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlgorithmKind {
    Kex,
    HostKey,
    Cipher,
    Mac,
    Compression,
}

impl AlgorithmKind {
    /// The JSON and inventory name of the category.
    pub fn key(self) -> &'static str {
        match self {
            AlgorithmKind::Kex => "kex",
            AlgorithmKind::HostKey => "host_key",
            AlgorithmKind::Cipher => "cipher",
            AlgorithmKind::Mac => "mac",
            AlgorithmKind::Compression => "compression",
        }
    }
}

/// Standing of an algorithm, weakest first so that `Ord` ranks stronger ones higher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Broken,
    Weak,
    Acceptable,
    Recommended,
}

impl Standing {
    pub fn name(self) -> &'static str {
        match self {
            Standing::Broken => "broken",
            Standing::Weak => "weak",
            Standing::Acceptable => "acceptable",
            Standing::Recommended => "recommended",
        }
    }
}

/// What is known of one algorithm: its standing and a sourced note (`assets/algorithms.toml`);
/// reports carry the notes of what a server offers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlgorithmNote {
    pub name: String,
    pub category: AlgorithmKind,
    pub status: Standing,
    pub note: String,
    pub source: String,
}
