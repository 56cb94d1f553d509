//! Replays every saved fuzz input (fuzz/corpus/TARGET/*, seeds and what coverage-guided runs
//! kept) through the same entry points the fuzz targets call, on stable: each must return
//! without a panic, in bounded time. A crash found by fuzzing is saved here as a regression.

use std::path::Path;
use std::time::{Duration, Instant};

/// Far above what any input takes; only a hang trips it.
const PER_INPUT: Duration = Duration::from_secs(20);

#[test]
fn every_saved_fuzz_input_is_handled() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = 0;
    for (name, _) in sshtriage::fuzzing::TARGETS {
        let dir = corpus.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "no corpus for {name}");
        for input in inputs {
            let data = std::fs::read(&input).expect("read input");
            let started = Instant::now();
            let (target, path) = (name.to_string(), input.clone());
            let handle = std::thread::spawn(move || sshtriage::fuzzing::run(&target, &data));
            while !handle.is_finished() {
                assert!(
                    started.elapsed() < PER_INPUT,
                    "{} did not finish",
                    path.display()
                );
                std::thread::sleep(Duration::from_millis(5));
            }
            let known = handle
                .join()
                .unwrap_or_else(|_| panic!("{} panicked", input.display()));
            assert!(known, "no target {name}");
            replayed += 1;
        }
    }
    assert!(replayed >= sshtriage::fuzzing::TARGETS.len());
}
