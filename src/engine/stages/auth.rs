use super::super::{Outcome, Probe};

pub async fn run(_p: &mut Probe<'_>) -> Outcome {
    Outcome::skip("not_implemented", "not implemented yet")
}
