use super::super::{Outcome, Probe};

pub async fn run(_p: &mut Probe<'_>) -> Outcome {
    Outcome::skip("not_implemented", "not implemented yet")
}

pub fn timed_out(_p: &mut Probe<'_>, limit: &str) -> Outcome {
    Outcome::fail("timeout", format!("nothing within {limit}"))
}
