//! The built-in demo fleet: simulated devices on loopback telling the common stories — healthy
//! IOS, EOS, Junos, SR Linux and Linux boxes next to a legacy-kex image, a redeployed box with
//! a changed host key, a wrong password, a publickey-only box, a slow-booting image, a tarpit,
//! a closed port and a wrong enable secret.
//!
//! Everything listens on 127.77.0.x (ephemeral ports) and checks host keys against a
//! known_hosts file of its own in a temporary directory, beside the demo's inventory (an
//! sshtriage TOML the devices are loaded from, so printed commands work while the demo runs);
//! the user's files, ssh_config included, are never read or written. Dropping the [`Fleet`]
//! stops every server and removes the directory.

mod stories;

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use russh::keys::ssh_key::PublicKey;
use tempfile::TempDir;
use tokio::net::TcpSocket;

use crate::device::Device;
use crate::lab::{RunningDevice, RunningPeer, generate_ed25519_host_key, spawn_device};
use crate::profile::Profiles;
use crate::sources::{Selection, SshConfigChoice};
use stories::{KnownKey, Server, Story};

pub use stories::BOOT_SILENCE;

/// Per-stage timeout of every demo device: short, so the tarpit and the booting image
/// resolve quickly, yet shorter than the boot so the first probe catches it booting.
pub const DEMO_TIMEOUT: Duration = Duration::from_secs(8);

/// The demo's addresses are 127.77.0.x: a lab-looking /24 inside loopback.
const DEMO_NETWORK: [u8; 3] = [127, 77, 0];

/// A running fleet; dropping it stops every simulated device and removes its files.
pub struct Fleet {
    pub devices: Vec<Device>,
    servers: Vec<RunningDevice>,
    peers: Vec<RunningPeer>,
    /// Bound and never listening: the port refuses connections and stays reserved.
    closed_ports: Vec<TcpSocket>,
    /// Holds the demo's known_hosts.
    dir: TempDir,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let devices: Vec<String> = self
            .devices
            .iter()
            .map(|d| format!("{} {}:{}", d.name, d.host, d.port))
            .collect();
        f.debug_struct("Fleet")
            .field("devices", &devices)
            .field("known_hosts", &self.known_hosts())
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// The demo's own known_hosts file (inside a temporary directory).
    pub fn known_hosts(&self) -> PathBuf {
        known_hosts_path(self.dir.path())
    }

    /// The demo's inventory (sshtriage TOML, inside the same directory): the devices are
    /// loaded from it as from any inventory, so printed commands can name it.
    pub fn inventory(&self) -> PathBuf {
        self.dir.path().join("sshtriage.toml")
    }

    /// Stops every server and waits (bounded) until their listeners are closed.
    pub async fn shutdown(self) {
        let Fleet {
            servers,
            peers,
            closed_ports,
            dir,
            ..
        } = self;
        for server in servers {
            server.shutdown().await;
        }
        for peer in peers {
            peer.shutdown().await;
        }
        drop(closed_ports);
        drop(dir);
    }
}

/// The demo's own ssh_config: empty at the start, so the demo reads none of the user's, and the
/// place where a kex fix for an OpenSSH device is written (and read by the real ssh, -F).
const SSH_CONFIG: &str = "# sshtriage demo fleet: a temporary file, removed when the demo exits\n";

/// The ssh_config beside the demo inventory.
fn ssh_config_path(inventory: &Path) -> PathBuf {
    inventory.with_file_name("ssh_config")
}

fn known_hosts_path(dir: &Path) -> PathBuf {
    dir.join("known_hosts")
}

