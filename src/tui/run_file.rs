//! The dashboard and run files: where the rows come from (a live run, or a saved one shown
//! read-only by `sshtriage view`), and saving a live run (`S`) as `check --json` prints it.

use std::path::Path;

use super::app::{App, Notice, SaveDialog};
use super::clock::Clock;
use super::text;
use crate::model::{DeviceReport, Event};
use crate::run::{Run, RunInfo, RunInputs, Timestamp};

/// Where the dashboard's rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// Probed now: what a save records of the run.
    Live {
        started_at: Timestamp,
        inputs: RunInputs,
    },
    /// Read from a file: nothing is probed, fixed or saved.
    Saved(SavedRun),
}

impl Origin {
    pub(crate) fn live() -> Origin {
        Origin::Live {
            started_at: Timestamp::now(),
            inputs: RunInputs::default(),
        }
    }
}

/// What the header says of a saved run, terminal-safe.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRun {
    /// The file, as given on the command line.
    pub file: String,
    /// "2025-06-01 12:00:03 UTC"; None for a file that does not say.
    pub taken: Option<String>,
    pub took_ms: Option<f64>,
    /// "lab.toml, --host r1".
    pub from: Option<String>,
    pub version: Option<String>,
}

impl SavedRun {
    fn of(run: &Run, file: &Path) -> Self {
        let clean = |s: String| text::clean(&s);
        SavedRun {
            file: text::clean(&file.display().to_string()),
            taken: run.taken().map(clean),
            took_ms: run.duration_ms(),
            from: run.taken_from().map(clean),
            version: run.sshtriage_version.clone().map(clean),
        }
    }
}

impl App {
    /// The dashboard over a saved run, read-only: every device as the run left it.
    pub fn saved(run: Run, file: &Path, clock: Box<dyn Clock>) -> App {
        let origin = Origin::Saved(SavedRun::of(&run, file));
        let pending: Vec<DeviceReport> = run
            .devices
            .iter()
            .map(|d| DeviceReport {
                name: d.name.clone(),
                host: d.host.clone(),
                port: d.port,
                ..DeviceReport::default()
            })
            .collect();
        let mut app = App::new(pending, clock);
        for (device, report) in run.devices.into_iter().enumerate() {
            app.apply(Event::Finished {
                device,
                report: Box::new(report),
            });
        }
        app.origin = origin;
        app
    }

    /// What a save records of the live run: the command line's sources, --host and --cidr.
    pub fn with_run_inputs(mut self, inputs: RunInputs) -> Self {
        if let Origin::Live { inputs: kept, .. } = &mut self.origin {
            *kept = inputs;
        }
        self
    }

    /// A saved run: keys that would probe, fix or save do nothing.
    pub fn read_only(&self) -> bool {
        matches!(self.origin, Origin::Saved(_))
    }

    pub fn saved_run(&self) -> Option<&SavedRun> {
        match &self.origin {
            Origin::Saved(saved) => Some(saved),
            Origin::Live { .. } => None,
        }
    }

    /// Says on the header that a key did nothing because the run is a saved one.
    pub(crate) fn refuse_read_only(&mut self) {
        self.notice = Some(Notice::Problem("read-only: a saved run".to_string()));
    }

    /// Writes the run as it stands (devices still probing as far as they got) to a new
    /// file, `check --json`'s document, and shows in the save dialog where it went or why not.
    pub fn save_run(&mut self, path: &Path) {
        let Origin::Live { started_at, inputs } = &self.origin else {
            self.refuse_read_only();
            return;
        };
        let info = RunInfo::until_now(*started_at, inputs.clone());
        let reports: Vec<DeviceReport> = self
            .rows()
            .iter()
            .filter(|row| !row.is_removed())
            .map(|row| row.report.clone())
            .collect();
        let json = crate::report::json::render(&reports, self.fleet().local(), Some(&info));
        self.ui.save = Some(match crate::run::save_new(path, &json) {
            Ok(written) => SaveDialog::Saved {
                path: text::clean(&written.display().to_string()),
                devices: reports.len(),
            },
            Err(e) => SaveDialog::Failed {
                error: text::clean(&e.to_string()),
                name: path.display().to_string(),
            },
        });
    }
}
