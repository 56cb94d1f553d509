//! Per-style CLI text: prompts, error messages, `show version`, and which commands exist.
//! Text uses `\n`; the shell converts to the terminal's `\r\n`.

use super::spec::PromptStyle;

/// Who the CLI is talking to, for prompts that include the user or host.
pub(super) struct Identity<'a> {
    pub hostname: &'a str,
    pub username: &'a str,
}

/// What a complete command line does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Command {
    Empty,
    Enable,
    Disable,
    /// Paging/width/engine settings automation sends after login: no output.
    Setup,
    ShowVersion,
    Exit,
    Unknown,
}

pub(super) fn prompt(style: PromptStyle, who: &Identity<'_>, privileged: bool) -> String {
    let Identity { hostname, username } = who;
    match style {
        PromptStyle::Ios | PromptStyle::Eos => {
            format!("{hostname}{}", if privileged { '#' } else { '>' })
        }
        PromptStyle::NxOs => format!("{hostname}#"),
        PromptStyle::Xr => format!("RP/0/RP0/CPU0:{hostname}#"),
        PromptStyle::Junos => format!("{username}@{hostname}> "),
        PromptStyle::SrLinux => format!("\n--{{ running }}--[  ]--\nA:{hostname}# "),
        PromptStyle::SrOs => format!("[/]\nA:{username}@{hostname}# "),
        PromptStyle::Linux => format!("{username}@{hostname}:~$ "),
    }
}

/// The reply to a command the CLI does not know. Never repeats the input: a misplaced secret
/// must not be printed back.
pub(super) fn invalid_input(style: PromptStyle) -> &'static str {
    match style {
        PromptStyle::Ios | PromptStyle::Xr => "% Invalid input detected at '^' marker.\n",
        PromptStyle::Eos => "% Invalid input\n",
        PromptStyle::NxOs => "% Invalid command at '^' marker.\n",
        PromptStyle::Junos => "unknown command.\n",
        PromptStyle::SrLinux => "Error: Unknown token. Options are ['enter', 'info', 'show']\n",
        PromptStyle::SrOs => "MINOR: MGMT_CORE #2201: Unknown element\n",
        PromptStyle::Linux => "-bash: command not found\n",
    }
}

pub(super) fn enable_denied(style: PromptStyle) -> &'static str {
    match style {
        PromptStyle::Eos => "% Access denied\n",
        _ => "% Bad secrets\n",
    }
}

pub(super) fn show_version(style: PromptStyle, hostname: &str) -> String {
    match style {
        PromptStyle::Ios => format!(
            "Cisco IOS Software, IOSv Software (VIOS-ADVENTERPRISEK9-M), Version 15.9(3)M6, RELEASE SOFTWARE (fc1)\n\
             ROM: Bootstrap program is IOSv\n\
             {hostname} uptime is 1 hour, 12 minutes\n"
        ),
        PromptStyle::Eos => "Arista cEOSLab\nSoftware image version: 4.32.0F\nArchitecture: x86_64\n".to_owned(),
        PromptStyle::NxOs => "Cisco Nexus Operating System (NX-OS) Software\n  NXOS: version 10.3(3) [Feature Release]\n  cisco Nexus9000 C9300v Chassis\n".to_owned(),
        PromptStyle::Xr => format!("Cisco IOS XR Software, Version 7.11.1\n{hostname} uptime is 1 hour, 12 minutes\n"),
        PromptStyle::Junos => format!("Hostname: {hostname}\nModel: vmx\nJunos: 23.2R1.14\n"),
        PromptStyle::SrLinux => format!(
            "Hostname             : {hostname}\nChassis Type         : 7220 IXR-D2L\nSoftware Version     : v24.3.2\n"
        ),
        PromptStyle::SrOs => "TiMOS-B-24.3.R1 both/x86_64 Nokia 7750 SR Copyright (c) 2000-2024 Nokia.\n".to_owned(),
        PromptStyle::Linux => {
            format!("Linux {hostname} 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64 GNU/Linux\n")
        }
    }
}

/// Classifies a command line (case-insensitive, whitespace-insensitive).
pub(super) fn classify(style: PromptStyle, line: &str) -> Command {
    let words: Vec<String> = line
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => Command::Empty,
        ["exit" | "logout" | "quit"] => Command::Exit,
        [word] if style.has_enable_mode() && is_abbreviation(word, "enable", 2) => Command::Enable,
        ["disable"] if style.has_enable_mode() => Command::Disable,
        _ if is_show_version(style, &words) => Command::ShowVersion,
        _ if is_setup(style, &words) => Command::Setup,
        _ => Command::Unknown,
    }
}