/// Starts the fleet on 127.77.0.x (127.0.0.1 where only that loopback address exists).
pub async fn start() -> io::Result<Fleet> {
    let dir = tempfile::Builder::new()
        .prefix("sshtriage-demo-")
        .tempdir()?;
    let known_hosts = known_hosts_path(dir.path());
    let whole_network = loopback_network_usable();
    let mut fleet = Fleet {
        devices: Vec::new(),
        servers: Vec::new(),
        peers: Vec::new(),
        closed_ports: Vec::new(),
        dir,
    };
    let mut entries =
        String::from("# sshtriage demo fleet: a temporary file, removed when the demo exits\n");
    let mut inventory = Vec::new();
    for story in stories::all()? {
        let ip = if whole_network {
            let [a, b, c] = DEMO_NETWORK;
            Ipv4Addr::new(a, b, c, story.octet)
        } else {
            Ipv4Addr::LOCALHOST
        };
        let bind = SocketAddr::new(IpAddr::V4(ip), 0);
        let Story {
            name,
            server,
            known_key,
            password,
            enable_secret,
            ..
        } = story;
        let (addr, key) = fleet.serve(server, bind).await?;
        let on_file = match (known_key, key) {
            (KnownKey::Trusted, Some(key)) => Some(key),
            (KnownKey::Stale, Some(_)) => Some(generate_ed25519_host_key()?.public_key().clone()),
            _ => None,
        };
        if let Some(key) = on_file {
            entries.push_str(&known_hosts_line(addr, &key)?);
        }
        inventory.push(inventory_device(
            name,
            password,
            enable_secret,
            addr,
            &known_hosts,
        ));
    }
    write_private(&known_hosts, entries.as_bytes())?;
    let inventory_path = fleet.inventory();
    write_private(&inventory_path, inventory_text(&inventory)?.as_bytes())?;
    write_private(&ssh_config_path(&inventory_path), SSH_CONFIG.as_bytes())?;
    fleet.devices = load(&inventory_path, None)?;
    Ok(fleet)
}

impl Fleet {
    /// Starts what listens for one story; returns its address and host key, if any.
    async fn serve(
        &mut self,
        server: Server,
        bind: SocketAddr,
    ) -> io::Result<(SocketAddr, Option<PublicKey>)> {
        match server {
            Server::Device(spec) => {
                let key = spec.host_key.public_key().clone();
                let running = spawn_device(*spec, bind).await?;
                let addr = running.addr;
                self.servers.push(running);
                Ok((addr, Some(key)))
            }
            Server::Misbehaving(kind) => {
                let peer = crate::lab::spawn_misbehaving(kind, bind).await?;
                let addr = peer.addr;
                self.peers.push(peer);
                Ok((addr, None))
            }
            Server::Closed => {
                crate::lab::ensure_loopback(bind)?;
                let socket = TcpSocket::new_v4()?;
                socket.bind(bind)?;
                let addr = socket.local_addr()?;
                self.closed_ports.push(socket);
                Ok((addr, None))
            }
        }
    }
}

/// Linux routes all of 127.0.0.0/8 to loopback; macOS configures only 127.0.0.1.
fn loopback_network_usable() -> bool {
    let [a, b, c] = DEMO_NETWORK;
    let probe = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(a, b, c, 1)), 0);
    std::net::TcpListener::bind(probe).is_ok()
}

/// One known_hosts line as ssh writes it: `[addr]:port` for ports other than 22.
fn known_hosts_line(addr: SocketAddr, key: &PublicKey) -> io::Result<String> {
    let name = crate::known_hosts::lookup_name(&addr.ip().to_string(), addr.port());
    let text = crate::known_hosts::key_line_text(key)
        .map_err(|e| io::Error::other(format!("a demo host key: {e}")))?;
    Ok(format!("{name} {text}\n"))
}

/// Creates a new file readable by its owner only, as ssh expects of known_hosts.
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// One `[[device]]` of the demo inventory.
#[derive(serde::Serialize)]
struct InventoryDevice<'a> {
    name: &'a str,
    host: String,
    port: u16,
    username: &'a str,
    password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_secret: Option<&'a str>,
    known_hosts: Vec<String>,
    host_key_policy: &'a str,
    timeout: String,
}

