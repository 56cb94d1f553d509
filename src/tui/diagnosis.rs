//! The plain sentence for an outcome: the catalogue's (`model::Reason`), or a generic one when
//! a stage ended without a reason.

use crate::model::{Reason, Stage, Status};

/// A sentence for any outcome.
pub fn explain(stage: Stage, status: Status, reason: Option<Reason>) -> String {
    if let Some(reason) = reason {
        return reason.sentence().to_string();
    }
    match status {
        Status::Fail => format!(
            "The {} stage failed; the evidence below shows what the device sent.",
            stage.name()
        ),
        Status::Warn => format!(
            "The {} stage passed with a remark; see the detail.",
            stage.name()
        ),
        Status::Ok => format!("The {} stage passed.", stage.name()),
        Status::Skip => format!("The {} stage did not run.", stage.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two lines of an 80-column diagnosis pane, so the advice is never cut off.
    #[test]
    fn every_sentence_fits_two_lines_of_the_pane() {
        for reason in Reason::ALL {
            let lines = crate::tui::text::wrap(reason.sentence(), 76).len();
            assert!(lines <= 2, "{reason:?} takes {lines} lines");
        }
    }

    #[test]
    fn an_outcome_without_a_reason_still_gets_a_sentence() {
        let text = explain(Stage::Kex, Status::Fail, None);
        assert!(text.contains("kex stage failed"), "{text}");
    }
}
