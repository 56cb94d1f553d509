//! From the process's arguments to a `Cli`: clap parses, then what clap cannot say alone is
//! settled here, where the source of each value (command line, environment, default) is known.

use super::{Cli, Command, Config};
use crate::report::Output;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// The command line's definition, with where defaults come from said under every command.
pub fn command() -> clap::Command {
    fn explained(command: clap::Command) -> clap::Command {
        command
            .after_help(super::PRECEDENCE)
            .mut_subcommands(explained)
    }
    explained(Cli::command())
}

/// Parses `args` (the program name first) as the command line of `sshtriage`, with the
/// defaults of the config file the arguments or the environment name (or the user's).
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let config = Config::find(&args)
        .map_err(|e| clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("{e}\n")))?;
    let mut command = config.apply(command());
    let matches = command.try_get_matches_from_mut(args)?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))?;
    if cli.command.is_none()
        && matches.value_source("sources") == Some(ValueSource::CommandLine)
        && let Some(word) = cli.targets.sources.first().and_then(|p| p.to_str())
    {
        mistyped_subcommand(&mut command, word)?;
    }
    // Where two flags say opposite things from different places, the closer one wins.
    let leaf = leaf(&matches);
    if let Some(Command::Check(args)) = &mut cli.command {
        let output = check_output(leaf, args.output, args.json);
        args.output = Some(output);
        args.json = output == Output::Json;
    }
    if let Some(targets) = targets(&mut cli)
        && targets.no_ssh_config
        && targets.ssh_config.is_some()
        && rank(leaf, "ssh_config") > rank(leaf, "no_ssh_config")
    {
        targets.no_ssh_config = false;
    }
    Ok(cli)
}

/// The matches of the subcommand that was run (the flags are its own).
fn leaf(matches: &ArgMatches) -> &ArgMatches {
    match matches.subcommand() {
        Some((_, sub)) => leaf(sub),
        None => matches,
    }
}

/// What the command that runs selects devices with.
fn targets(cli: &mut Cli) -> Option<&mut super::Targets> {
    use super::fix::FixCommand;
    use super::known_hosts::KnownHostsCommand;
    match &mut cli.command {
        None => Some(&mut cli.targets),
        Some(Command::Check(args)) => Some(&mut args.targets),
        Some(Command::Wait(args)) => Some(&mut args.targets),
        Some(Command::Inventory(args)) => Some(&mut args.targets),
        Some(Command::Fix(FixCommand::Algorithms(args))) => Some(&mut args.targets),
        Some(Command::KnownHosts(KnownHostsCommand::Accept(args))) => Some(&mut args.targets),
        Some(
            Command::KnownHosts(KnownHostsCommand::Prune(_))
            | Command::Demo(_)
            | Command::Completions(_)
            | Command::Man(_)
            | Command::View(_)
            | Command::Diff(_),
        ) => None,
    }
}

/// `sshtriage chek lab.toml` reads `chek` as an inventory: when no such file exists and a
/// subcommand is spelled almost so (at most two edits, fewer than the word's length), it is a
/// usage error that says which.
fn mistyped_subcommand(command: &mut clap::Command, word: &str) -> Result<(), clap::Error> {
    if word == "-" || std::path::Path::new(word).exists() {
        return Ok(());
    }
    let closest = command
        .get_subcommands()
        .flat_map(|s| std::iter::once(s.get_name()).chain(s.get_all_aliases()))
        .map(|name| (edit_distance(word, name), name.to_owned()))
        .filter(|(d, _)| *d <= 2 && *d < word.chars().count())
        .min_by_key(|(d, _)| *d);
    match closest {
        None => Ok(()),
        Some((_, name)) => Err(clap::Error::raw(
            clap::error::ErrorKind::InvalidSubcommand,
            format!("unrecognized subcommand '{word}'\n\n  tip: did you mean '{name}'?"),
        )
        .format(command)),
    }
}

/// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// How close to the command line a value was given: the command line beats the
/// environment, which beats a default (the config file's or the built-in one); on the
/// command line, a later flag beats an earlier one.
fn rank(matches: &ArgMatches, id: &str) -> (u8, usize) {
    match matches.value_source(id) {
        Some(ValueSource::CommandLine) => (3, matches.index_of(id).unwrap_or(0)),
        Some(ValueSource::EnvVariable) => (2, 0),
        Some(ValueSource::DefaultValue) => (1, 0),
        _ => (0, 0),
    }
}

