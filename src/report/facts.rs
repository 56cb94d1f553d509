//! What every report format says about a device, computed once: its address, client, verdict,
//! the commands that fix it and what the stages past a client failure found. The formats
//! (`human`, `markdown`, `csv`) only lay these out.

use crate::model::{DeviceReport, Stage, StageResult, Status};

/// `host:port` (`[v6]:port`) as connected to, and the jump host it went through.
pub fn address(r: &DeviceReport) -> String {
    let host = r.address.as_deref().unwrap_or(&r.host);
    let at = if host.contains(':') {
        format!("[{host}]:{}", r.port)
    } else {
        format!("{host}:{}", r.port)
    };
    match &r.via {
        Some(jump) => format!("{at} via {jump}"),
        None => at,
    }
}

/// The device's name says all its address would: a `--host 127.0.0.1:2222` device, or an
/// inventory entry named by its address on port 22.
pub fn named_by_address(r: &DeviceReport) -> bool {
    let address = address(r);
    address == r.name
        || address == format!("{}:22", r.name)
        || address == format!("[{}]:22", r.name)
}

/// The client profile the verdicts are about, `-` before the key exchange was reached.
pub fn client(r: &DeviceReport) -> String {
    r.client
        .as_ref()
        .map_or_else(|| "-".to_owned(), |c| c.id.clone())
}

/// The last stage that passed, `-` when none did.
pub fn reached(r: &DeviceReport) -> &'static str {
    r.reached.map(Stage::name).unwrap_or("-")
}

/// `ok`, `warn` or `fail`: the device as a whole.
pub fn result(r: &DeviceReport) -> &'static str {
    match (&r.failure, warnings(r).is_empty()) {
        (Some(_), _) => "fail",
        (None, true) => "ok",
        (None, false) => "warn",
    }
}

/// The one-line verdict: `FAIL kex/no_common_kex: …`, `ok`, `ok, warn host_key/unknown: …`.
pub fn verdict(r: &DeviceReport) -> String {
    match &r.failure {
        Some(f) => format!("FAIL {}/{}: {}", f.stage, f.reason, f.message),
        None => match warnings(r) {
            w if w.is_empty() => "ok".to_owned(),
            w => format!("ok, warn {}", w.join("; ")),
        },
    }
}

/// Stages that passed with a warning (not those past a client failure), as `stage/reason: detail`.
pub fn warnings(r: &DeviceReport) -> Vec<String> {
    let mut out: Vec<String> = warning_stages(r)
        .map(|s| {
            format!(
                "{}/{}: {}",
                s.stage,
                s.reason.map_or("warn", |r| r.name()),
                s.detail
            )
        })
        .collect();
    // The opt-in transfer check is evidence, not a stage; its warning is said all the same.
    if r.transfer
        .as_ref()
        .is_some_and(|t| t.status == Status::Warn)
    {
        out.push("transfer: neither SFTP nor SCP is available".to_owned());
    }
    out
}

/// The stages that warn, in pipeline order.
pub fn warning_stages(r: &DeviceReport) -> impl Iterator<Item = &StageResult> {
    r.stages
        .iter()
        .filter(|s| s.status == Status::Warn && s.beyond.is_none())
}

/// The commands that act on the device's failure and warnings, in the order to run them.
pub fn commands(r: &DeviceReport) -> Vec<String> {
    r.stages
        .iter()
        .filter(|s| s.beyond.is_none() && matches!(s.status, Status::Fail | Status::Warn))
        .flat_map(|s| s.commands.iter().map(|c| c.to_string()))
        .collect()
}

/// What the stages past a client failure found: what happens once it is fixed.
pub fn beyond(r: &DeviceReport) -> Vec<String> {
    let ran: Vec<&StageResult> = r
        .stages
        .iter()
        .filter(|s| s.beyond.is_some() && s.status != Status::Skip)
        .collect();
    let problems: Vec<String> = ran
        .iter()
        .filter(|s| matches!(s.status, Status::Fail | Status::Warn))
        .map(|s| {
            let fixed = s.beyond.map_or("", Stage::name);
            let status = if s.status == Status::Fail {
                "FAIL"
            } else {
                "warn"
            };
            format!(
                "once {fixed} is fixed: {status} {}/{}: {}",
                s.stage,
                s.reason.map_or("-", |r| r.name()),
                s.detail
            )
        })
        .collect();
    match (ran.last(), problems.is_empty()) {
        (Some(last), true) => vec![format!(
            "once {} is fixed: the rest passes (through {})",
            last.beyond.map_or("", Stage::name),
            last.stage
        )],
        _ => problems,
    }
}

/// Rounded for reading: `0.4ms`, `12ms`, `1.2s`, `20s`.
pub fn duration(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.1}ms")
    } else if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else if ms < 10_000.0 {
        format!("{:.1}s", ms / 1000.0)
    } else {
        format!("{:.0}s", ms / 1000.0)
    }
}
