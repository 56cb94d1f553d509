//! What is known about each SSH algorithm name: its standing and a one-line note with a source,
//! from `assets/algorithms.toml`. The standing also ranks candidates when a fix must pick one.

use super::allowlist::Category;
pub use crate::model::{AlgorithmKind, AlgorithmNote, Standing};
use serde::Deserialize;
use std::sync::OnceLock;

const NOTES_TOML: &str = include_str!("../../assets/algorithms.toml");

impl From<Category> for AlgorithmKind {
    fn from(category: Category) -> Self {
        match category {
            Category::Kex => AlgorithmKind::Kex,
            Category::HostKey => AlgorithmKind::HostKey,
            Category::Cipher => AlgorithmKind::Cipher,
            Category::Mac => AlgorithmKind::Mac,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotesFile {
    algorithm: Vec<AlgorithmNote>,
}

#[derive(Debug, thiserror::Error)]
pub enum NotesError {
    #[error("algorithm notes: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("algorithm notes: {name} appears twice as {category:?}")]
    Duplicate {
        name: String,
        category: AlgorithmKind,
    },
}

/// Parses a notes file; a name may appear once per category.
pub fn parse_notes(text: &str) -> Result<Vec<AlgorithmNote>, NotesError> {
    let file: NotesFile = toml::from_str(text)?;
    for (i, a) in file.algorithm.iter().enumerate() {
        if file.algorithm[..i]
            .iter()
            .any(|b| b.name == a.name && b.category == a.category)
        {
            return Err(NotesError::Duplicate {
                name: a.name.clone(),
                category: a.category,
            });
        }
    }
    Ok(file.algorithm)
}

/// Every embedded note, in file order.
pub fn notes() -> &'static [AlgorithmNote] {
    static NOTES: OnceLock<Vec<AlgorithmNote>> = OnceLock::new();
    NOTES.get_or_init(|| {
        // The file is compiled in and a test parses it, so failure here is a build defect.
        parse_notes(NOTES_TOML).expect("embedded assets/algorithms.toml is valid")
    })
}

/// The note for a name in any category (the first one for names such as "none").
pub fn lookup(name: &str) -> Option<&'static AlgorithmNote> {
    notes().iter().find(|n| n.name == name)
}

/// The note for a name in one category.
pub fn lookup_in(kind: AlgorithmKind, name: &str) -> Option<&'static AlgorithmNote> {
    notes()
        .iter()
        .find(|n| n.category == kind && n.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_notes_parse_and_answer_lookups() {
        assert!(notes().len() > 60, "only {} notes", notes().len());
        let g1 = lookup("diffie-hellman-group1-sha1").expect("group1 note");
        assert_eq!(g1.category, AlgorithmKind::Kex);
        assert_eq!(g1.status, Standing::Broken);
        assert!(g1.source.contains("RFC"), "{}", g1.source);
        let rsa = lookup("ssh-rsa").expect("ssh-rsa note");
        assert_eq!(
            (rsa.category, rsa.status),
            (AlgorithmKind::HostKey, Standing::Weak)
        );
        assert_eq!(
            lookup("chacha20-poly1305@openssh.com").map(|n| n.status),
            Some(Standing::Recommended)
        );
        assert_eq!(lookup("no-such-algorithm@example.com"), None);
    }

    #[test]
    fn none_has_one_note_per_category() {
        assert_eq!(
            lookup_in(AlgorithmKind::Cipher, "none").map(|n| n.status),
            Some(Standing::Broken)
        );
        assert_eq!(
            lookup_in(AlgorithmKind::Compression, "none").map(|n| n.status),
            Some(Standing::Recommended)
        );
        assert_eq!(lookup_in(AlgorithmKind::HostKey, "none"), None);
    }

    #[test]
    fn every_note_says_something_and_cites_a_source() {
        for n in notes() {
            assert!(!n.note.trim().is_empty(), "{} has no note", n.name);
            assert!(!n.source.trim().is_empty(), "{} has no source", n.name);
        }
    }

    #[test]
    fn standing_orders_strongest_last() {
        assert!(Standing::Recommended > Standing::Acceptable);
        assert!(Standing::Acceptable > Standing::Weak);
        assert!(Standing::Weak > Standing::Broken);
    }

    #[test]
    fn bad_files_are_rejected() {
        let dup = "[[algorithm]]\nname = \"a\"\ncategory = \"kex\"\nstatus = \"weak\"\nnote = \"n\"\nsource = \"s\"\n";
        let twice = format!("{dup}{dup}");
        assert!(matches!(
            parse_notes(&twice),
            Err(NotesError::Duplicate { .. })
        ));
        let bad_status = dup.replace("weak", "meh");
        assert!(matches!(
            parse_notes(&bad_status),
            Err(NotesError::Parse(_))
        ));
        assert_eq!(parse_notes(dup).map(|v| v.len()).ok(), Some(1));
    }
}
