//! From the process's arguments to a `Cli`: clap parses, then what clap cannot say alone is
//! settled here, where the source of each value (command line, environment, default) is known.

use super::{Cli, Command};
use crate::report::Output;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// Parses `args` (the program name first) as the command line of `sshtriage`.
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut command = Cli::command();
    let mut matches = command.try_get_matches_from_mut(args)?;
    let mut cli = Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut command))?;
    if let (Some(Command::Check(args)), Some(("check", sub))) =
        (&mut cli.command, matches.subcommand())
    {
        let output = check_output(sub, args.output, args.json);
        args.output = Some(output);
        args.json = output == Output::Json;
    }
    Ok(cli)
}

/// How close to the command line a value was given: the command line beats the
/// environment, which beats a default.
fn rank(matches: &ArgMatches, id: &str) -> u8 {
    match matches.value_source(id) {
        Some(ValueSource::CommandLine) => 3,
        Some(ValueSource::EnvVariable) => 2,
        Some(ValueSource::DefaultValue) => 1,
        _ => 0,
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
