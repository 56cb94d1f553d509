//! `sshtriage completions SHELL` and `sshtriage man`: generated from the same clap definition
//! that parses the command line, so they cannot drift from it. Both print to standard output.

use super::{EXIT_OK, EXIT_USAGE, command};
use clap::Args;
use std::io::Write;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs) -> i32 {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command(), "sshtriage", &mut out);
    print(&out)
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// The page of this subcommand (`check`, `known-hosts prune`) instead of sshtriage(1),
    /// which lists them.
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Prints a manual page (roff): sshtriage(1), or the page a subcommand's name is in the list
/// of (sshtriage-check(1)), each with its options and their environment variables.
pub fn man(args: &ManArgs) -> i32 {
    let mut page = command();
    page.build();
    for name in &args.command {
        match page.find_subcommand(name) {
            Some(sub) => page = sub.clone(),
            None => {
                eprintln!(
                    "sshtriage man: no subcommand `{}`",
                    crate::present::printable(name)
                );
                return EXIT_USAGE;
            }
        }
    }
    let mut out = Vec::new();
    match clap_mangen::Man::new(page).render(&mut out) {
        Ok(()) => print(&out),
        Err(e) => {
            eprintln!("sshtriage man: {e}");
            EXIT_USAGE
        }
    }
}

fn print(bytes: &[u8]) -> i32 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => EXIT_OK,
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("sshtriage: {e}");
            EXIT_USAGE
        }
    }
}
