//! User profile directories: overrides, additions, and errors that name file, line and key.

use super::*;

// ---- user directory ------------------------------------------------------------------------

const MY_IOS: &str = r#"
name = "cisco_ios"
description = "IOS with a site prompt"
aliases = ["ios"]
[prompt]
unprivileged = ['[\w.-]+ ?>']
privileged = ['[\w.-]+ ?#']
[enable]
command = "enable 15"
password_prompt = '(?i)secret: ?'
"#;

const VYOS: &str = r#"
name = "vyos"
description = "VyOS"
aliases = ["vyos.vyos.vyos"]
paging_off = ["set terminal length 0"]
errors = ['^\s*Invalid command:']
[prompt]
plain = ['[\w.-]+@[\w.-]+[:~]*[$#]']
[detect]
output = ['Welcome to VyOS']
"#;

fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).expect("write test profile");
}

#[test]
fn user_dir_overrides_and_adds() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "my_ios.toml", MY_IOS);
    write(dir.path(), "vyos.toml", VYOS);
    write(dir.path(), "notes.txt", "not a profile");
    let all = Profiles::with_user_dir(Some(dir.path())).expect("loads");

    assert_eq!(all.names().len(), 10);
    let ios = all.get("cisco.ios.ios");
    assert!(ios.is_none(), "the override dropped the embedded aliases");
    let ios = all.get("ios").expect("override reachable by its alias");
    assert_eq!(ios.name, "cisco_ios");
    assert_eq!(ios.origin, Origin::File(dir.path().join("my_ios.toml")));
    assert_eq!(
        ios.enable.as_ref().map(|e| e.command.as_str()),
        Some("enable 15")
    );
    assert_eq!(
        classify_enable_reply(ios, "enable 15\r\nSecret: "),
        EnableReply::PasswordPrompt
    );

    let vyos = all.get("VyOS.vyos.vyos").expect("new profile by alias");
    assert_eq!(vyos.paging_off, ["set terminal length 0"]);
    assert_prompt_in(vyos, "vyos@vyos:~$ ", "vyos@vyos:~$");
    let d = auto_detect(&all, "OpenSSH_8.4", "Welcome to VyOS\r\nvyos@vyos:~$ ").expect("detect");
    assert_eq!(d.profile, "vyos");
}

fn assert_prompt_in(profile: &Profile, output: &str, expected: &str) {
    let m = find_prompt(profile, output).expect("prompt");
    assert_eq!(m.prompt, expected);
}

#[test]
fn a_user_profile_can_claim_an_embedded_alias() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text =
        "name = \"lab_eos\"\ndescription = \"d\"\naliases = [\"eos\"]\n[prompt]\nplain = ['#']\n";
    write(dir.path(), "lab_eos.toml", text);
    let all = Profiles::with_user_dir(Some(dir.path())).expect("loads");
    assert_eq!(all.get("eos").map(|p| p.name.as_str()), Some("lab_eos"));
    assert_eq!(
        all.get("arista.eos.eos").map(|p| p.name.as_str()),
        Some("arista_eos")
    );
}

#[test]
fn missing_user_dir_or_none_gives_the_embedded_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("absent");
    assert_eq!(
        Profiles::with_user_dir(Some(&missing))
            .expect("ok")
            .names()
            .len(),
        9
    );
    assert_eq!(
        Profiles::with_user_dir(None).expect("ok").names().len(),
        crate::embedded::PLATFORM_PROFILE_FILES.len()
    );
}

/// Loads `text` as the only user file and returns the error's text.
fn load_error(text: &str) -> (ProfileError, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "bad.toml", text);
    let err = Profiles::with_user_dir(Some(dir.path())).expect_err("must fail");
    (err, dir.path().join("bad.toml"))
}

