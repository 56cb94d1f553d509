//! The legacy-algorithm fix, for the engineer's own client: the algorithms it needs (the
//! strongest both sides can do, relative to what it offers now with the user's settings),
//! written where that client reads them (the ssh_config for OpenSSH, the host's
//! `ansible_ssh_common_args` for Ansible over ssh, `[device.algorithms]` for sshtriage's own
//! client), proven by probing again and, for OpenSSH, by the real `ssh`; else rolled back.
//! Where no file of the client can help (Paramiko 5, libssh under network_cli, Netmiko),
//! nothing is written and the advice says what does.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::FixError;
use super::ansible_edit::{self, AnsibleEdit};
use super::atomic;
use super::inventory_edit::{InventoryEdit, read_inventory, set_algorithms};
use super::ssh_config_edit::{self, ConfigEdit, Keyword};
use crate::algorithms::allowlist::{self, Category, ClientOffer};
use crate::algorithms::clients::{ClientProfile, Family};
use crate::algorithms::compat::{self, client_profiles};
use crate::algorithms::effective::{directive, effective_offer};
use crate::algorithms::negotiate::is_kex_marker;
use crate::algorithms::resolve::{self, Resolved};
use crate::algorithms::snippets::{self, DeviceRef, Snippet, SnippetKind};
use crate::device::{
    AlgorithmSetting, ClientKind, Device, Origin, SettingVia, UsedBy, ValueSource,
};
use crate::engine::{self, Shared};
use crate::model::{
    AlgorithmLists, DeviceReport, Event, Failure, FixSnippet, LocalClients, SnippetLine, Stage,
    Status,
};
use crate::sources::sshtriage::Inventory;

/// What the device's key exchange needs from the engineer's client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// The key exchange passes already; the stage's own sentence.
    Passes(String),
    /// The device did not get as far as comparing algorithms, or kex failed for another
    /// reason; an allow-list would not help.
    NotAlgorithms(String),
    /// No setting of this client can make it connect; what can (another version, client).
    Cannot(CannotConnect),
    Needs(AlgorithmFix),
}

/// The device's own client cannot connect, whatever its settings. Sentences about it name
/// that client, never sshtriage: the probe is only the instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannotConnect {
    /// `Netmiko 4.8 (Paramiko 5.1) cannot connect`, the client named as `check` names it.
    pub headline: String,
    /// What follows it: `the device offers only … Clients that can: …`.
    pub why: String,
}

impl CannotConnect {
    /// `Netmiko 4.8 (Paramiko 5.1) cannot connect: the device offers only …`.
    pub fn sentence(&self) -> String {
        format!("{}: {}", self.headline, self.why)
    }
}

/// The algorithms the client needs and where they go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmFix {
    /// `OpenSSH 9.2p1 (Debian 12) (this machine), used by ssh`.
    pub client: String,
    pub kind: ClientKind,
    /// In protocol order, strongest both sides can do.
    pub additions: Vec<(Category, String)>,
    pub route: Route,
}

/// Where a fix is written: where the client reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Options in the ssh_config OpenSSH reads for `ssh HOST`.
    SshConfig {
        path: PathBuf,
        host: String,
        /// Read alone (`ssh -F`), as `--ssh-config` says.
        only: bool,
        options: Vec<(Keyword, String)>,
    },
    /// `-o` options in the host's `ansible_ssh_common_args` (Ansible's ssh connection).
    AnsibleSsh {
        inventory: PathBuf,
        host: String,
        args: Vec<String>,
    },
    /// sshtriage's own client: `[device.algorithms]` in the TOML inventory.
    Inventory { specs: Vec<SpecChange> },
    /// Nothing is written: no file this client reads can carry it. Says what to do.
    Advice(String),
}

/// One `[device.algorithms]` key before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecChange {
    pub category: Category,
    /// The value in effect now (the device's own or the `[defaults]` one).
    pub before: Option<String>,
    pub after: String,
}

