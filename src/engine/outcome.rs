//! What a stage returns: a status, a machine reason and a human sentence.

use crate::model::Status;

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub reason: Option<String>,
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
    pub fn ok_because(reason: &str, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Ok,
            reason: Some(reason.to_owned()),
            detail: detail.into(),
        }
    }

    pub fn warn(reason: &str, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Warn,
            reason: Some(reason.to_owned()),
            detail: detail.into(),
        }
    }

    pub fn fail(reason: &str, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Fail,
            reason: Some(reason.to_owned()),
            detail: detail.into(),
        }
    }

    pub fn skip(reason: &str, detail: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Skip,
            reason: Some(reason.to_owned()),
            detail: detail.into(),
        }
    }
}