fn assert_invalid(text: &str, want_line: usize, want_key: &str, want_in_message: &str) {
    let (err, path) = load_error(text);
    let shown = err.to_string();
    match err {
        ProfileError::Invalid {
            file,
            line,
            key,
            message,
        } => {
            assert_eq!(file, path, "{shown}");
            assert_eq!(line, want_line, "{shown}");
            assert_eq!(key, want_key, "{shown}");
            assert!(message.contains(want_in_message), "{shown}");
            assert!(shown.contains("bad.toml"), "{shown}");
            assert!(shown.contains(&format!(":{want_line}:")), "{shown}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn bad_regex_names_file_line_and_key() {
    let text =
        "name = \"x\"\ndescription = \"d\"\n[prompt]\nprivileged = [\n  'ok#',\n  'bad(#',\n]\n";
    assert_invalid(text, 6, "prompt.privileged[1]", "invalid regex");
}

#[test]
fn unbalanced_group_cannot_escape_the_anchor() {
    let text = "name = \"x\"\ndescription = \"d\"\n[prompt]\nplain = ['a)|(b']\n";
    assert_invalid(text, 4, "prompt.plain[0]", "invalid regex");
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let text = "name = \"x\"\ndescription = \"d\"\n\n[prompt]\nplain = ['#']\ncolour = 'red'\n";
    assert_invalid(text, 6, "prompt.colour", "unknown field");
}

#[test]
fn wrong_type_and_missing_key_are_reported() {
    let text = "name = \"x\"\ndescription = \"d\"\naliases = \"ios\"\n[prompt]\nplain = ['#']\n";
    assert_invalid(text, 3, "aliases", "invalid type");
    let text = "name = \"x\"\n[prompt]\nplain = ['#']\n";
    assert_invalid(text, 1, "", "missing field `description`");
    let text = "name = \"x\"\ndescription = \"d\"\n[prompt]\nprivileged = ['#']\n\n[enable]\ncommand = \"enable\"\n";
    assert_invalid(text, 6, "enable", "missing field `password_prompt`");
}

#[test]
fn toml_syntax_error_has_a_line() {
    let text = "name = \"x\"\ndescription = \"d\"\n[prompt\nplain = ['#']\n";
    let (err, _) = load_error(text);
    assert!(
        matches!(err, ProfileError::Invalid { line: 3, .. }),
        "{err}"
    );
}

#[test]
fn validation_rejects_unusable_profiles() {
    let no_prompt = "name = \"x\"\ndescription = \"d\"\n[prompt]\n";
    assert_invalid(no_prompt, 3, "prompt", "at least one pattern");
    let bad_name = "name = \"a b\"\ndescription = \"d\"\n[prompt]\nplain = ['#']\n";
    assert_invalid(bad_name, 1, "name", "letters");
    let two_line_cmd =
        "name = \"x\"\ndescription = \"d\"\npaging_off = [\"a\\nb\"]\n[prompt]\nplain = ['#']\n";
    assert_invalid(two_line_cmd, 3, "paging_off[0]", "one non-empty line");
    let enable_without_privileged = "name = \"x\"\ndescription = \"d\"\n[prompt]\nplain = ['#']\n\
        [enable]\ncommand = \"enable\"\npassword_prompt = 'word:'\n";
    assert_invalid(enable_without_privileged, 6, "enable", "prompt.privileged");
}

#[test]
fn two_user_files_with_one_name_conflict() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.toml", VYOS);
    write(dir.path(), "b.toml", VYOS);
    let err = Profiles::with_user_dir(Some(dir.path())).expect_err("duplicate");
    assert!(
        matches!(err, ProfileError::Duplicate { ref name, .. } if name == "vyos"),
        "{err}"
    );
}

#[test]
fn oversized_and_non_utf8_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "big.toml", &"#".repeat(300 * 1024));
    let err = Profiles::with_user_dir(Some(dir.path())).expect_err("too large");
    assert!(matches!(err, ProfileError::TooLarge { .. }), "{err}");

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("bin.toml"), b"name = \"x\"\n\xff\xfe").expect("write");
    let err = Profiles::with_user_dir(Some(dir.path())).expect_err("not utf-8");
    assert!(
        matches!(err, ProfileError::Invalid { line: 2, .. }),
        "{err}"
    );
}

/// Every file in `profiles/platforms` is embedded: a new one needs no list to be kept.
#[test]
fn every_platform_file_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/platforms");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("profiles/platforms")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let embedded: Vec<&str> = crate::embedded::PLATFORM_PROFILE_FILES
        .iter()
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(embedded, on_disk);
    assert_eq!(Profiles::embedded().names().len(), on_disk.len());
}
