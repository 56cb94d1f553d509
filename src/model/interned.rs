//! One shared copy of evidence that many devices carry alike. A fleet's devices offer the same
//! algorithm lists (one NOS image, one client configuration, the same probe), and the notes
//! on those algorithms come from one table; holding them once per distinct value, rather than
//! once per device, is most of a report's memory at fleet scale (issue 14: 10,000 devices).

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Distinct values kept: a hostile fleet offering a new list per device gets plain copies
/// beyond this, never an unbounded table.
const MAX_DISTINCT: usize = 4096;

/// A table of shared values of one type.
pub struct Interner<T> {
    values: Mutex<Option<HashSet<Arc<T>>>>,
}

impl<T: Hash + Eq> Interner<T> {
    pub const fn new() -> Self {
        Interner {
            values: Mutex::new(None),
        }
    }

    /// The shared copy equal to `value`, kept from now on when it is new.
    pub fn share(&self, value: T) -> Arc<T> {
        let Ok(mut guard) = self.values.lock() else {
            return Arc::new(value);
        };
        let values = guard.get_or_insert_with(HashSet::new);
        if let Some(found) = values.get(&value) {
            return found.clone();
        }
        let shared = Arc::new(value);
        if values.len() < MAX_DISTINCT {
            values.insert(shared.clone());
        }
        shared
    }
}

impl<T: Hash + Eq> Default for Interner<T> {
    fn default() -> Self {
        Interner::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_allocation() {
        let table = Interner::new();
        let a = table.share(vec!["curve25519-sha256".to_string()]);
        let b = table.share(vec!["curve25519-sha256".to_string()]);
        let c = table.share(vec!["diffie-hellman-group14-sha1".to_string()]);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn the_table_is_bounded() {
        let table = Interner::new();
        for n in 0..MAX_DISTINCT + 10 {
            table.share(n);
        }
        let late = table.share(MAX_DISTINCT + 5);
        let again = table.share(MAX_DISTINCT + 5);
        assert_eq!(late, again);
        assert!(
            !Arc::ptr_eq(&late, &again),
            "beyond the bound values are not kept"
        );
        assert_eq!(
            table.values.lock().unwrap().as_ref().unwrap().len(),
            MAX_DISTINCT
        );
    }

    #[test]
    fn evidence_read_back_shares_its_lists_again() {
        use crate::model::{AlgorithmEvidence, AlgorithmLists, SHARED_LISTS};
        let lists = AlgorithmLists {
            kex: vec!["interned-test-kex@example".into()],
            ..AlgorithmLists::default()
        };
        let shared = SHARED_LISTS.share(lists.clone());
        let evidence = AlgorithmEvidence {
            server: shared.clone(),
            ..AlgorithmEvidence::default()
        };
        let json = serde_json::to_string(&evidence).unwrap();
        let mut back: AlgorithmEvidence = serde_json::from_str(&json).unwrap();
        assert!(!Arc::ptr_eq(&back.server, &shared));
        back.share();
        assert!(Arc::ptr_eq(&back.server, &shared));
        assert_eq!(back, evidence);
    }
}
