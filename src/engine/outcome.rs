//! What a stage returns: a status, a reason, a human sentence, and whether the pipeline goes on.

use crate::model::{Reason, ShellCommand, Status};

/// What the stages after this one do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The next stage runs (a pass or a warning).
    Next,
    /// Nothing after this can run (a failure, or a probe that cannot go on).
    Halt,
    /// The failure belongs to the engineer's client, not to the device: the probe goes on
    /// past it and the later stages say what happens once it is fixed.
    Beyond,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub reason: Option<Reason>,
    pub detail: String,
    pub flow: Flow,
    /// What to run about it, in order (see `StageResult::commands`).
    pub commands: Vec<ShellCommand>,
}

impl Outcome {
    fn new(status: Status, reason: Option<Reason>, detail: String) -> Outcome {
        let flow = match status {
            Status::Fail => Flow::Halt,
            Status::Ok | Status::Warn | Status::Skip => Flow::Next,
        };
        Outcome {
            status,
            reason,
            detail,
            flow,
            commands: Vec::new(),
        }
    }

    pub fn ok(detail: impl Into<String>) -> Outcome {
        Outcome::new(Status::Ok, None, detail.into())
    }

    /// Ok, with a reason worth recording (`literal_ip`, `already_privileged`).
    pub fn ok_because(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome::new(Status::Ok, Some(reason), detail.into())
    }

    pub fn warn(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome::new(Status::Warn, Some(reason), detail.into())
    }

    pub fn fail(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome::new(Status::Fail, Some(reason), detail.into())
    }

    pub fn skip(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome::new(Status::Skip, Some(reason), detail.into())
    }

    /// The same outcome with commands that act on it.
    pub fn with_commands(mut self, commands: Vec<ShellCommand>) -> Outcome {
        self.commands = commands;
        self
    }

    /// The same outcome with another flow.
    pub fn with_flow(mut self, flow: Flow) -> Outcome {
        self.flow = flow;
        self
    }
}
