//! The demo's stories: one simulated device per way SSH commonly breaks, plus healthy ones
//! for contrast. Each story says what runs on the wire and how the demo inventory talks to it.

use std::io;
use std::time::Duration;

use crate::lab::{
    AlgorithmSpec, AuthMethod, BootScript, DeviceSpec, Misbehaviour, PromptStyle,
    generate_ed25519_host_key,
};
use russh::keys::PrivateKey;

/// The login every demo device accepts (except the wrong-password one).
pub const USERNAME: &str = "admin";
/// Long enough not to occur by chance in transcripts (the redactor masks every occurrence).
pub const PASSWORD: &str = "demo-pass-1";
pub const ENABLE_SECRET: &str = "demo-enable-1";
/// What the wrong-password device really expects.
const OTHER_PASSWORD: &str = "lab-pass-2";
/// What the demo inventory sends to the wrong-enable device.
const WRONG_ENABLE_SECRET: &str = "demo-enable-old";
/// How long the slow-booting image accepts connections without speaking SSH.
pub const BOOT_SILENCE: Duration = Duration::from_secs(20);

/// A fixture RSA key: generating one takes seconds, and the demo must start at once.
const RSA_HOST_KEY: &str = include_str!("../lab/testdata/rsa_host_key");

/// What listens at a story's address.
pub enum Server {
    Device(Box<DeviceSpec>),
    Misbehaving(Misbehaviour),
    /// A bound socket that never listens: connection refused.
    Closed,
}

/// How the demo's known_hosts file treats a device's host key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownKey {
    /// The device's key is on file: host_key matches.
    Trusted,
    /// Nothing on file: host_key warns (unknown) under the default policy.
    Unknown,
    /// Another key is on file for this host, as after a lab redeploy.
    Stale,
}

pub struct Story {
    pub name: &'static str,
    /// Last octet of the 127.77.0.x address.
    pub octet: u8,
    pub server: Server,
    pub known_key: KnownKey,
    /// What the demo inventory sends.
    pub password: &'static str,
    pub enable_secret: Option<&'static str>,
}

fn spec(hostname: &str, style: PromptStyle) -> io::Result<DeviceSpec> {
    let mut spec = DeviceSpec::new(hostname, style, generate_ed25519_host_key()?);
    spec.username = USERNAME.to_owned();
    spec.password = Some(PASSWORD.to_owned());
    Ok(spec)
}

fn device(name: &'static str, octet: u8, spec: DeviceSpec, known_key: KnownKey) -> Story {
    Story {
        name,
        octet,
        server: Server::Device(Box::new(spec)),
        known_key,
        password: PASSWORD,
        enable_secret: None,
    }
}

fn other(name: &'static str, octet: u8, server: Server) -> Story {
    Story {
        name,
        octet,
        server,
        known_key: KnownKey::Unknown,
        password: PASSWORD,
        enable_secret: None,
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// An old IOS image: SHA-1 group-14 key exchange, ssh-rsa, CBC and hmac-sha1 only.
fn legacy(hostname: &str) -> io::Result<DeviceSpec> {
    let key = PrivateKey::from_openssh(RSA_HOST_KEY)
        .map_err(|e| io::Error::other(format!("demo RSA host key: {e}")))?;
    let mut spec = spec(hostname, PromptStyle::Ios)?;
    spec.host_key = key;
    spec.software = "Cisco-1.25".to_owned();
    spec.algorithms = Some(AlgorithmSpec {
        kex: names(&["diffie-hellman-group14-sha1"]),
        host_key: names(&["ssh-rsa"]),
        cipher: names(&["aes128-cbc"]),
        mac: names(&["hmac-sha1"]),
    });
    Ok(spec)
}

/// Every story, in address order.
pub fn all() -> io::Result<Vec<Story>> {
    let mut ios = spec("ios-r1", PromptStyle::Ios)?;
    ios.enable_secret = Some(ENABLE_SECRET.to_owned());
    ios.auth_banner = Some("Authorized access only. Demo lab on loopback.\n".to_owned());
    let mut ios_r1 = device("ios-r1", 11, ios, KnownKey::Trusted);
    ios_r1.enable_secret = Some(ENABLE_SECRET);

    let eos_sw1 = device(
        "eos-sw1",
        12,
        spec("eos-sw1", PromptStyle::Eos)?,
        KnownKey::Trusted,
    );
    let junos_r2 = device(
        "junos-r2",
        13,
        spec("junos-r2", PromptStyle::Junos)?,
        KnownKey::Trusted,
    );
    let srl_leaf1 = device(
        "srl-leaf1",
        14,
        spec("srl-leaf1", PromptStyle::SrLinux)?,
        KnownKey::Trusted,
    );
    let mut linux = spec("linux-h1", PromptStyle::Linux)?;
    linux.motd = Some("Debian GNU/Linux 12 (demo host)\n".to_owned());
    // A host never connected to before: the key is unknown and warns.
    let linux_h1 = device("linux-h1", 15, linux, KnownKey::Unknown);

    let legacy_r3 = device("legacy-r3", 16, legacy("legacy-r3")?, KnownKey::Trusted);
    // Redeployed: a new key, while known_hosts still holds the old one.
    let rebuilt_r4 = device(
        "rebuilt-r4",
        17,
        spec("rebuilt-r4", PromptStyle::Eos)?,
        KnownKey::Stale,
    );
    let mut badpass = spec("eos-sw2", PromptStyle::Eos)?;
    badpass.password = Some(OTHER_PASSWORD.to_owned());
    let eos_sw2 = device("eos-sw2", 18, badpass, KnownKey::Trusted);

    let mut keyonly = spec("srl-leaf2", PromptStyle::SrLinux)?;
    keyonly.auth_methods = vec![AuthMethod::PublicKey];
    let srl_leaf2 = device("srl-leaf2", 19, keyonly, KnownKey::Trusted);

    let mut booting = spec("vmx-boot", PromptStyle::Junos)?;
    booting.boot = BootScript {
        closed_for: Duration::ZERO,
        silent_for: BOOT_SILENCE,
    };
    let vmx_boot = device("vmx-boot", 20, booting, KnownKey::Trusted);

    let tarpit = other("tarpit-1", 21, Server::Misbehaving(Misbehaviour::Tarpit));
    let closed = other("closed-sw3", 22, Server::Closed);

    let mut enable = spec("ios-r5", PromptStyle::Ios)?;
    enable.enable_secret = Some(ENABLE_SECRET.to_owned());
    let mut ios_r5 = device("ios-r5", 23, enable, KnownKey::Trusted);
    ios_r5.enable_secret = Some(WRONG_ENABLE_SECRET);

    Ok(vec![
        ios_r1, eos_sw1, junos_r2, srl_leaf1, linux_h1, legacy_r3, rebuilt_r4, eos_sw2, srl_leaf2,
        vmx_boot, tarpit, closed, ios_r5,
    ])
}
