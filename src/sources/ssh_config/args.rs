//! ssh command-line options given as text (Ansible's `ansible_ssh_common_args` and
//! `ansible_ssh_extra_args`): `-o Option=value` and the short forms `-p -l -i -J -c -m`.
//! As on ssh's command line, the first value of an option wins.

use super::super::ValueSource;
use super::lexer::{split_line, split_words};
use super::settings::{HostSettings, Tokens, Value, parse_value};
use crate::algorithms::allowlist::Category;

/// Short options that take an argument (from ssh(1)); the rest are flags.
const WITH_ARGUMENT: &str = "BbcDEeFIiJLlmOoPpQRSWw";

/// Adds the options in `text` to `settings`; returns what could not be used.
pub(crate) fn settings_from_args(
    text: &str,
    source: &ValueSource,
    host: &str,
    settings: &mut HostSettings,
) -> Vec<String> {
    let mut notes = Vec::new();
    let words = match split_words(text) {
        Ok(w) => w,
        Err(e) => return vec![format!("{source}: cannot split `{text}`: {e}")],
    };
    let home = std::env::var("HOME").ok();
    let tokens = Tokens {
        original_host: host,
        home: home.as_deref(),
        local_user: "",
    };
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let Some(flags) = word.strip_prefix('-').filter(|f| !f.is_empty()) else {
            continue;
        };
        // Flags may be grouped (`-vT`); the first one taking an argument ends the group.
        for (i, flag) in flags.char_indices() {
            if !WITH_ARGUMENT.contains(flag) {
                continue;
            }
            let attached = &flags[i + flag.len_utf8()..];
            let arg = if attached.is_empty() {
                words.next()
            } else {
                Some(attached.to_owned())
            };
            let Some(arg) = arg else {
                notes.push(format!("{source}: `-{flag}` without a value"));
                break;
            };
            let value = match flag {
                'o' => option(&arg),
                'p' => parse_value("port", std::slice::from_ref(&arg)),
                'l' => Ok(Some(Value::User(arg.clone()))),
                'i' => Ok(Some(Value::IdentityFile(arg.clone()))),
                'J' => Ok(Some(Value::ProxyJump(arg.clone()))),
                'c' => Ok(Some(Value::Algorithms(Category::Cipher, arg.clone()))),
                'm' => Ok(Some(Value::Algorithms(Category::Mac, arg.clone()))),
                'F' => Err(format!("-F {arg}: that config file is not read")),
                _ => Ok(None),
            };
            match value {
                Ok(Some(value)) => settings.take(&value, source, &tokens),
                Ok(None) => {}
                Err(e) => notes.push(format!("{source}: {e}")),
            }
            break;
        }
    }
    notes
}

fn option(arg: &str) -> Result<Option<Value>, String> {
    match split_line(arg)? {
        Some((keyword, args)) => parse_value(&keyword, &args),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_short_forms() {
        let src = ValueSource::file("hosts", 4);
        let mut s = HostSettings::default();
        let notes = settings_from_args(
            "-o KexAlgorithms=+diffie-hellman-group14-sha1 -o 'HostKeyAlgorithms +ssh-rsa' \
             -oPort=2200 -p 2300 -l ops -o StrictHostKeyChecking=no -C -F /x",
            &src,
            "r1",
            &mut s,
        );
        assert_eq!(s.kex.unwrap().value, "+diffie-hellman-group14-sha1");
        assert_eq!(s.host_key_algorithms.unwrap().value, "+ssh-rsa");
        assert_eq!(s.port.unwrap().value, 2200, "first value wins");
        assert_eq!(s.user.unwrap().value, "ops");
        assert_eq!(s.strict_host_key_checking.unwrap().value, "no");
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("hosts:4: -F"));
    }
}
