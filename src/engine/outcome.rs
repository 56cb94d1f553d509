//! What a stage returns: a status, a machine reason and a human sentence.

use crate::model::{Reason, Status};

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub reason: Option<Reason>,
    pub detail: String,
}

impl Outcome {
    pub fn ok(detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Ok,
            reason: None,
            detail: detail.into(),
        }
    }

    /// Ok, with a reason worth recording (`literal_ip`, `already_privileged`).
    pub fn ok_because(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Ok,
            reason: Some(reason),
            detail: detail.into(),
        }
    }

    pub fn warn(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Warn,
            reason: Some(reason),
            detail: detail.into(),
        }
    }

    pub fn fail(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Fail,
            reason: Some(reason),
            detail: detail.into(),
        }
    }

    pub fn skip(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Skip,
            reason: Some(reason),
            detail: detail.into(),
        }
    }
}
