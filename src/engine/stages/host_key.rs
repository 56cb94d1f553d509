//! `host_key`: placeholder until the known_hosts matcher lands.

use super::super::{Outcome, Probe};
use crate::model::DeviceReport;

pub async fn run(_p: &mut Probe<'_>) -> Outcome {
    Outcome::skip("not_implemented", "not implemented yet")
}

pub fn flag_shared_keys(_reports: &mut [DeviceReport]) {}

impl Probe<'_> {
    pub fn host_key_types_on_file(&self) -> Vec<String> {
        Vec::new()
    }
}
