//! The stages of the pipeline and what every view says about each: one table, so a name,
//! a title, a column label and a letter cannot disagree between views.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One step of the method an expert follows by hand, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Dns,
    Tcp,
    Banner,
    Kex,
    HostKey,
    AuthMethods,
    Auth,
    Prompt,
    Enable,
}

impl Stage {
    /// Every stage, in the order the pipeline runs them.
    pub const ALL: [Stage; 9] = [
        Stage::Dns,
        Stage::Tcp,
        Stage::Banner,
        Stage::Kex,
        Stage::HostKey,
        Stage::AuthMethods,
        Stage::Auth,
        Stage::Prompt,
        Stage::Enable,
    ];

    /// What is known of this stage.
    pub fn facts(self) -> &'static StageFacts {
        &STAGE_FACTS[self as usize]
    }

    /// The JSON name, also used on the command line (`--until prompt`).
    pub fn name(self) -> &'static str {
        self.facts().name
    }

    /// Position in the pipeline, from 0.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One stage's names, for every view.
#[derive(Debug, PartialEq, Eq)]
pub struct StageFacts {
    pub stage: Stage,
    /// The stage's one word, in every view, the JSON and on the command line: `host_key`.
    pub name: &'static str,
    /// Three-letter table column: `hky`.
    pub column: &'static str,
    /// One letter, for the attempt strip: `h`.
    pub letter: &'static str,
    /// What a probe in this stage waits for, as a running attempt is described: `banner:
    /// waiting for the identification line, 17 s`.
    pub waiting_for: &'static str,
}

/// Every stage's facts, in pipeline order (`Stage as usize` indexes it).
pub const STAGE_FACTS: [StageFacts; 9] = [
    facts(Stage::Dns, "dns", "dns", "d", "resolving the name"),
    facts(Stage::Tcp, "tcp", "tcp", "t", "connecting"),
    facts(
        Stage::Banner,
        "banner",
        "ban",
        "b",
        "waiting for the identification line",
    ),
    facts(Stage::Kex, "kex", "kex", "k", "exchanging keys"),
    facts(
        Stage::HostKey,
        "host_key",
        "hky",
        "h",
        "checking the host key",
    ),
    facts(
        Stage::AuthMethods,
        "auth_methods",
        "mth",
        "m",
        "asking which auth methods the server takes",
    ),
    facts(Stage::Auth, "auth", "aut", "a", "authenticating"),
    facts(
        Stage::Prompt,
        "prompt",
        "prm",
        "p",
        "waiting for the prompt",
    ),
    facts(
        Stage::Enable,
        "enable",
        "ena",
        "e",
        "waiting for privileged mode",
    ),
];

const fn facts(
    stage: Stage,
    name: &'static str,
    column: &'static str,
    letter: &'static str,
    waiting_for: &'static str,
) -> StageFacts {
    StageFacts {
        stage,
        name,
        column,
        letter,
        waiting_for,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_pipeline_order_and_names_parse_back() {
        for (i, stage) in Stage::ALL.into_iter().enumerate() {
            assert_eq!(STAGE_FACTS[i].stage, stage);
            assert_eq!(stage.index(), i);
            assert_eq!(Stage::from_name(stage.name()), Some(stage));
            assert_eq!(
                serde_json::to_string(&stage).unwrap(),
                format!("\"{}\"", stage.name())
            );
        }
    }
}
