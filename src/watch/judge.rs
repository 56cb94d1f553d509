//! What one attempt means for the watch: ready, stop for safety, or try again later.

use crate::model::{DeviceReport, Policy, Reason, Stage, Status};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Ready,
    /// Never retried automatically; `why` tells the user what resumes the watch.
    Stop {
        stage: Stage,
        reason: Reason,
        why: String,
    },
    Retry,
}

/// Judges a finished probe against the target stage (`None`: automatic), by the policy of
/// its failure's reason in the catalogue.
pub fn judge(report: &DeviceReport, until: Option<Stage>) -> Next {
    if is_ready(report, until) {
        return Next::Ready;
    }
    let Some(failure) = &report.failure else {
        // Nothing failed yet the target was not reached (a stage skipped as not applicable
        // below an explicit target, e.g. `--until enable` on Linux): nothing will change.
        let stage = until.unwrap_or(Stage::Enable);
        return Next::Stop {
            stage,
            reason: Reason::NotApplicable,
            why: format!(
                "{stage} does not apply to this device, so it can never reach it; choose another --until"
            ),
        };
    };
    // A stop found past a client failure is named first: the client failure is the row's
    // failure already, and this one (a rejected password, an untrusted key) is what the next
    // attempt would repeat once the client is fixed.
    let stops: Vec<(Stage, Reason, bool)> = report
        .stages
        .iter()
        .filter(|r| r.status == Status::Fail)
        .filter_map(|r| r.reason.map(|reason| (r.stage, reason, r.beyond.is_some())))
        .filter(|(_, reason, _)| matches!(reason.policy(), Policy::Stop(_)))
        .collect();
    let stopping = stops
        .iter()
        .find(|(_, _, beyond)| *beyond)
        .or(stops.first())
        .map(|(stage, reason, _)| (*stage, *reason));
    let (stage, reason) = stopping.unwrap_or((failure.stage, failure.reason));
    let why = match reason.policy() {
        Policy::Retry => return Next::Retry,
        Policy::Stop(why) => format!(
            "{why}, then re-probe it by hand or change its inventory entry to watch it again"
        ),
        Policy::Unconfigured { why, .. } => why.replace("{target}", until.unwrap_or(stage).name()),
    };
    Next::Stop { stage, reason, why }
}

/// Every stage up to the target passed (or did not apply). Automatically, a device is also
/// ready when the only thing missing is something its configuration does not allow (see
/// `Policy::Unconfigured`): no credentials at all (ready once the server lists its methods)
/// or no enable secret.
pub fn is_ready(report: &DeviceReport, until: Option<Stage>) -> bool {
    match until {
        Some(target) => passed_through(report, target),
        None => match &report.failure {
            None => passed_through(report, Stage::Enable),
            Some(f) => match f.reason.policy() {
                Policy::Unconfigured { ready_at, .. } => passed_through(report, ready_at),
                _ => false,
            },
        },
    }
}

