//! The device CLI as a pure state machine: bytes from the client in, terminal bytes out.
//! Kept free of SSH so it can be tested directly.

use super::prompts::{self, Command, Identity};
use super::spec::{DeviceSpec, PromptStyle};

/// Longest line kept; further characters are dropped so input cannot grow memory.
const MAX_LINE: usize = 1024;

/// What the shell wants sent back after some input.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ShellReply {
    pub output: Vec<u8>,
    /// The session ended (`exit`): close the channel.
    pub close: bool,
    pub enable_attempts: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Command,
    EnableSecret,
    Closed,
}

pub(super) struct CliShell {
    style: PromptStyle,
    hostname: String,
    username: String,
    enable_secret: Option<String>,
    echo_secret: bool,
    privileged: bool,
    mode: Mode,
    line: Vec<u8>,
    /// A CR was just seen: a following LF belongs to the same Enter.
    after_cr: bool,
}

impl CliShell {
    pub(super) fn new(spec: &DeviceSpec) -> Self {
        CliShell {
            style: spec.style,
            hostname: spec.hostname.clone(),
            username: spec.username.clone(),
            enable_secret: spec.enable_secret.clone(),
            echo_secret: spec.echo_enable_secret,
            privileged: spec.start_privileged || !spec.style.has_enable_mode(),
            mode: Mode::Command,
            line: Vec::new(),
            after_cr: false,
        }
    }

    /// What the device prints when the shell starts: MOTD, then the first prompt.
    pub(super) fn greeting(&self, motd: Option<&str>) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some(motd) = motd {
            push_text(&mut out, motd);
            if !motd.ends_with('\n') {
                out.extend_from_slice(b"\r\n");
            }
        }
        push_text(&mut out, &self.prompt());
        out
    }

    pub(super) fn feed(&mut self, input: &[u8]) -> ShellReply {
        let mut reply = ShellReply::default();
        for &byte in input {
            if self.mode == Mode::Closed {
                break;
            }
            let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            match byte {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => self.enter(&mut reply),
                0x7f | 0x08 => self.backspace(&mut reply),
                0x03 => {
                    // Ctrl-C abandons the line (and a pending enable).
                    self.line.clear();
                    self.mode = Mode::Command;
                    reply.output.extend_from_slice(b"^C\r\n");
                    push_text(&mut reply.output, &self.prompt());
                }
                b'\t' | 0x20..=0x7e | 0x80..=0xff => self.insert(byte, &mut reply),
                _ => {}
            }
        }
        reply
    }

    fn backspace(&mut self, reply: &mut ShellReply) {
        if self.line.pop().is_some() && self.echoing() {
            reply.output.extend_from_slice(b"\x08 \x08");
        }
    }

    fn insert(&mut self, byte: u8, reply: &mut ShellReply) {
        if self.line.len() < MAX_LINE {
            self.line.push(byte);
            if self.echoing() {
                reply.output.push(byte);
            }
        }
    }

    fn echoing(&self) -> bool {
        self.mode == Mode::Command || self.echo_secret
    }

    fn prompt(&self) -> String {
        let who = Identity {
            hostname: &self.hostname,
            username: &self.username,
        };
        prompts::prompt(self.style, &who, self.privileged)
    }

    fn enter(&mut self, reply: &mut ShellReply) {
        reply.output.extend_from_slice(b"\r\n");
        let line = std::mem::take(&mut self.line);
        match self.mode {
            Mode::EnableSecret => self.check_secret(&line, reply),
            Mode::Command => self.run(&String::from_utf8_lossy(&line), reply),
            Mode::Closed => return,
        }
        if self.mode != Mode::Closed {
            let prompt = match self.mode {
                Mode::EnableSecret => "Password: ".to_owned(),
                _ => self.prompt(),
            };
            push_text(&mut reply.output, &prompt);
        }
    }

    fn run(&mut self, line: &str, reply: &mut ShellReply) {
        match prompts::classify(self.style, line) {
            Command::Empty | Command::Setup => {}
            Command::Enable => {
                reply.enable_attempts += 1;
                if !self.privileged {
                    match self.enable_secret {
                        Some(_) => self.mode = Mode::EnableSecret,
                        None => self.privileged = true,
                    }
                }
            }
            Command::Disable => self.privileged = false,
            Command::ShowVersion => push_text(
                &mut reply.output,
                &prompts::show_version(self.style, &self.hostname),
            ),
            Command::Exit => {
                self.mode = Mode::Closed;
                reply.close = true;
            }
            Command::Unknown => push_text(&mut reply.output, prompts::invalid_input(self.style)),
        }
    }

    fn check_secret(&mut self, typed: &[u8], reply: &mut ShellReply) {
        self.mode = Mode::Command;
        let expected = self.enable_secret.as_deref().unwrap_or_default();
        if typed == expected.as_bytes() {
            self.privileged = true;
        } else {
            push_text(&mut reply.output, prompts::enable_denied(self.style));
        }
    }
}