/// IOS-like CLIs accept unambiguous prefixes (`en`, `sh ver`).
fn is_abbreviation(word: &str, full: &str, min_len: usize) -> bool {
    word.len() >= min_len && full.starts_with(word)
}

fn is_show_version(style: PromptStyle, words: &[&str]) -> bool {
    match (style, words) {
        (PromptStyle::Linux, ["uname", "-a"]) => true,
        (PromptStyle::Linux, _) => false,
        (PromptStyle::SrLinux, ["show", "version"]) => true,
        (PromptStyle::SrOs, ["show", "version"]) => true,
        (_, [show, version]) => {
            is_abbreviation(show, "show", 2) && is_abbreviation(version, "version", 3)
        }
        _ => false,
    }
}

fn is_setup(style: PromptStyle, words: &[&str]) -> bool {
    let numeric = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
    match style {
        PromptStyle::Ios | PromptStyle::Eos | PromptStyle::NxOs | PromptStyle::Xr => {
            matches!(
                words,
                ["terminal" | "term", "length" | "len" | "width", n] if numeric(n)
            ) || matches!(
                words,
                ["terminal", "exec", "prompt", "no-timestamp"] | ["terminal", "dont-ask"]
            )
        }
        PromptStyle::Junos => {
            matches!(
                words,
                ["set", "cli", "screen-length" | "screen-width", n] if numeric(n)
            ) || matches!(words, ["set", "cli", "complete-on-space", "off"])
        }
        PromptStyle::SrLinux => matches!(
            words,
            ["environment", "cli-engine", "type", "basic"]
                | ["environment", "complete-on-space", "false"]
        ),
        PromptStyle::SrOs => matches!(
            words,
            ["environment", "more", "false"]
                | ["/environment", "no", "more"]
                | ["environment", "console", "width", _]
        ),
        PromptStyle::Linux => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHO: Identity<'static> = Identity {
        hostname: "r1",
        username: "admin",
    };

    #[test]
    fn prompts_match_each_style() {
        let cases = [
            (PromptStyle::Ios, false, "r1>"),
            (PromptStyle::Ios, true, "r1#"),
            (PromptStyle::Eos, false, "r1>"),
            (PromptStyle::NxOs, false, "r1#"),
            (PromptStyle::Xr, false, "RP/0/RP0/CPU0:r1#"),
            (PromptStyle::Junos, false, "admin@r1> "),
            (
                PromptStyle::SrLinux,
                false,
                "\n--{ running }--[  ]--\nA:r1# ",
            ),
            (PromptStyle::SrOs, false, "[/]\nA:admin@r1# "),
            (PromptStyle::Linux, false, "admin@r1:~$ "),
        ];
        for (style, privileged, expected) in cases {
            assert_eq!(prompt(style, &WHO, privileged), expected, "{style:?}");
        }
    }

    #[test]
    fn commands_are_classified_per_style() {
        use Command::*;
        let cases = [
            (PromptStyle::Ios, "", Empty),
            (PromptStyle::Ios, "  EN ", Enable),
            (PromptStyle::Ios, "e", Unknown),
            (PromptStyle::Ios, "terminal length 0", Setup),
            (PromptStyle::Ios, "terminal width 511", Setup),
            (PromptStyle::Ios, "terminal length zero", Unknown),
            (PromptStyle::Ios, "sh ver", ShowVersion),
            (PromptStyle::Eos, "disable", Disable),
            (PromptStyle::Xr, "enable", Unknown),
            (PromptStyle::Junos, "set cli screen-length 0", Setup),
            (PromptStyle::Junos, "terminal length 0", Unknown),
            (
                PromptStyle::SrLinux,
                "environment cli-engine type basic",
                Setup,
            ),
            (PromptStyle::SrOs, "environment more false", Setup),
            (PromptStyle::Linux, "uname -a", ShowVersion),
            (PromptStyle::Linux, "show version", Unknown),
            (PromptStyle::Linux, "logout", Exit),
            (PromptStyle::Ios, "configure terminal", Unknown),
        ];
        for (style, line, expected) in cases {
            assert_eq!(classify(style, line), expected, "{style:?} {line:?}");
        }
    }
}
