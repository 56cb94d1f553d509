//! A saved run of N devices for `benches/first_frame.sh`: the devices of a real run (the
//! demo's, `sshtriage demo --check --json`) repeated until there are N, each renamed
//! `NAME-0042` so every row is its own.
//!
//! ```text
//! cargo run --release --example replicate_run -- demo.json 1000 > run-1000.json
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(file), Some(count)) = (args.first(), args.get(1).and_then(|n| n.parse().ok())) else {
        eprintln!("usage: replicate_run RUN.json N");
        return ExitCode::from(2);
    };
    let count: usize = count;
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{file}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut run: serde_json::Value = match serde_json::from_str(&text) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("{file}: {e}");
            return ExitCode::from(2);
        }
    };
    let devices = run["devices"].as_array().cloned().unwrap_or_default();
    if devices.is_empty() {
        eprintln!("{file}: no devices to repeat");
        return ExitCode::from(2);
    }
    let repeated: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            let mut device = devices[i % devices.len()].clone();
            let name = device["name"].as_str().unwrap_or("device").to_string();
            device["name"] = format!("{name}-{i:04}").into();
            device
        })
        .collect();
    run["devices"] = repeated.into();
    println!("{run}");
    ExitCode::SUCCESS
}