/// The inventory entry the demo probes for a story.
fn inventory_device<'a>(
    name: &'a str,
    password: &'a str,
    enable_secret: Option<&'a str>,
    addr: SocketAddr,
    known_hosts: &Path,
) -> InventoryDevice<'a> {
    InventoryDevice {
        name,
        host: addr.ip().to_string(),
        port: addr.port(),
        username: stories::USERNAME,
        password,
        enable_secret,
        known_hosts: vec![known_hosts.display().to_string()],
        host_key_policy: "accept-new",
        timeout: humantime::format_duration(DEMO_TIMEOUT).to_string(),
    }
}

/// The demo inventory as an sshtriage TOML file.
fn inventory_text(devices: &[InventoryDevice<'_>]) -> io::Result<String> {
    #[derive(serde::Serialize)]
    struct Inventory<'a> {
        device: &'a [InventoryDevice<'a>],
    }
    let text = toml::to_string(&Inventory { device: devices })
        .map_err(|e| io::Error::other(format!("the demo inventory: {e}")))?;
    Ok(format!(
        "# sshtriage demo fleet: a temporary file, removed when the demo exits\n{text}"
    ))
}

/// Loads the demo inventory as any inventory is loaded, with the demo's own ssh_config beside
/// it instead of the user's (the demo reads none of the user's files); `timeout` is
/// `--timeout` over the inventory's.
pub fn load(inventory: &Path, timeout: Option<Duration>) -> io::Result<Vec<Device>> {
    let selection = Selection {
        sources: vec![inventory.to_path_buf()],
        ssh_config: SshConfigChoice::File(ssh_config_path(inventory)),
        timeout,
        ..Selection::default()
    };
    let loaded = crate::sources::assemble(&selection, &Profiles::embedded())
        .map_err(|e| io::Error::other(format!("the demo inventory: {e}")))?;
    Ok(loaded.devices.into_iter().map(|(d, _)| d).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hosts_lines_use_brackets_for_other_ports() {
        let key = generate_ed25519_host_key().expect("ed25519 key");
        let key = key.public_key();
        let other =
            known_hosts_line("127.77.0.11:2222".parse().expect("literal"), key).expect("encodes");
        assert!(
            other.starts_with("[127.77.0.11]:2222 ssh-ed25519 "),
            "{other}"
        );
        let plain =
            known_hosts_line("127.77.0.11:22".parse().expect("literal"), key).expect("encodes");
        assert!(plain.starts_with("127.77.0.11 ssh-ed25519 "), "{plain}");
        assert!(plain.ends_with('\n'));
    }

    #[test]
    fn every_story_has_its_own_address_and_name() {
        let stories = stories::all().expect("stories build");
        assert!(stories.len() >= 12, "about a dozen devices");
        for (i, a) in stories.iter().enumerate() {
            for b in &stories[i + 1..] {
                assert_ne!(a.octet, b.octet, "{} and {}", a.name, b.name);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[tokio::test]
    async fn the_fleet_lives_on_loopback_with_its_own_known_hosts() {
        let fleet = tokio::time::timeout(Duration::from_secs(10), start())
            .await
            .expect("starts in time")
            .expect("starts");
        let path = fleet.known_hosts();
        let text = std::fs::read_to_string(&path).expect("known_hosts written");
        for d in &fleet.devices {
            let ip: IpAddr = d.host.parse().expect("literal address");
            assert!(ip.is_loopback(), "{} at {ip}", d.name);
            assert_eq!(d.known_hosts, vec![path.clone()]);
        }
        // Trusted, stale and unknown keys: not every device is on file.
        let lines = text.lines().filter(|l| !l.starts_with('#')).count();
        assert!(lines > 0 && lines < fleet.devices.len(), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let dir = path.parent().expect("in a directory").to_path_buf();
        tokio::time::timeout(Duration::from_secs(10), fleet.shutdown())
            .await
            .expect("stops in time");
        assert!(!dir.exists(), "the temporary directory is removed");
    }
}