fn passed_through(report: &DeviceReport, target: Stage) -> bool {
    Stage::ALL
        .iter()
        .take_while(|s| **s <= target)
        .all(|stage| match report.result(*stage) {
            Some(r) => match r.status {
                Status::Ok | Status::Warn => true,
                Status::Skip => r.reason == Some(Reason::NotApplicable),
                Status::Fail => false,
            },
            None => false,
        })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::{Failure, StageResult};

    /// A report whose stages pass up to `last`, then `fail` (stage, reason) if given and the
    /// rest skipped as not reached; without a failure the rest is skipped as not applicable.
    pub(crate) fn report(last: Option<Stage>, fail: Option<(Stage, &str)>) -> DeviceReport {
        let mut r = DeviceReport {
            name: "r1".into(),
            ..Default::default()
        };
        let mut blocked = false;
        for stage in Stage::ALL {
            let (status, reason) = if blocked {
                (Status::Skip, Some(Reason::NotReached))
            } else if last.is_some_and(|l| stage <= l) {
                (Status::Ok, None)
            } else if let Some((s, why)) = fail.filter(|(s, _)| *s == stage) {
                blocked = true;
                let reason = Reason::parse(s, why).expect("a catalogued reason");
                r.failure = Some(Failure {
                    stage: s,
                    reason,
                    message: format!("{s} failed"),
                });
                (Status::Fail, Some(reason))
            } else {
                (Status::Skip, Some(Reason::NotApplicable))
            };
            if matches!(status, Status::Ok) {
                r.reached = Some(stage);
            }
            r.stages.push(StageResult {
                stage,
                status,
                elapsed_ms: 1.0,
                reason,
                detail: String::new(),
                beyond: None,
                commands: Vec::new(),
            });
        }
        r.elapsed_ms = r.stages.len() as f64;
        r
    }

    /// A credential rejected past a kex the client cannot do is what the stop names: fixing
    /// the client alone would send it again.
    #[test]
    fn a_rejection_beyond_a_client_failure_stops_the_watch() {
        let mut r = report(Some(Stage::Banner), Some((Stage::Kex, "no_common_kex")));
        for result in &mut r.stages {
            result.beyond = (result.stage > Stage::Kex).then_some(Stage::Kex);
            result.status = match result.stage {
                s if s < Stage::Kex => Status::Ok,
                Stage::Kex | Stage::Auth => Status::Fail,
                Stage::Prompt | Stage::Enable => Status::Skip,
                _ => Status::Ok,
            };
            if result.stage == Stage::Auth {
                result.reason = Some(Reason::AuthRejected);
            }
        }
        match judge(&r, None) {
            Next::Stop { stage, reason, .. } => {
                assert_eq!((stage, reason), (Stage::Auth, Reason::AuthRejected))
            }
            other => panic!("{other:?}"),
        }
        // Without the rejection, the client failure alone stops it.
        let plain = report(Some(Stage::Banner), Some((Stage::Kex, "no_common_kex")));
        assert!(
            matches!(
                judge(&plain, None),
                Next::Stop {
                    stage: Stage::Kex,
                    reason: Reason::NoCommonKex,
                    ..
                }
            ),
            "{:?}",
            judge(&plain, None)
        );
    }

    #[test]
    fn automatic_target_is_enable_or_whatever_applies() {
        assert_eq!(judge(&report(Some(Stage::Enable), None), None), Next::Ready);
        // Linux: enable not applicable, so prompt is enough.
        assert_eq!(judge(&report(Some(Stage::Prompt), None), None), Next::Ready);
        let no_secret = report(Some(Stage::Prompt), Some((Stage::Enable, "no_secret")));
        assert_eq!(judge(&no_secret, None), Next::Ready);
        let no_creds = report(
            Some(Stage::AuthMethods),
            Some((Stage::Auth, "no_credentials")),
        );
        assert_eq!(judge(&no_creds, None), Next::Ready);
        let booting = report(Some(Stage::Tcp), Some((Stage::Banner, "timeout")));
        assert_eq!(judge(&booting, None), Next::Retry);
        let no_prompt = report(Some(Stage::Auth), Some((Stage::Prompt, "timeout")));
        assert_eq!(judge(&no_prompt, None), Next::Retry);
    }

    #[test]
    fn explicit_target_counts_only_stages_up_to_it() {
        let booting = report(Some(Stage::Tcp), Some((Stage::Banner, "timeout")));
        assert_eq!(judge(&booting, Some(Stage::Tcp)), Next::Ready);
        assert_eq!(judge(&booting, Some(Stage::Banner)), Next::Retry);
        let rejected = report(Some(Stage::AuthMethods), Some((Stage::Auth, "rejected")));
        assert_eq!(judge(&rejected, Some(Stage::Kex)), Next::Ready);
        let linux = report(Some(Stage::Prompt), None);
        assert_eq!(judge(&linux, Some(Stage::Enable)), Next::Ready);
        let no_secret = report(Some(Stage::Prompt), Some((Stage::Enable, "no_secret")));
        assert!(matches!(
            judge(&no_secret, Some(Stage::Enable)),
            Next::Stop { .. }
        ));
    }

    /// What the engineer's configuration decides cannot change by retrying: the client's
    /// algorithms, credentials of a kind the server does not take. These stop like a rejected
    /// password, and the why says what to change.
    #[test]
    fn configuration_failures_stop_and_say_what_to_change() {
        for (stage, reason, change) in [
            (Stage::Kex, "no_common_kex", "algorithms your client offers"),
            (
                Stage::Kex,
                "no_common_host_key",
                "algorithms your client offers",
            ),
            (
                Stage::Kex,
                "no_common_cipher",
                "algorithms your client offers",
            ),
            (Stage::Kex, "no_common_mac", "algorithms your client offers"),
            (
                Stage::AuthMethods,
                "no_usable_method",
                "a credential of a kind",
            ),
            (Stage::Auth, "no_usable_method", "a credential of a kind"),
        ] {
            let before = Stage::ALL[stage.index() - 1];
            match judge(&report(Some(before), Some((stage, reason))), None) {
                Next::Stop {
                    stage: s,
                    reason: r,
                    why,
                } => {
                    assert_eq!((s, r.name()), (stage, reason));
                    assert!(why.contains(change), "{stage}/{reason}: {why}");
                    assert!(why.contains("retrying cannot change"), "{why}");
                    assert!(why.contains("by hand"), "{why}");
                }
                other => panic!("{stage}/{reason}: {other:?}"),
            }
        }
    }

    /// What may change by itself (a booting image, a busy device, a session limit) is
    /// tried again.
    #[test]
    fn conditions_that_change_by_themselves_are_retried() {
        for (stage, reason) in [
            (Stage::Dns, "timeout"),
            (Stage::Tcp, "refused"),
            (Stage::Tcp, "timeout"),
            (Stage::Banner, "timeout"),
            (Stage::Banner, "closed"),
            (Stage::Banner, "reset"),
            (Stage::Kex, "closed"),
            (Stage::Kex, "timeout"),
            (Stage::AuthMethods, "timeout"),
            (Stage::AuthMethods, "closed"),
            (Stage::Auth, "timeout"),
            (Stage::Auth, "closed"),
            (Stage::Prompt, "timeout"),
            (Stage::Prompt, "closed"),
            (Stage::Enable, "timeout"),
        ] {
            let before = stage.index().checked_sub(1).map(|i| Stage::ALL[i]);
            let r = report(before, Some((stage, reason)));
            assert_eq!(judge(&r, None), Next::Retry, "{stage}/{reason}");
        }
    }

    #[test]
    fn credentials_and_changed_keys_stop_the_watch() {
        for (stage, reason) in [
            (Stage::Auth, "rejected"),
            (Stage::Auth, "partial"),
            (Stage::Enable, "bad_secret"),
            (Stage::HostKey, "changed"),
            (Stage::HostKey, "revoked"),
        ] {
            let before = Stage::ALL[stage.index() - 1];
            match judge(&report(Some(before), Some((stage, reason))), None) {
                Next::Stop {
                    stage: s,
                    reason: r,
                    why,
                } => {
                    assert_eq!((s, r.name()), (stage, reason));
                    assert!(why.contains("by hand"), "{why}");
                }
                other => panic!("{stage}/{reason}: {other:?}"),
            }
        }
    }
}
