//! The watch flags the dashboard (`--watch`, `w`), the demo and `wait` share, and how a watch
//! follows the inventory files while it runs (not the demo's: its fleet has no file).

use super::{RunArgs, Targets};
use crate::model::Stage;
use crate::watch::{self, Backoff, Loaded, Reload, WatchOptions};
use clap::Args;
use std::sync::Arc;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    /// The stage every device must reach to count as ready (dns, tcp, banner, kex, host_key,
    /// auth_methods, auth, prompt, enable). Default: enable where the platform has it, else
    /// prompt, or as far as the configured credentials allow.
    #[arg(long, env = "SSHTRIAGE_UNTIL", value_name = "STAGE", value_parser = parse_stage)]
    pub until: Option<Stage>,
    /// First delay between two attempts on a device; it grows ×1.6 while nothing changes.
    #[arg(long, env = "SSHTRIAGE_BACKOFF", default_value = "1s", value_name = "DUR", value_parser = positive_duration)]
    pub backoff: Duration,
    /// Longest delay between two attempts on a device.
    #[arg(long, env = "SSHTRIAGE_BACKOFF_MAX", default_value = "15s", value_name = "DUR", value_parser = positive_duration)]
    pub backoff_max: Duration,
    /// New connections per second, all devices (and jump hosts) together.
    #[arg(long, env = "SSHTRIAGE_RATE", default_value_t = watch::DEFAULT_CONNECTIONS_PER_SECOND, value_parser = positive_rate)]
    pub rate: f64,
}

#[derive(Args, Debug, Clone)]
pub struct ReloadArgs {
    /// Do not reload the inventory files when they change.
    #[arg(long, env = "SSHTRIAGE_NO_RELOAD", value_parser = super::boolish())]
    pub no_reload: bool,
}

impl ReloadArgs {
    /// Follow the devices' files unless `--no-reload` (or there is nothing to follow).
    pub fn reload(
        &self,
        targets: &Targets,
        run: &RunArgs,
        local: &crate::model::LocalClients,
    ) -> Option<Reload> {
        (!self.no_reload)
            .then(|| follow(targets, run, local))
            .flatten()
    }
}

impl WatchArgs {
    /// Watch options, without following any file (see `ReloadArgs`).
    pub fn options(&self, watching: bool) -> WatchOptions {
        WatchOptions {
            backoff: Backoff {
                initial: self.backoff,
                max: self.backoff_max.max(self.backoff),
                ..Backoff::default()
            },
            connections_per_second: self.rate,
            until: self.until,
            watching,
            ..WatchOptions::default()
        }
    }
}

pub(super) fn parse_stage(text: &str) -> Result<Stage, String> {
    Stage::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.name()).collect();
        format!("unknown stage `{text}`: one of {}", names.join(", "))
    })
}

pub(super) fn positive_duration(text: &str) -> Result<Duration, String> {
    let d = crate::device::parse_duration(text).map_err(|e| e.to_string())?;
    if d < Duration::from_millis(10) {
        return Err("must be at least 10ms".into());
    }
    Ok(d)
}

pub(super) fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

/// Follow the files the devices came from (inventories and ssh_config), loading them again
/// with the same rules. Not when a source is standard input, nor for `--host` alone.
fn follow(targets: &Targets, run: &RunArgs, local: &crate::model::LocalClients) -> Option<Reload> {
    let paths = targets.selection(run.timeout).followed_files()?;
    let (targets, run, local) = (targets.clone(), run.clone(), local.clone());
    Some(Reload {
        paths,
        every: Duration::from_secs(1),
        load: Arc::new(move || {
            // The same loading as at the start; jump hosts may have changed with the devices.
            let (setup, warnings) = super::load(&targets, &run, &local)
                .map_err(|e| crate::watch::LoadError(Box::new(e)))?;
            Ok(Loaded {
                devices: setup.devices,
                warnings,
                shared: Some(setup.shared),
            })
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_usage_errors() {
        assert!(parse_stage("banner").is_ok());
        assert!(
            parse_stage("shell")
                .expect_err("unknown")
                .contains("host_key")
        );
        assert!(positive_rate("0").is_err());
        assert!(positive_rate("NaN").is_err());
        assert!(positive_rate("2.5").is_ok());
        assert!(positive_duration("0s").is_err());
        assert!(positive_duration("250ms").is_ok());
    }

    #[test]
    fn only_commands_that_follow_a_file_take_no_reload() {
        use clap::Parser;
        let parse = |args: &[&str]| crate::cli::Cli::try_parse_from(args);
        let dashboard = parse(&["sshtriage", "--no-reload", "lab.toml"]).expect("dashboard");
        assert!(dashboard.reload.no_reload);
        assert!(parse(&["sshtriage", "wait", "--no-reload", "lab.toml"]).is_ok());
        // The demo's fleet lives in memory: the flag would do nothing there.
        let demo = parse(&["sshtriage", "demo", "--no-reload"]).expect_err("demo");
        assert_eq!(demo.kind(), clap::error::ErrorKind::UnknownArgument);
        assert!(parse(&["sshtriage", "demo", "--backoff", "2s"]).is_ok());
    }
}
