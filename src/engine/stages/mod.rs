//! The stages, one module each. `run` maps a `Stage` value to its step; the pipeline in
//! `engine::probe` decides order, timeouts and what a failure blocks.

pub mod auth;
pub mod auth_methods;
pub mod banner;
pub mod dns;
pub mod enable;
pub mod host_key;
pub mod kex;
pub mod prompt;
pub mod shell;
pub mod sudo;
pub mod tcp;

use super::{Outcome, Probe};
use crate::model::{Reason, Stage};

pub async fn run(stage: Stage, p: &mut Probe<'_>) -> Outcome {
    match stage {
        Stage::Dns => dns::run(p).await,
        Stage::Tcp => tcp::run(p).await,
        Stage::Banner => banner::run(p).await,
        Stage::Kex => kex::run(p).await,
        Stage::HostKey => host_key::run(p).await,
        Stage::AuthMethods => auth_methods::run(p).await,
        Stage::Auth => auth::run(p).await,
        Stage::Prompt => prompt::run(p).await,
        Stage::Enable => enable::run(p).await,
    }
}

/// The outcome of a stage that ran out of time, with what it had seen so far and which
/// timeout ended it: `2s (banner_timeout, hosts.yaml:12)`.
pub fn timed_out(stage: Stage, p: &mut Probe<'_>) -> Outcome {
    let limit = p.device.limit(stage).to_string();
    match stage {
        Stage::Dns => Outcome::fail(
            Reason::timeout(stage),
            format!("no DNS answer within {limit}"),
        ),
        Stage::Tcp => Outcome::fail(
            Reason::timeout(stage),
            format!(
                "no answer to the TCP handshake within {limit} (filtered, or the host is down)"
            ),
        ),
        Stage::Banner => {
            let pre = p
                .report
                .banner
                .as_ref()
                .map(|b| b.pre_banner.len())
                .unwrap_or(0);
            let seen = match pre {
                0 => String::new(),
                n => format!(" ({n} line(s) of text arrived, but no identification)"),
            };
            Outcome::fail(
                Reason::timeout(stage),
                format!(
                    "port open but no SSH banner within {limit}{seen}: the SSH daemon is not up yet (a slow-booting image?) or something else holds the port"
                ),
            )
        }
        Stage::Kex => Outcome::fail(Reason::timeout(stage), p.kex_seen.timed_out(&limit)),
        Stage::HostKey => Outcome::fail(
            Reason::timeout(stage),
            format!("host key check took more than {limit}"),
        ),
        Stage::AuthMethods => Outcome::fail(
            Reason::timeout(stage),
            format!("the server did not answer the `none` authentication within {limit}"),
        ),
        Stage::Auth => Outcome::fail(
            Reason::timeout(stage),
            format!("authentication got no answer within {limit}"),
        ),
        Stage::Prompt => prompt::timed_out(p, &limit),
        Stage::Enable => enable::timed_out(p, &limit),
    }
}

/// What the stages after a failure record. A contradicted host key withholds credentials
/// unless the user said otherwise for this run.
pub fn after_failure(stage: Stage, reason: Option<Reason>, p: &Probe<'_>) -> Option<Outcome> {
    if reason.is_some_and(Reason::withholds_credentials) {
        if p.shared.settings.trust_changed_host_keys && reason == Some(Reason::HostKeyChanged) {
            return None;
        }
        return Some(Outcome::skip(
            Reason::HostKeyUntrusted,
            "not run: the host key contradicts known_hosts, so no credential is sent (--trust-changed-host-keys overrides for one run)",
        ));
    }
    Some(Outcome::skip(
        Reason::NotReached,
        format!("not run: {stage} failed"),
    ))
}

/// Ends the session politely so the device frees its vty line at once.
pub async fn close(p: &mut Probe<'_>) {
    if let Some(shell) = p.shell.take() {
        shell.close().await;
    }
    if let Some(session) = p.session.take() {
        let bye = session.disconnect(
            russh::Disconnect::ByApplication,
            "sshtriage probe complete",
            "en",
        );
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), bye).await;
    }
    p.stream = None;
}