/// Appends text with bare `\n` turned into the terminal's `\r\n`.
fn push_text(out: &mut Vec<u8>, text: &str) {
    let mut previous = 0u8;
    for &byte in text.as_bytes() {
        if byte == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(byte);
        previous = byte;
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::generate_ed25519_host_key;
    use super::*;

    fn shell(style: PromptStyle, secret: Option<&str>, echo_secret: bool) -> CliShell {
        let key = generate_ed25519_host_key().expect("ed25519 key");
        let mut spec = DeviceSpec::new("r1", style, key);
        spec.enable_secret = secret.map(str::to_owned);
        spec.echo_enable_secret = echo_secret;
        CliShell::new(&spec)
    }

    fn text(reply: &ShellReply) -> String {
        String::from_utf8_lossy(&reply.output).into_owned()
    }

    #[test]
    fn greeting_prints_motd_then_prompt_with_crlf() {
        let sh = shell(PromptStyle::Ios, None, false);
        assert_eq!(
            sh.greeting(Some("Authorized use only\nline 2")),
            b"Authorized use only\r\nline 2\r\nr1>"
        );
        assert_eq!(sh.greeting(None), b"r1>");
    }

    #[test]
    fn input_is_echoed_and_cr_becomes_crlf() {
        let mut sh = shell(PromptStyle::Ios, None, false);
        let reply = sh.feed(b"terminal length 0\r");
        assert_eq!(text(&reply), "terminal length 0\r\nr1>");
        // CR LF is one Enter; a lone LF (Netmiko's default) is one too.
        assert_eq!(text(&sh.feed(b"\r\n")), "\r\nr1>");
        assert_eq!(text(&sh.feed(b"\n")), "\r\nr1>");
    }

    #[test]
    fn enable_with_the_right_secret_reaches_privileged_mode_without_echo() {
        let mut sh = shell(PromptStyle::Ios, Some("s3cret"), false);
        let reply = sh.feed(b"enable\r");
        assert_eq!(text(&reply), "enable\r\nPassword: ");
        assert_eq!(reply.enable_attempts, 1);
        let reply = sh.feed(b"s3cret\r");
        assert_eq!(text(&reply), "\r\nr1#");
        assert!(!text(&reply).contains("s3cret"));
    }

    #[test]
    fn wrong_secret_is_denied_and_returns_to_user_mode() {
        let mut sh = shell(PromptStyle::Ios, Some("s3cret"), false);
        sh.feed(b"enable\r");
        assert_eq!(text(&sh.feed(b"nope\r")), "\r\n% Bad secrets\r\nr1>");
        let mut eos = shell(PromptStyle::Eos, Some("s3cret"), false);
        eos.feed(b"enable\r");
        assert_eq!(text(&eos.feed(b"nope\r")), "\r\n% Access denied\r\nr1>");
    }

    #[test]
    fn a_badly_behaved_device_echoes_the_secret() {
        let mut sh = shell(PromptStyle::Ios, Some("s3cret"), true);
        sh.feed(b"enable\r");
        assert_eq!(text(&sh.feed(b"s3cret\r")), "s3cret\r\nr1#");
    }

    #[test]
    fn enable_without_a_secret_goes_straight_to_privileged() {
        let mut sh = shell(PromptStyle::Ios, None, false);
        assert_eq!(text(&sh.feed(b"enable\r")), "enable\r\nr1#");
        assert_eq!(text(&sh.feed(b"disable\r")), "disable\r\nr1>");
    }

    #[test]
    fn unknown_commands_get_a_style_error_and_exit_closes() {
        let mut sh = shell(PromptStyle::Ios, None, false);
        assert_eq!(
            text(&sh.feed(b"frobnicate\r")),
            "frobnicate\r\n% Invalid input detected at '^' marker.\r\nr1>"
        );
        let reply = sh.feed(b"exit\rshow version\r");
        assert!(reply.close);
        assert_eq!(text(&reply), "exit\r\n");
        assert_eq!(sh.feed(b"x\r"), ShellReply::default());
    }

    #[test]
    fn backspace_and_ctrl_c_edit_the_line() {
        let mut sh = shell(PromptStyle::Ios, None, false);
        assert_eq!(text(&sh.feed(b"enx\x7f")), "enx\x08 \x08");
        assert_eq!(text(&sh.feed(b"\x03")), "^C\r\nr1>");
        assert_eq!(text(&sh.feed(b"\r")), "\r\nr1>");
    }

    #[test]
    fn overlong_lines_are_bounded() {
        let mut sh = shell(PromptStyle::Ios, None, false);
        let reply = sh.feed(&vec![b'a'; MAX_LINE * 4]);
        assert_eq!(reply.output.len(), MAX_LINE);
        assert!(text(&sh.feed(b"\r")).contains("% Invalid input"));
    }

    #[test]
    fn non_ios_styles_show_their_own_prompt_and_version() {
        let mut sh = shell(PromptStyle::Junos, None, false);
        assert_eq!(sh.greeting(None), b"admin@r1> ");
        let reply = text(&sh.feed(b"show version\r"));
        assert!(reply.contains("Junos: 23.2R1.14\r\n"), "{reply}");
        assert!(reply.ends_with("admin@r1> "));
        let mut srl = shell(PromptStyle::SrLinux, None, false);
        assert_eq!(srl.greeting(None), b"\r\n--{ running }--[  ]--\r\nA:r1# ");
        assert_eq!(
            text(&srl.feed(b"environment cli-engine type basic\r")),
            "environment cli-engine type basic\r\n\r\n--{ running }--[  ]--\r\nA:r1# "
        );
    }
}