impl AlgorithmFix {
    /// `kex +a, cipher +b,c` for sentences.
    pub fn summary(&self) -> String {
        Category::ALL
            .iter()
            .filter_map(|&c| {
                let names = self.names(c);
                (!names.is_empty()).then(|| format!("{} +{}", c.key(), names.join(",")))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn names(&self, category: Category) -> Vec<&str> {
        self.additions
            .iter()
            .filter(|(cat, _)| *cat == category)
            .map(|(_, n)| n.as_str())
            .collect()
    }

    pub fn specs(&self) -> Vec<(Category, String)> {
        match &self.route {
            Route::Inventory { specs } => specs
                .iter()
                .map(|s| (s.category, s.after.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }
}

pub fn kex_passes(report: &DeviceReport) -> bool {
    report
        .result(Stage::Kex)
        .is_some_and(|r| matches!(r.status, Status::Ok | Status::Warn))
}

/// Reads a probe report: does the device's client need algorithms, which, and where.
pub fn diagnose(device: &Device, report: &DeviceReport, local: &LocalClients) -> Diagnosis {
    if let Some(kex) = report.result(Stage::Kex).filter(|_| kex_passes(report)) {
        return Diagnosis::Passes(kex.detail.clone());
    }
    let failure = report.failure.as_ref();
    let algorithm_failure = failure.is_some_and(|f| f.reason.is_no_common_algorithm());
    let (Some(evidence), true) = (&report.algorithms, algorithm_failure) else {
        let why = match failure {
            Some(f) => format!("it fails at {} ({}): {}", f.stage, f.reason, f.message),
            None => "it has not been probed through the key exchange".to_owned(),
        };
        return Diagnosis::NotAlgorithms(format!("An allow-list does not help here: {why}"));
    };
    let clients = resolve::resolve(&device.client, local);
    let primary = &clients.primary;
    let as_run = effective_offer(primary.profile, primary.kind, &device.client, &[])
        .profile(primary.profile);
    let c = compat::compatibility(&as_run, &evidence.server);
    if let Some(cannot) = c.cannot {
        let who = crate::algorithms::verdict::who(primary);
        // "…, used by your Netmiko scripts, cannot connect": the clause closes before the verb.
        let headline = match primary.used_by {
            Some(_) => format!("{who}, cannot connect"),
            None => format!("{who} cannot connect"),
        };
        let why = compat::cannot_reason(&cannot, &as_run.name)
            .map(str::to_owned)
            // Not worded as expected: said whole after the client's name.
            .unwrap_or(cannot);
        return Diagnosis::Cannot(CannotConnect { headline, why });
    }
    let Some(fix) = c.fix else {
        return Diagnosis::NotAlgorithms(
            "the lists predict a key exchange, yet it failed; an allow-list does not help"
                .to_owned(),
        );
    };
    let mut needs = AlgorithmFix {
        client: crate::algorithms::verdict::who(primary),
        kind: primary.kind,
        additions: fix.additions.clone(),
        route: Route::Advice(String::new()),
    };
    needs.route = route(device, primary, &as_run, &needs, &evidence.server);
    Diagnosis::Needs(needs)
}

/// Where the client reads the fix, or what to say when it reads none.
fn route(
    device: &Device,
    primary: &Resolved,
    as_run: &ClientProfile,
    fix: &AlgorithmFix,
    server: &AlgorithmLists,
) -> Route {
    let openssh_options = || -> Vec<(Keyword, String)> {
        let mut options: Vec<(Keyword, String)> = Category::ALL
            .iter()
            .filter(|&&c| !fix.names(c).is_empty())
            .map(|&c| {
                (
                    Keyword::for_category(c),
                    format!("+{}", fix.names(c).join(",")),
                )
            })
            .collect();
        // A device with only an ssh-rsa host key also wants ssh-rsa user-key signatures,
        // which OpenSSH 8.8 and later no longer make by default.
        if fix.names(Category::HostKey).contains(&"ssh-rsa") {
            options.push((Keyword::PubkeyAcceptedAlgorithms, "+ssh-rsa".to_owned()));
        }
        options
    };
    match (primary.kind, primary.used_by, &device.origin) {
        (ClientKind::Openssh, Some(UsedBy::AnsibleSsh), Origin::File { path, .. }) => {
            let args = openssh_options()
                .into_iter()
                .flat_map(|(k, v)| ["-o".to_owned(), format!("{}={v}", k.name())])
                .collect();
            Route::AnsibleSsh {
                inventory: path.clone(),
                host: device.name.clone(),
                args,
            }
        }
        (ClientKind::Openssh, ..) => match &device.client.ssh_config {
            Some(path) => Route::SshConfig {
                path: path.clone(),
                host: device
                    .client
                    .ssh_name
                    .clone()
                    .unwrap_or_else(|| device.host.clone()),
                only: device.client.ssh_config_only,
                options: openssh_options(),
            },
            // The user turned ssh_config off for this run: no file to write into.
            None => Route::Advice(format!(
                "ssh reads these from an ssh_config, and this run reads none (--no-ssh-config): \
                 give --ssh-config FILE, or add to the Host block for {}: {}",
                device.host,
                openssh_options()
                    .iter()
                    .map(|(k, v)| format!("{} {v}", k.name()))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        },
        (ClientKind::Russh, ..) => Route::Inventory {
            specs: Category::ALL
                .iter()
                .filter(|&&category| !fix.names(category).is_empty())
                .map(|&category| {
                    let before = device
                        .allowlist
                        .iter()
                        .find(|(c, _)| *c == category)
                        .map(|(_, s)| s.clone());
                    let after = merged_spec(
                        before.as_deref(),
                        device.offer.get(category),
                        &fix.names(category),
                    );
                    SpecChange {
                        category,
                        before,
                        after,
                    }
                })
                .collect(),
        },
        (kind, ..) => Route::Advice(advice(device, kind, as_run, server)),
    }
}

/// What to do for a client sshtriage writes nothing for: its own snippet, and what else
/// would work.
fn advice(
    device: &Device,
    kind: ClientKind,
    as_run: &ClientProfile,
    server: &AlgorithmLists,
) -> String {
    let device_ref = DeviceRef {
        name: &device.name,
        host: &device.host,
        port: device.port,
        user: device.username.as_deref(),
    };
    let c = compat::compatibility(as_run, server);
    let mut text: Vec<String> = snippets::snippets_for(&device_ref, as_run, &c, server)
        .into_iter()
        .map(|s| s.text)
        .collect();
    match kind {
        ClientKind::Libssh => text.push(format!(
            "sshtriage writes none of this for you: Ansible's libssh options are host variables and \
             its ciphers and MACs only live in ~/.ssh/config. Or run this device with \
             ansible_network_cli_ssh_type=paramiko and a Paramiko that still has them \
             (pip install \"paramiko<5\"), or through OpenSSH (ansible_connection: ssh). {}",
            directive(Category::Kex)
        )),
        ClientKind::Scrapli => text.push(
            "scrapli's system transport runs ssh with -F /dev/null: add the options to \
             transport_options={\"open_cmd\": [\"-o\", \"KexAlgorithms=+…\"]} (one list item per word)."
                .to_owned(),
        ),
        ClientKind::Paramiko | ClientKind::Netmiko => text.push(
            "Paramiko offers every algorithm it implements; only another version adds more: \
             pip install \"paramiko<5\" (Ansible network_cli), netmiko[par4] (Netmiko), or \
             ansible_network_cli_ssh_type=libssh / ansible_connection: ssh."
                .to_owned(),
        ),
        ClientKind::Openssh | ClientKind::Russh => {}
    }
    text.join("\n")
}

/// The allow-list value that keeps what `before` says and adds `names`: appended to a `+` or
/// `^` list or a full list; a `-` removal cannot also add, so it becomes the full list in
/// effect plus the names.
pub fn merged_spec(before: Option<&str>, offer: &[String], names: &[&str]) -> String {
    let spec = before.map(str::trim).unwrap_or_default();
    if spec.is_empty() {
        return format!("+{}", names.join(","));
    }
    if spec.starts_with('-') {
        let mut list: Vec<&str> = offer
            .iter()
            .map(String::as_str)
            .filter(|n| !is_kex_marker(n))
            .collect();
        for name in names {
            if !list.contains(name) {
                list.push(name);
            }
        }
        return list.join(",");
    }
    let spec = spec.trim_end_matches([',', ' ']);
    let present: Vec<&str> = spec
        .trim_start_matches(['+', '^'])
        .split(',')
        .map(str::trim)
        .collect();
    let new: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !present.contains(n))
        .collect();
    if new.is_empty() {
        spec.to_owned()
    } else {
        format!("{spec},{}", new.join(","))
    }
}

/// The change to write, whichever file it goes to.
#[derive(Debug, Clone)]
pub enum Edit {
    Inventory(InventoryEdit),
    SshConfig(ConfigEdit),
    AnsibleSsh(AnsibleEdit),
}

impl Edit {
    pub fn path(&self) -> &std::path::Path {
        match self {
            Edit::Inventory(e) => &e.path,
            Edit::SshConfig(e) => &e.path,
            Edit::AnsibleSsh(e) => &e.path,
        }
    }

    pub fn removed(&self) -> &[crate::model::FileLine] {
        match self {
            Edit::Inventory(e) => &e.removed,
            Edit::SshConfig(e) => &e.removed,
            Edit::AnsibleSsh(e) => &e.removed,
        }
    }

    pub fn added(&self) -> &[crate::model::FileLine] {
        match self {
            Edit::Inventory(e) => &e.added,
            Edit::SshConfig(e) => &e.added,
            Edit::AnsibleSsh(e) => &e.added,
        }
    }

    /// Writes it; returns the backup (None for a file that did not exist).
    fn write(&self) -> Result<Option<PathBuf>, FixError> {
        match self {
            Edit::Inventory(e) => Ok(Some(atomic::replace_checked(
                &e.path,
                &e.original,
                e.updated.as_bytes(),
            )?)),
            Edit::SshConfig(e) => {
                ssh_config_edit::apply(e).map_err(|err| FixError::Inventory(err.to_string()))
            }
            Edit::AnsibleSsh(e) => {
                ansible_edit::apply(e).map_err(|err| FixError::Inventory(err.to_string()))
            }
        }
    }

    /// Puts the original bytes back (or removes a file the edit created).
    fn undo(&self) -> Result<(), FixError> {
        match self {
            Edit::Inventory(e) => atomic::restore(&e.path, &e.original),
            Edit::SshConfig(e) => {
                ssh_config_edit::rollback(e).map_err(|err| FixError::Inventory(err.to_string()))
            }
            Edit::AnsibleSsh(e) => {
                ansible_edit::rollback(e).map_err(|err| FixError::Inventory(err.to_string()))
            }
        }
    }
}

/// A fix ready to apply: the change and the device as it will be probed.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub fix: AlgorithmFix,
    /// None when the change lives in this session only (a russh fix for a `--host` device).
    pub edit: Option<Edit>,
    pub device: Device,
}

/// Works out the edit and the device after it. Every editor reads its new text back as its
/// client would before it is accepted, so what is written takes effect.
pub fn prepare(device: &Device, fix: AlgorithmFix) -> Result<Prepared, FixError> {
    let mut after = device.clone();
    let edit = match &fix.route {
        Route::Advice(advice) => return Err(FixError::Inventory(advice.clone())),
        Route::SshConfig {
            path,
            host,
            options,
            ..
        } => {
            let edit = ssh_config_edit::plan(path, host, options)
                .map_err(|e| FixError::Inventory(e.to_string()))?;
            for (keyword, value) in options {
                set_client(
                    &mut after,
                    keyword_category(*keyword),
                    value,
                    SettingVia::SshConfig,
                    path,
                );
            }
            Some(Edit::SshConfig(edit))
        }
        Route::AnsibleSsh {
            inventory,
            host,
            args,
        } => {
            let edit = ansible_edit::plan_ssh_args(inventory, host, args)
                .map_err(|e| FixError::Inventory(e.to_string()))?;
            for pair in args.chunks(2) {
                if let [_, option] = pair
                    && let Some((name, value)) = option.split_once('=')
                    && let Some(category) = Category::ALL
                        .into_iter()
                        .find(|c| directive(*c).eq_ignore_ascii_case(name))
                {
                    set_client(
                        &mut after,
                        Some(category),
                        value,
                        SettingVia::CommandLine,
                        &edit.path,
                    );
                }
            }
            Some(Edit::AnsibleSsh(edit))
        }
        Route::Inventory { specs } => match &device.origin {
            Origin::File { path, .. } => {
                let original = read_inventory(path)?;
                let edit = set_algorithms(path, &original, &device.name, &fix.specs())?;
                let reloaded = Inventory::parse(path, &edit.updated).map_err(|e| {
                    FixError::Inventory(format!("the edited inventory would not load: {e}"))
                })?;
                let parsed = reloaded
                    .devices
                    .into_iter()
                    .find(|d| d.name == device.name)
                    .ok_or_else(|| {
                        FixError::Inventory(format!(
                            "the edited inventory lost the device \"{}\"",
                            device.name
                        ))
                    })?;
                after.offer = parsed.offer;
                after.allowlist = parsed.allowlist;
                after.client.settings = parsed.client.settings;
                Some(Edit::Inventory(edit))
            }
            Origin::CommandLine => {
                let defaults = ClientOffer::default();
                for spec in specs {
                    let list =
                        allowlist::apply(spec.category, defaults.get(spec.category), &spec.after)
                            .map_err(|e| {
                            FixError::Inventory(format!("{}: {e}", spec.category.key()))
                        })?;
                    *after.offer.get_mut(spec.category) = list;
                    after.allowlist.retain(|(c, _)| *c != spec.category);
                    after.allowlist.push((spec.category, spec.after.clone()));
                    set_client(
                        &mut after,
                        Some(spec.category),
                        &spec.after,
                        SettingVia::Probe,
                        std::path::Path::new("(this session)"),
                    );
                }
                None
            }
        },
    };
    Ok(Prepared {
        fix,
        edit,
        device: after,
    })
}

fn keyword_category(keyword: Keyword) -> Option<Category> {
    Category::ALL
        .into_iter()
        .find(|c| Keyword::for_category(*c) == keyword)
}

/// The device as its client will read it after the edit: this setting first for its kind.
fn set_client(
    device: &mut Device,
    category: Option<Category>,
    value: &str,
    via: SettingVia,
    file: &std::path::Path,
) {
    let Some(category) = category else {
        return;
    };
    device
        .client
        .settings
        .retain(|s| !(s.via == via && s.category == category));
    device.client.settings.insert(
        0,
        AlgorithmSetting {
            category,
            value: value.to_owned(),
            via,
            source: ValueSource::file(file, 0),
        },
    );
}

/// What became of the change after the verifying probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollback {
    /// The device passes; the change stays.
    NotNeeded,
    /// It does not pass, and the user said to keep the change.
    Kept,
    /// The original bytes are back in place.
    RolledBack,
    /// Restoring failed; the message says what to do by hand.
    Failed(String),
}

/// What the real client said of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// It completed the key exchange: `command` as run.
    Passed { command: String },
    /// It did not; what it said.
    Failed { command: String, said: String },
    /// The client is not installed here, or this route has no client to run.
    NotRun(String),
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub backup: Option<PathBuf>,
    pub after: DeviceReport,
    pub proof: Proof,
    /// `NotNeeded` exactly when the device passes now (and the real client agrees).
    pub rollback: Rollback,
}

/// Writes the change, probes the device again (and runs the real client where there is
/// one), and restores the original bytes when the key exchange still fails (unless `keep`).
pub async fn apply_and_verify(
    prepared: &Prepared,
    shared: &Shared,
    index: usize,
    events: Option<UnboundedSender<Event>>,
    keep: bool,
) -> Result<Verification, FixError> {
    let backup = match &prepared.edit {
        Some(edit) => edit.write()?,
        None => None,
    };
    let after = bounded_probe(&prepared.device, shared, index, events).await;
    let proof = prove(prepared).await;
    let passes = kex_passes(&after) && !matches!(proof, Proof::Failed { .. });
    let rollback = match (&prepared.edit, passes, keep) {
        (_, true, _) => Rollback::NotNeeded,
        (_, false, true) => Rollback::Kept,
        (None, false, false) => Rollback::RolledBack,
        (Some(edit), false, false) => match edit.undo() {
            Ok(()) => Rollback::RolledBack,
            Err(e) => Rollback::Failed(format!(
                "{e}; the original is in {}",
                backup
                    .as_ref()
                    .map(|b| b.display().to_string())
                    .unwrap_or_default()
            )),
        },
    };
    Ok(Verification {
        backup,
        after,
        proof,
        rollback,
    })
}

/// The real ssh, as the engineer runs it for this device, up to authentication: a key
/// exchange it completes proves the options took effect. No credential is offered.
async fn prove(prepared: &Prepared) -> Proof {
    let device = &prepared.device;
    let port = device.port.to_string();
    let mut args: Vec<String> = Vec::new();
    let target = match &prepared.fix.route {
        Route::SshConfig {
            path, host, only, ..
        } => {
            if *only {
                args.extend(["-F".to_owned(), path.display().to_string()]);
            }
            host.clone()
        }
        Route::AnsibleSsh { .. } => {
            let Some(Edit::AnsibleSsh(edit)) = &prepared.edit else {
                return Proof::NotRun("no edit".into());
            };
            args.extend(shell_words(&edit.args));
            args.extend(["-F".to_owned(), "/dev/null".to_owned()]);
            device.host.clone()
        }
        Route::Inventory { .. } | Route::Advice(_) => {
            return Proof::NotRun("sshtriage's own client is the probe itself".into());
        }
    };
    for option in [
        "BatchMode=yes",
        "StrictHostKeyChecking=no",
        "UserKnownHostsFile=/dev/null",
        "ConnectTimeout=10",
        "PubkeyAuthentication=no",
        "PasswordAuthentication=no",
        "KbdInteractiveAuthentication=no",
        "GSSAPIAuthentication=no",
        "HostbasedAuthentication=no",
    ] {
        args.extend(["-o".to_owned(), option.to_owned()]);
    }
    args.extend([
        "-v".to_owned(),
        "-p".to_owned(),
        port,
        target,
        "true".to_owned(),
    ]);
    let command = format!("ssh {}", args.join(" "));
    let run = tokio::process::Command::new("ssh")
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = match tokio::time::timeout(Duration::from_secs(20), run).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Proof::NotRun(format!("ssh cannot be run here: {e}")),
        Err(_) => {
            return Proof::Failed {
                command,
                said: "no answer within 20 s".into(),
            };
        }
    };
    let said = String::from_utf8_lossy(&out.stderr);
    if said.contains("SSH2_MSG_NEWKEYS received") {
        Proof::Passed { command }
    } else {
        let said = said
            .lines()
            .filter(|l| !l.starts_with("debug1:"))
            .collect::<Vec<_>>()
            .join(" ");
        Proof::Failed {
            command,
            said: crate::wire::ident::clip(&said, 300),
        }
    }
}

/// Ansible's args as the words ssh gets (shlex-style: quotes group, backslash escapes).
fn shell_words(text: &str) -> Vec<String> {
    crate::sources::ssh_config::split_words(text).unwrap_or_default()
}

/// Probes one device with a bound on the whole walk, so a fix never hangs.
pub async fn bounded_probe(
    device: &Device,
    shared: &Shared,
    index: usize,
    events: Option<UnboundedSender<Event>>,
) -> DeviceReport {
    let bound = device
        .timeout
        .saturating_mul(12)
        .saturating_add(Duration::from_secs(5));
    match tokio::time::timeout(bound, engine::probe(device, shared, index, events)).await {
        Ok(report) => report,
        Err(_) => DeviceReport {
            name: device.name.clone(),
            host: device.host.clone(),
            port: device.port,
            failure: Some(Failure {
                stage: Stage::Dns,
                reason: crate::model::Reason::DnsTimeout,
                message: format!(
                    "the probe did not finish within {}",
                    humantime::format_duration(bound)
                ),
            }),
            ..Default::default()
        },
    }
}

/// The stages a probe ran, with their marks: `dns ✓  tcp ✓  banner ✓  kex ✗ no_common_kex`.
pub fn stage_line(report: &DeviceReport) -> String {
    let parts: Vec<String> = report
        .stages
        .iter()
        .filter(|r| r.status != Status::Skip)
        .map(|r| match r.status {
            Status::Ok => format!("{} ✓", r.stage),
            Status::Warn => format!("{} !", r.stage),
            _ => match r.reason {
                Some(reason) => format!("{} ✗ {reason}", r.stage),
                None => format!("{} ✗ failed", r.stage),
            },
        })
        .collect();
    match (parts.is_empty(), &report.failure) {
        (false, _) => parts.join("  "),
        (true, Some(f)) => format!("✗ {}", f.message),
        (true, None) => "(no stage ran)".to_owned(),
    }
}

/// Copy-ready text for the other clients (OpenSSH, Ansible, Paramiko, Netmiko), one per
/// distinct text, titled with every client it is for: (title, text). Versions whose text
/// differs only by their names share one that names them all.
pub fn other_client_snippets(device: &Device, server: &AlgorithmLists) -> Vec<(String, String)> {
    client_snippets(device, server)
        .into_iter()
        .map(|s| (s.title, s.text))
        .collect()
}

/// The snippets of [`other_client_snippets`] as the fix dialog shows them and writes them to
/// a file: each line marked as text to paste (kept whole) or a sentence (wrapped).
pub fn dialog_snippets(device: &Device, server: &AlgorithmLists) -> Vec<FixSnippet> {
    client_snippets(device, server)
        .into_iter()
        .map(|s| FixSnippet {
            lines: s
                .text
                .lines()
                .map(|line| SnippetLine {
                    text: line.to_owned(),
                    paste: s.kind.is_paste(line),
                })
                .collect(),
            title: s.title,
        })
        .collect()
}

/// One distinct snippet: the clients it is for (and what it is), its kind, its text.
struct ClientSnippet {
    title: String,
    kind: SnippetKind,
    text: String,
}

fn client_snippets(device: &Device, server: &AlgorithmLists) -> Vec<ClientSnippet> {
    let device_ref = DeviceRef {
        name: &device.name,
        host: &device.host,
        port: device.port,
        user: device.username.as_deref(),
    };
    // (clients, the first snippet with this text, the client's name left open)
    let mut found: Vec<(Vec<String>, Snippet)> = Vec::new();
    for profile in client_profiles()
        .iter()
        .filter(|p| p.family != Family::Russh)
    {
        // Each client as the user's settings make it: a snippet never repeats what is set.
        let kind = match profile.family {
            Family::Openssh => ClientKind::Openssh,
            Family::Paramiko => ClientKind::Paramiko,
            Family::Netmiko => ClientKind::Netmiko,
            Family::Libssh => ClientKind::Libssh,
            Family::Russh => ClientKind::Russh,
        };
        let mut as_run = effective_offer(profile, kind, &device.client, &[]).profile(profile);
        // Versions whose text differs only by their names share one snippet naming them all
        // (Paramiko 5.0 and 5.1's long "cannot" paragraph is said once).
        as_run.name = snippets::SOME_CLIENTS.to_owned();
        let c = compat::compatibility(&as_run, server);
        for snippet in snippets::snippets_for(&device_ref, &as_run, &c, server) {
            if let Some(same) = found
                .iter_mut()
                .find(|(_, s)| s.kind == snippet.kind && s.text == snippet.text)
            {
                same.0.push(profile.name.clone());
                continue;
            }
            found.push((vec![profile.name.clone()], snippet));
        }
    }
    found
        .into_iter()
        .map(|(clients, snippet)| {
            let names = clients.join(", ");
            let title = match snippet.kind {
                SnippetKind::Statement => names,
                _ => format!(
                    "{names} · {}",
                    snippets::name_clients(&snippet.title, &clients)
                ),
            };
            ClientSnippet {
                title,
                kind: snippet.kind,
                text: snippets::name_clients(&snippet.text, &clients),
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::Reason;
    use crate::model::{AlgorithmEvidence, StageResult};
    use std::path::Path;

    fn v(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    fn legacy_server() -> AlgorithmLists {
        AlgorithmLists {
            kex: v(&[
                "diffie-hellman-group14-sha1",
                "kex-strict-s-v00@openssh.com",
            ]),
            host_key: v(&["ssh-rsa"]),
            cipher_c2s: v(&["aes128-cbc"]),
            cipher_s2c: v(&["aes128-cbc"]),
            mac_c2s: v(&["hmac-sha1"]),
            mac_s2c: v(&["hmac-sha1"]),
            compression_c2s: v(&["none"]),
            compression_s2c: v(&["none"]),
        }
    }

    /// A device whose probe failed at kex against `server`'s offer (also used by `fix::session`).
    pub(crate) fn failed_at_kex(server: AlgorithmLists) -> DeviceReport {
        DeviceReport {
            failure: Some(Failure {
                stage: Stage::Kex,
                reason: Reason::NoCommonKex,
                message: "no key exchange algorithm in common".into(),
            }),
            stages: vec![StageResult {
                stage: Stage::Kex,
                status: Status::Fail,
                elapsed_ms: 1.0,
                reason: Some(Reason::NoCommonKex),
                detail: "no key exchange algorithm in common".into(),
                beyond: None,
                commands: Vec::new(),
            }],
            algorithms: Some(AlgorithmEvidence {
                server: server.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn device(extra: &str) -> Device {
        let text = format!("[[device]]\nname = \"old\"\nhost = \"127.0.0.1\"\n{extra}");
        Inventory::parse(Path::new("t.toml"), &text)
            .expect("valid")
            .devices
            .remove(0)
    }

    fn here() -> LocalClients {
        LocalClients::default()
    }

    fn specs(fix: &AlgorithmFix) -> Vec<(Category, String, Option<String>)> {
        match &fix.route {
            Route::Inventory { specs } => specs
                .iter()
                .map(|s| (s.category, s.after.clone(), s.before.clone()))
                .collect(),
            other => panic!("not an inventory fix: {other:?}"),
        }
    }

    #[test]
    fn sshtriages_own_client_gets_its_allow_list() {
        let d = device("client = \"russh\"\n");
        let Diagnosis::Needs(fix) = diagnose(&d, &failed_at_kex(legacy_server()), &here()) else {
            panic!("a fix is expected")
        };
        assert_eq!(
            fix.summary(),
            "kex +diffie-hellman-group14-sha1, cipher +aes128-cbc, mac +hmac-sha1"
        );
        assert_eq!(
            specs(&fix),
            vec![
                (Category::Kex, "+diffie-hellman-group14-sha1".into(), None),
                (Category::Cipher, "+aes128-cbc".into(), None),
                (Category::Mac, "+hmac-sha1".into(), None),
            ]
        );
    }

    #[test]
    fn what_the_allow_list_has_already_is_kept_and_not_asked_again() {
        let d = device(
            "client = \"russh\"\n[device.algorithms]\nkex = \"+diffie-hellman-group1-sha1\"\nmac = \"+hmac-sha1\"\n",
        );
        let Diagnosis::Needs(fix) = diagnose(&d, &failed_at_kex(legacy_server()), &here()) else {
            panic!("a fix is expected")
        };
        assert_eq!(
            fix.summary(),
            "kex +diffie-hellman-group14-sha1, cipher +aes128-cbc"
        );
        let specs = specs(&fix);
        assert_eq!(
            specs[0].1,
            "+diffie-hellman-group1-sha1,diffie-hellman-group14-sha1"
        );
        assert_eq!(specs[0].2.as_deref(), Some("+diffie-hellman-group1-sha1"));
    }

    #[test]
    fn an_openssh_device_gets_lines_in_its_ssh_config() {
        let mut d = device("");
        d.client.ssh_config = Some("/home/u/.ssh/config".into());
        d.client.ssh_name = Some("old-box".into());
        let Diagnosis::Needs(fix) = diagnose(&d, &failed_at_kex(legacy_server()), &here()) else {
            panic!("a fix is expected")
        };
        assert!(fix.client.starts_with("OpenSSH"), "{}", fix.client);
        let Route::SshConfig {
            path,
            host,
            options,
            ..
        } = &fix.route
        else {
            panic!("an ssh_config fix: {:?}", fix.route)
        };
        assert_eq!(path, Path::new("/home/u/.ssh/config"));
        assert_eq!(host, "old-box");
        let options: Vec<(&str, &str)> = options
            .iter()
            .map(|(k, v)| (k.name(), v.as_str()))
            .collect();
        // OpenSSH already offers hmac-sha1: no MAC line is added.
        assert_eq!(
            options,
            vec![
                ("KexAlgorithms", "+diffie-hellman-group14-sha1"),
                ("HostKeyAlgorithms", "+ssh-rsa"),
                ("Ciphers", "+aes128-cbc"),
                ("PubkeyAcceptedAlgorithms", "+ssh-rsa"),
            ]
        );
    }

    #[test]
    fn clients_no_file_can_change_get_advice_not_an_edit() {
        let libssh = device("client = \"libssh-0.11\"\n");
        let Diagnosis::Needs(fix) = diagnose(&libssh, &failed_at_kex(legacy_server()), &here())
        else {
            panic!("a fix is expected")
        };
        let Route::Advice(advice) = &fix.route else {
            panic!("advice: {:?}", fix.route)
        };
        assert!(
            advice.contains("ansible_libssh_key_exchange_algorithms"),
            "{advice}"
        );
        assert!(prepare(&libssh, fix.clone()).is_err(), "nothing to write");
        // Paramiko 5 cannot be told anything at all.
        let paramiko = device("client = \"paramiko-5.1\"\n");
        assert!(matches!(
            diagnose(&paramiko, &failed_at_kex(legacy_server()), &here()),
            Diagnosis::Cannot(c) if c.sentence().contains("Paramiko 5")
        ));
    }

    #[test]
    fn merging_follows_the_openssh_syntax() {
        let offer = v(&["a", "b", "ext-info-c"]);
        assert_eq!(merged_spec(None, &offer, &["x"]), "+x");
        assert_eq!(merged_spec(Some("+a"), &offer, &["x", "y"]), "+a,x,y");
        assert_eq!(merged_spec(Some("^a,"), &offer, &["x"]), "^a,x");
        assert_eq!(merged_spec(Some("a,b"), &offer, &["b", "x"]), "a,b,x");
        assert_eq!(merged_spec(Some("+x"), &offer, &["x"]), "+x");
        assert_eq!(merged_spec(Some("-c*"), &offer, &["x"]), "a,b,x");
    }

    #[test]
    fn other_failures_and_impossible_servers_are_said_plainly() {
        let mut report = failed_at_kex(legacy_server());
        report.failure = Some(Failure {
            stage: Stage::Tcp,
            reason: Reason::TcpRefused,
            message: "connection refused".into(),
        });
        assert!(matches!(
            diagnose(&device(""), &report, &here()),
            Diagnosis::NotAlgorithms(m) if m.contains("fails at tcp (refused)")
        ));
        let rc4 = AlgorithmLists {
            cipher_c2s: v(&["arcfour"]),
            cipher_s2c: v(&["arcfour"]),
            ..legacy_server()
        };
        assert!(matches!(
            diagnose(&device(""), &failed_at_kex(rc4), &here()),
            Diagnosis::Cannot(c) if c.sentence().contains("arcfour")
        ));
        let mut ok = DeviceReport::default();
        ok.stages.push(StageResult {
            stage: Stage::Kex,
            status: Status::Ok,
            elapsed_ms: 1.0,
            reason: None,
            detail: "kex curve25519-sha256".into(),
            beyond: None,
            commands: Vec::new(),
        });
        assert_eq!(
            diagnose(&device(""), &ok, &here()),
            Diagnosis::Passes("kex curve25519-sha256".into())
        );
    }

    #[test]
    fn a_command_line_russh_device_gets_the_change_in_memory() {
        let target = crate::device::parse_host_arg("127.0.0.1:2222").expect("arg");
        let mut d = Device::from_target(&target);
        d.client.request = crate::device::ClientRequest::Fixed {
            kind: ClientKind::Russh,
            version: None,
        };
        let Diagnosis::Needs(fix) = diagnose(&d, &failed_at_kex(legacy_server()), &here()) else {
            panic!("a fix is expected")
        };
        let prepared = prepare(&d, fix).expect("prepared");
        assert!(prepared.edit.is_none());
        assert!(
            prepared
                .device
                .offer
                .kex
                .contains(&"diffie-hellman-group14-sha1".to_string())
        );
        assert!(prepared.device.offer.mac.contains(&"hmac-sha1".to_string()));
    }

    #[test]
    fn stage_lines_show_marks_and_reasons() {
        let report = failed_at_kex(legacy_server());
        assert_eq!(stage_line(&report), "kex ✗ no_common_kex");
        assert_eq!(stage_line(&DeviceReport::default()), "(no stage ran)");
    }

    #[test]
    fn snippets_for_other_clients_are_distinct() {
        let snippets = other_client_snippets(&device(""), &legacy_server());
        let texts: Vec<&str> = snippets.iter().map(|(_, t)| t.as_str()).collect();
        assert!(
            texts
                .iter()
                .any(|t| t.contains("KexAlgorithms +diffie-hellman-group14-sha1"))
        );
        assert!(texts.iter().any(|t| t.contains("ansible_ssh_common_args")));
        for (i, t) in texts.iter().enumerate() {
            assert!(!texts[i + 1..].contains(t), "duplicate {t}");
        }
    }

    #[test]
    fn one_cannot_paragraph_names_every_version_it_is_for() {
        let snippets = other_client_snippets(&device(""), &legacy_server());
        // Paramiko 5.0 and 5.1 differ only by their names: one paragraph, naming both.
        let cannot: Vec<&(String, String)> = snippets
            .iter()
            .filter(|(_, t)| t.contains("Paramiko 5 removed the SHA-1 key exchanges"))
            .collect();
        assert_eq!(cannot.len(), 1, "{snippets:#?}");
        let (title, text) = cannot[0];
        assert_eq!(title, "Paramiko 5.0, Paramiko 5.1 · Ansible network_cli");
        assert!(
            text.starts_with(
                "ansible_connection: network_cli (Paramiko): Paramiko 5.0 and Paramiko 5.1 \
                 cannot connect: the device offers only diffie-hellman-group14-sha1 for key exchange"
            ),
            "{text}"
        );
        // The clients it names as alternatives are kept as they are.
        assert!(
            text.contains("Clients that can: Paramiko 4.0 as shipped"),
            "{text}"
        );
        // So are the versions that negotiate as shipped.
        let shipped = snippets
            .iter()
            .find(|(title, _)| title.starts_with("Paramiko 3.5"))
            .expect("a Paramiko 3.5 snippet");
        assert_eq!(
            shipped,
            &(
                "Paramiko 3.5, Paramiko 4.0 · Ansible network_cli".to_owned(),
                "ansible_connection: network_cli on Paramiko 3.5 and Paramiko 4.0 negotiates \
                 with this device as shipped; nothing to change."
                    .to_owned()
            )
        );
        // No name is left open, and every client is named in a title.
        for (title, text) in &snippets {
            assert!(
                !title.contains(snippets::SOME_CLIENTS) && !text.contains(snippets::SOME_CLIENTS),
                "{title}: {text}"
            );
        }
        for profile in client_profiles()
            .iter()
            .filter(|p| p.family != Family::Russh)
        {
            assert!(
                snippets.iter().any(|(title, _)| title
                    .split(" · ")
                    .next()
                    .is_some_and(|names| names.split(", ").any(|n| n == profile.name))),
                "{} in no title: {snippets:#?}",
                profile.name
            );
        }
    }

    #[test]
    fn a_netmiko_device_that_cannot_connect_is_named_not_sshtriage() {
        let d = device("client = \"netmiko\"\n");
        let report = failed_at_kex(legacy_server());
        let Diagnosis::Cannot(cannot) = diagnose(&d, &report, &here()) else {
            panic!("Netmiko on Paramiko 5 cannot be fixed")
        };
        assert_eq!(cannot.headline, "Netmiko 4.8 (Paramiko 5.1) cannot connect");
        assert!(
            cannot
                .why
                .starts_with("the device offers only diffie-hellman-group14-sha1"),
            "{cannot:?}"
        );
        // The sentence `fix algorithms` prints is the profile's statement, whole.
        let statement = compat::compatibility(
            compat::client_profile("netmiko-4").expect("profile"),
            &legacy_server(),
        )
        .cannot
        .expect("a statement");
        assert_eq!(cannot.sentence(), statement);
        // Named by its source, as check names it.
        let mut d = d;
        d.client.used_by = Some(crate::device::UsedBy::Netmiko);
        let Diagnosis::Cannot(cannot) = diagnose(&d, &report, &here()) else {
            panic!("still cannot")
        };
        assert_eq!(
            cannot.headline,
            "Netmiko 4.8 (Paramiko 5.1), used by your Netmiko scripts, cannot connect"
        );
    }

    #[test]
    fn dialog_snippets_are_the_printed_ones_marked_for_pasting_and_hold_no_secret() {
        let device = device(
            "username = \"netops\"\npassword = \"pw-canary-1\"\nenable_secret = \"en-canary-2\"\npassphrase = \"pp-canary-3\"\n",
        );
        let server = legacy_server();
        let printed = other_client_snippets(&device, &server);
        let shown = dialog_snippets(&device, &server);
        // The same snippets as `fix algorithms` prints (and the tests run), line for line.
        assert_eq!(shown.len(), printed.len());
        for (s, (title, text)) in shown.iter().zip(&printed) {
            assert_eq!(&s.title, title);
            let lines: Vec<&str> = s.lines.iter().map(|l| l.text.as_str()).collect();
            assert_eq!(lines, text.lines().collect::<Vec<_>>(), "{title}");
            for secret in ["pw-canary-1", "en-canary-2", "pp-canary-3"] {
                assert!(!s.text().contains(secret), "{title}: {}", s.text());
            }
        }
        let snippet = |end: &str| {
            shown
                .iter()
                .find(|s| s.title.ends_with(end))
                .unwrap_or_else(|| panic!("no snippet titled …{end}: {shown:#?}"))
        };
        // Config lines stay whole; sentences wrap.
        let config = snippet("· ~/.ssh/config");
        assert!(config.lines.iter().all(|l| l.paste), "{config:#?}");
        assert_eq!(config.lines[0].text, "Host old");
        assert!(
            snippet("(ansible_connection: ssh)")
                .lines
                .iter()
                .all(|l| l.paste)
        );
        let network_cli = snippet("Paramiko 5.1 · Ansible network_cli");
        assert!(
            network_cli.lines.iter().all(|l| !l.paste),
            "{network_cli:#?}"
        );
    }
}