/// `--json` is `--output json`: of the two, the one given closest to the command line wins
/// (on the command line itself, the later one); `--output` on a tie.
fn check_output(matches: &ArgMatches, output: Option<Output>, json: bool) -> Output {
    match output {
        Some(_) if json && rank(matches, "json") > rank(matches, "output") => Output::Json,
        Some(output) => output,
        None if json => Output::Json,
        None => Output::Table,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(args: &[&str]) -> Output {
        let cli = parse_from(std::iter::once("sshtriage").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        match cli.command {
            Some(Command::Check(args)) => args.format(),
            other => panic!("not check: {other:?}"),
        }
    }

    #[test]
    fn edits_are_counted_as_people_mistype() {
        assert_eq!(edit_distance("chek", "check"), 1);
        assert_eq!(edit_distance("wiat", "wait"), 1);
        assert_eq!(edit_distance("invnetroy", "inventory"), 2);
        assert_eq!(edit_distance("lab.toml", "check"), 8);
    }

    #[test]
    fn a_mistyped_subcommand_is_a_usage_error_with_a_tip() {
        let err = parse_from(["sshtriage", "chek", "x.toml"]).expect_err("chek");
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidSubcommand);
        let text = err.to_string();
        assert!(
            text.contains("error: unrecognized subcommand 'chek'"),
            "{text}"
        );
        assert!(text.contains("tip: did you mean 'check'?"), "{text}");
        assert_eq!(err.exit_code(), 2);
        // Not a typo: an inventory that does not exist is left to the sources to report.
        assert!(parse_from(["sshtriage", "no-such-lab.toml"]).is_ok());
        assert!(parse_from(["sshtriage", "x"]).is_ok());
    }

    #[test]
    fn json_is_output_json_and_the_later_flag_wins() {
        assert_eq!(output(&["check", "x.toml"]), Output::Table);
        assert_eq!(output(&["check", "--json"]), Output::Json);
        assert_eq!(output(&["check", "--output", "markdown"]), Output::Markdown);
        assert_eq!(output(&["check", "--output=csv"]), Output::Csv);
        assert_eq!(output(&["check", "--json", "--output", "csv"]), Output::Csv);
        assert_eq!(
            output(&["check", "--output", "csv", "--json"]),
            Output::Json
        );
        let err = parse_from(["sshtriage", "check", "--output", "yaml"]).expect_err("yaml");
        assert!(err.to_string().contains("markdown"), "{err}");
    }

    /// Every command's boolean flags that read an environment variable, at every depth.
    fn env_flags(command: &clap::Command, out: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let is_flag = matches!(arg.get_action(), clap::ArgAction::SetTrue);
            if let (true, Some(env)) = (is_flag, arg.get_env()) {
                let accepts: Vec<String> = arg
                    .get_value_parser()
                    .possible_values()
                    .map(|values| values.map(|v| v.get_name().to_owned()).collect())
                    .unwrap_or_default();
                for word in ["1", "0", "yes", "no", "on", "off", "true", "false"] {
                    assert!(
                        accepts.iter().any(|a| a == word),
                        "{} ({}) does not take {word}",
                        env.to_string_lossy(),
                        command.get_name()
                    );
                }
                out.push(env.to_string_lossy().into_owned());
            }
        }
        for sub in command.get_subcommands() {
            env_flags(sub, out);
        }
    }

    #[test]
    fn boolean_environment_variables_take_1_0_yes_no_on_off() {
        let mut flags = Vec::new();
        env_flags(&Cli::command(), &mut flags);
        for env in [
            "SSHTRIAGE_JSON",
            "SSHTRIAGE_QUIET",
            "SSHTRIAGE_NO_SSH_CONFIG",
            "SSHTRIAGE_TRUST_CHANGED_HOST_KEYS",
            "SSHTRIAGE_WATCH",
            "SSHTRIAGE_NO_RELOAD",
        ] {
            assert!(flags.iter().any(|f| f == env), "{env} not seen: {flags:?}");
        }
    }
}
