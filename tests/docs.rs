//! `sshtriage completions SHELL` and `sshtriage man` with the real binary: the scripts parse
//! in their shell, the manual pages render with man(1) and name every subcommand.

mod support;

use support::sshtriage;

const SUBCOMMANDS: [&str; 8] = [
    "check",
    "demo",
    "fix",
    "known-hosts",
    "inventory",
    "wait",
    "completions",
    "man",
];

fn installed(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn the_bash_completion_script_is_valid_bash_and_completes_subcommands() {
    let out = sshtriage(&["completions", "bash"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("sshtriage.bash");
    std::fs::write(&script, &out.stdout).expect("write");
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash");
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    for sub in SUBCOMMANDS {
        assert!(out.stdout.contains(sub), "no {sub} in the script");
    }
    // Completing `sshtriage ch` offers `check`.
    let complete = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(sshtriage ch); COMP_CWORD=1; COMP_LINE='sshtriage ch'; \
             COMP_POINT=${{#COMP_LINE}}; _sshtriage sshtriage ch sshtriage; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .expect("bash");
    let offered = String::from_utf8_lossy(&complete.stdout);
    assert!(offered.lines().any(|l| l == "check"), "offered: {offered}");
}

#[tokio::test]
async fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = sshtriage(&["completions", shell]).await;
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(
            out.stdout.contains("sshtriage") && out.stdout.contains("known-hosts"),
            "{shell}: {}",
            out.stdout
        );
    }
    // Where the shell is installed, it parses its script.
    for (shell, args) in [("zsh", &["-n"][..]), ("fish", &["--no-execute"][..])] {
        if !installed(shell) {
            eprintln!("SKIP {shell} -n: {shell} is not installed");
            continue;
        }
        let out = sshtriage(&["completions", shell]).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("script");
        std::fs::write(&script, &out.stdout).expect("write");
        let status = std::process::Command::new(shell)
            .args(args)
            .arg(&script)
            .status()
            .expect(shell);
        assert!(status.success(), "{shell} rejects its script");
    }
    let out = sshtriage(&["completions", "tcsh"]).await;
    assert_eq!(out.code, 2, "{}", out.text());
}

/// The page rendered as text by man(1) when it is installed, else the roff source.
fn rendered(roff: &str) -> String {
    if !installed("man") {
        eprintln!("SKIP man -l: man is not installed; checking the roff source");
        return roff.replace("\\-", "-");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("page.1");
    std::fs::write(&page, roff).expect("write");
    let out = std::process::Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(&page)
        .env("MANWIDTH", "200")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("man");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "man -l: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_manual_page_renders_and_names_every_subcommand() {
    let out = sshtriage(&["man"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "not roff: {}",
        out.stdout
    );
    let page = rendered(&out.stdout);
    assert!(
        page.contains("NAME") && page.contains("SUBCOMMANDS"),
        "{page}"
    );
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("sshtriage-{sub}(1)")),
            "no {sub}: {page}"
        );
    }
    // Each subcommand has its own page, with its options and their environment variables.
    let out = sshtriage(&["man", "check"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = rendered(&out.stdout);
    assert!(page.contains("--output"), "{page}");
    assert!(page.contains("SSHTRIAGE_TIMEOUT"), "{page}");
    let out = sshtriage(&["man", "known-hosts", "prune"]).await;
    assert!(
        rendered(&out.stdout).contains("--dry-run"),
        "{}",
        out.stdout
    );
    let out = sshtriage(&["man", "chek"]).await;
    assert_eq!(out.code, 2, "{}", out.text());
}
