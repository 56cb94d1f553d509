//! Fixed public keys (generated once with ssh-keygen; public halves only) and helpers.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use russh::keys::ssh_key::PublicKey;

mod check_tests;
mod differential;
mod edit_tests;
mod parse_tests;

/// (name, OpenSSH public key line, SHA256 fingerprint from `ssh-keygen -lf`)
pub(super) const KEYS: &[(&str, &str, &str)] = &[
    (
        "ed1",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOK67TF4LzF+miz+HdM/y6Md6Ywx1VjqSm+2CMFLJQJj",
        "SHA256:+w3KMpn9PlTTGW08YGoDXnDs1PednHRpeje/MO66nwc",
    ),
    (
        "ed2",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDVe4CfdXd7FC4ORneuXor+3+PEKHLYrw13AxRTEeI3a",
        "SHA256:6dMl/Jvpb8zCdaf7H9o2kMrxicioiHNCbRFGvf21EGQ",
    ),
    (
        "ed3",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAKk0vbLKkUMlNRui1be/DPPcT9POzDidxLEtQLPrsyE",
        "SHA256:UgF4H2uD0VzmjZqlb80L2e1+Erb6K6JnxVpxuWr7/CM",
    ),
    (
        "p256",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBL3fxDpapGyYZtylNh39CRHG8GwL5prDDZ1AznaOjq2tYEtGdg9g/psw9w1Vaoxmc5RU6v55hheAtQRa9Do3Mig=",
        "SHA256:q6sLg3yfUVJSxFaOrp1TnGRnS7vsif6bZQpNUq8dfew",
    ),
    (
        "p384",
        "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBKNka9BVgyTvF6ZFrkXKYlL7zXnniRVFTG7DfeIKLO32/e0ucJ+Swu5KHFbmcLkZFay5VcH2/63sjbzN8hhwj1GdPvTANUOhI8DPa/fQwp0tZJJ+eOJUQnE6HChVRTNSsw==",
        "SHA256:USaHQw86agWncfIOO8iGqdndcX5QxRR5hIVGKeR0aF8",
    ),
    (
        "rsa",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCOdpbdIdyilgIkEZhFoZQxyGTbXpmjrZb5vnyr+v1RSixwBIJgJHmvesNmWfNVdKSvs8/ZrFbLr52crNbm52zU8FShahuKDQ4ywjCoYZO8SpvLrLRenbSZ2DDZ7PmO2wu4mwC6PnqAjsFFlzvs+p91SZDEISKBnXsMnEGdGR4pIMFQe7fvvDkIhV2tZN8SrP3Mf/YWKzVVEck2I5FZ7gW1p2Z124XI8mw4p3a6snvEgH2RqcYLaK/GH6RzmY40k5cytbUbzFgsxKfGnKMp9uzcwOi55+1Ipvs+fVWM2/e2X+abo1bsPw+etSIpClfOcNzqw62FTYG+JQkE5Oh9L1gv",
        "SHA256:vydX9oswAJ01oGCn+idzMQR491IJ1l6Fa7UqHSzm46o",
    ),
    (
        "dsa",
        "ssh-dss AAAAB3NzaC1kc3MAAACBALqemEx3h3B/gh/MyHzrDmybES4FHsSk40sKOLRnlojZzbs6DI5NyxMySWrffQYBx9FNkEjDDuEdhm7JoZIUPoCCE1IOmSraaUGPpmbYH7qoZATvOpDOnlyO2+RnF/bqKDFhRae7UVYy59+80MRqVvaqPXlyYkkY4KDL7KWq0nObAAAAFQDRQ18ZRSJl5Eg4bQ/BtuysOxYoBwAAAIAYZ9XeEsI76MBYhvTxNN78L2LwoXfnkUBuVtKhGk+3i+bc8fb5HIdyFUgFF46OmbWjOEJKbPt253ormTaixE5ytFAfxycfQ3MX1cByrtUg1E0QGmGW1ba9zBSwgQIAfioyEwxzqN8TgtpcXB1cUpoPplZPh7N7glrxiRYJG+7BhAAAAIBitlP9GHorJDJ368Su2AMEmAa+h3+4AcZgln1FtOQd0TGrlvwxB3aHU/jZxxI3UFULHO1ndwMVDSgFJA6MGfDCPSqUucclqmWM1IPo8pkOBNDtskNKJH3HKqAwmwlsKHvpe5TBAVVmyPLlny2WdyaqfiVAnfR3Fgq0/Md1LLA3qQ==",
        "SHA256:eL1jaWLxMtRDHbo3jFNZrRFbTXoDvt51WgR2s5FKmaA",
    ),
];

/// The OpenSSH line (`type base64`) of a fixed key.
pub(super) fn key_text(name: &str) -> &'static str {
    KEYS.iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, text, _)| *text)
        .expect("test key names are fixed")
}

pub(super) fn key(name: &str) -> PublicKey {
    PublicKey::from_openssh(key_text(name)).expect("fixed test keys parse")
}

/// The base64 part of a fixed key.
pub(super) fn key_b64(name: &str) -> &'static str {
    key_text(name)
        .split(' ')
        .nth(1)
        .expect("fixed test keys have a blob")
}

/// `None` (after saying why, once) when ssh-keygen cannot be run, so differential tests skip.
pub(super) fn ssh_keygen() -> Option<Command> {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    let available =
        *AVAILABLE.get_or_init(|| match Command::new("ssh-keygen").arg("-?").output() {
            Ok(_) => true,
            Err(e) => {
                eprintln!("skipping differential tests: cannot run ssh-keygen: {e}");
                false
            }
        });
    available.then(|| Command::new("ssh-keygen"))
}

pub(super) fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write test file");
}
