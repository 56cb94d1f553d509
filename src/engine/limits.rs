//! The open-files limit: a probe holds a socket (and, through a jump host, another) plus a
//! file now and then, so a concurrency above what the limit allows makes devices fail with
//! "Too many open files", a local limit reported as a device failure. The soft limit is
//! raised to the hard one where allowed, and the concurrency capped to what remains.

/// Descriptors a probe may hold at once: its socket, a jump host's, a file or DNS socket.
const PER_PROBE: u64 = 3;
/// Kept for the process itself: standard streams, the runtime, logs, child processes.
const RESERVED: u64 = 64;

/// The concurrency that fits the open-files limit, and a sentence when it is lower than
/// `requested`. Raises the soft limit to the hard limit first.
pub fn fit_concurrency(requested: usize) -> (usize, Option<String>) {
    let Some(limit) = raise_open_files() else {
        return (requested, None);
    };
    let fits = usize::try_from(limit.saturating_sub(RESERVED) / PER_PROBE)
        .unwrap_or(usize::MAX)
        .max(1);
    if requested <= fits {
        return (requested, None);
    }
    let sentence = format!(
        "concurrency lowered from {requested} to {fits}: the open-files limit is {limit} \
         (ulimit -n), about {PER_PROBE} per device probed at once; raise the limit to probe \
         more at once"
    );
    (fits, Some(sentence))
}

/// The soft RLIMIT_NOFILE after raising it to the hard limit; `None` when it cannot be read.
fn raise_open_files() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own; no other memory is touched.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads the struct we own. Failing leaves the old limit in force.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = limit.rlim_max;
        }
    }
    Some(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concurrency_within_the_limit_is_kept() {
        assert_eq!(fit_concurrency(4), (4, None));
    }

    #[test]
    fn a_concurrency_over_the_limit_is_capped_and_said() {
        let (fits, sentence) = fit_concurrency(usize::MAX);
        let sentence = sentence.expect("a cap is said");
        assert!((1..usize::MAX).contains(&fits));
        assert!(sentence.contains("ulimit -n"), "{sentence}");
        assert!(sentence.contains(&format!("to {fits}:")), "{sentence}");
    }
}
