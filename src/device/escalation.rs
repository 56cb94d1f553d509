//! Privilege escalation as the engineer's tool does it after login: Ansible's `become` with
//! its method (`sudo` on Linux hosts, `enable` on network OSes), NetPulse's `sudo`.
//! The secret itself is the device's `enable_secret`.

/// Whether and how to escalate; what is not said is left to the platform profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Escalation {
    /// `become = true|false`, `ansible_become`; None when nothing says.
    pub wanted: Option<bool>,
    /// `become_method`, `ansible_become_method`; None lets the platform profile choose
    /// (its `[sudo]` step on Linux, its `[enable]` step on network OSes).
    pub method: Option<BecomeMethod>,
    /// The secret was given as a become (sudo) password by name (`become_password`, a
    /// driver's `sudo_password`), not as an enable secret: it asks for escalation by itself.
    /// Ansible's `ansible_become_password` does not: inventories share it with the network
    /// devices' enable, so `ansible_become` says whether a Linux host escalates.
    pub become_password: bool,
}

impl Escalation {
    /// Whether escalation is wanted where it is optional (a Linux host's sudo): asked for, or
    /// a become password configured, unless turned off.
    pub fn wanted(&self, has_secret: bool) -> bool {
        self.wanted.unwrap_or(has_secret && self.become_password)
    }
}

/// A become method by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BecomeMethod {
    Sudo,
    /// The network OS's own `enable`.
    Enable,
    /// `su`, `doas`, `pbrun`, …: not checked, and said so.
    Other(String),
}

impl BecomeMethod {
    /// `sudo`, `ansible.builtin.sudo`, `enable`, `ansible.netcommon.enable`, anything else.
    pub fn parse(text: &str) -> BecomeMethod {
        let name = text.trim().rsplit('.').next().unwrap_or("");
        match name.to_ascii_lowercase().as_str() {
            "sudo" => BecomeMethod::Sudo,
            "enable" => BecomeMethod::Enable,
            _ => BecomeMethod::Other(text.trim().to_owned()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            BecomeMethod::Sudo => "sudo",
            BecomeMethod::Enable => "enable",
            BecomeMethod::Other(name) => name,
        }
    }
}

/// Ansible's booleans (`yes`, `true`, `1`, `on`; `no`, `false`, `0`, `off`), TOML's too.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "on" => Some(true),
        "no" | "n" | "false" | "0" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_with_or_without_their_collection() {
        assert_eq!(BecomeMethod::parse("sudo"), BecomeMethod::Sudo);
        assert_eq!(
            BecomeMethod::parse("ansible.builtin.sudo"),
            BecomeMethod::Sudo
        );
        assert_eq!(
            BecomeMethod::parse("ansible.netcommon.enable"),
            BecomeMethod::Enable
        );
        assert_eq!(
            BecomeMethod::parse("su"),
            BecomeMethod::Other("su".to_owned())
        );
    }

    #[test]
    fn a_become_password_asks_for_escalation_unless_it_is_turned_off() {
        let mut e = Escalation::default();
        assert!(!e.wanted(false));
        // An enable secret alone is a network device's: it does not ask for sudo.
        assert!(!e.wanted(true));
        e.become_password = true;
        assert!(e.wanted(true));
        e.wanted = Some(false);
        assert!(!e.wanted(true));
        e.wanted = Some(true);
        assert!(e.wanted(false));
    }
}
