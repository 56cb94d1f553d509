//! `sshtriage view RUN.json`: a saved run in the dashboard, read-only.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_OK, EXIT_USAGE};

#[derive(Args, Debug)]
pub struct ViewArgs {
    /// A saved run: `sshtriage check --json > RUN.json`, or the dashboard's `S`.
    #[arg(value_name = "RUN.json")]
    pub file: PathBuf,
}

pub async fn run(args: ViewArgs) -> i32 {
    let run = match crate::run::load(&args.file) {
        Ok(run) => run,
        Err(e) => {
            eprintln!(
                "sshtriage view: {}",
                crate::present::printable(&e.to_string())
            );
            return EXIT_USAGE;
        }
    };
    let app = crate::tui::App::saved(run, &args.file, Box::new(crate::tui::SystemClock::new()))
        .with_theme(crate::tui::Theme::from_env());
    // Nothing probes: no engine sends events or takes commands.
    let (_, events) = tokio::sync::mpsc::unbounded_channel();
    let (commands, _) = tokio::sync::mpsc::unbounded_channel();
    let result = tokio::select! {
        result = crate::tui::run(app, events, commands) => result,
        _ = super::terminate_signal() => Ok(()),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("sshtriage: terminal error: {e}");
            EXIT_USAGE
        }
    }
}
