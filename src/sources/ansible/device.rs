//! Combining an Ansible host's variables in Ansible's order and turning the connection
//! variables into a `Device`.

use super::super::ssh_config::{HostSettings, Tokens, settings_from_args};
use super::super::{Field, Loaded, Provenance, ValueSource, new_device, set_phase_timeout};
use super::{Graph, GroupList, HostGroups, Replaced, Value, Var, Vars, vars_files};
use crate::algorithms::allowlist::Category;
use crate::device::{
    AlgorithmSetting, BecomeMethod, ClientKind, ClientRequest, Device, DeviceClient, HostKeyPolicy,
    KeySource, Limit, Origin, Phase, SettingVia, UsedBy,
};
use crate::profile::Profiles;
use crate::secret::Secret;
use crate::sources::{SourceError, expand_path};
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;
use std::sync::LazyLock;
use std::time::Duration;

/// Variables that say the same thing; when several are set the last listed wins, as in
/// Ansible's connection plugin options.
const HOST: &[&str] = &["ansible_host", "ansible_ssh_host"];
const PORT: &[&str] = &["ansible_port", "ansible_ssh_port"];
const USER: &[&str] = &["ansible_user", "ansible_ssh_user"];
const PASSWORD: &[&str] = &[
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
];
const KEY: &[&str] = &["ansible_private_key_file", "ansible_ssh_private_key_file"];
const BECOME: &[&str] = &["ansible_become_password", "ansible_become_pass"];
const BECOME_FLAG: &[&str] = &["ansible_become"];
const BECOME_METHOD: &[&str] = &["ansible_become_method"];
/// network_cli's waits: for the connection up to the prompt, and for each command's reply
/// (`enable` included); `ansible_ssh_timeout` is ssh's ConnectTimeout.
const CONNECT_TIMEOUT: &[&str] = &["ansible_connect_timeout"];
const COMMAND_TIMEOUT: &[&str] = &["ansible_command_timeout"];
const HOST_KEY_CHECKING: &[&str] = &["ansible_host_key_checking", "ansible_ssh_host_key_checking"];
const TIMEOUT: &[&str] = &["ansible_ssh_timeout"];
/// In the order ssh sees them on its command line (the first value of an option wins).
const SSH_ARGS: &[&str] = &[
    "ansible_ssh_args",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
];

/// ansible-pylibssh's algorithm options (ansible.netcommon's libssh connection).
const LIBSSH_OPTIONS: &[(&str, Category)] = &[
    ("ansible_libssh_key_exchange_algorithms", Category::Kex),
    ("ansible_libssh_hostkeys", Category::HostKey),
];

/// Total group memberships combined across distinct group sets.
const MAX_GROUP_WORK: usize = 500_000;

/// Whether sshtriage reads the variable at all.
pub(super) fn is_relevant(key: &str) -> bool {
    [
        HOST,
        PORT,
        USER,
        PASSWORD,
        KEY,
        BECOME,
        BECOME_FLAG,
        BECOME_METHOD,
        HOST_KEY_CHECKING,
        TIMEOUT,
        CONNECT_TIMEOUT,
        COMMAND_TIMEOUT,
        SSH_ARGS,
    ]
    .iter()
    .any(|names| names.contains(&key))
        || LIBSSH_OPTIONS.iter().any(|(name, _)| *name == key)
        || matches!(
            key,
            "ansible_connection"
                | "ansible_network_cli_ssh_type"
                | "ansible_network_os"
                | "ansible_group_priority"
        )
}

/// Problems found while building devices, grouped so one group_vars line shared by a
/// hundred hosts gives one message.
#[derive(Default)]
struct Notes {
    /// (variable, where) → hosts
    vault: BTreeMap<(String, String), Vec<String>>,
    /// (variable, where, what to say) → hosts
    template: BTreeMap<(String, String, String), Vec<String>>,
    other: Vec<String>,
}

fn host_list(hosts: &[String]) -> String {
    match hosts.len() {
        0..=5 => hosts.join(", "),
        n => format!("{} and {} more", hosts[..5].join(", "), n - 5),
    }
}

/// What to set in sshtriage.toml instead of a variable sshtriage cannot read.
fn hint(var: &str) -> &'static str {
    if PASSWORD.contains(&var) {
        "password_env"
    } else if BECOME.contains(&var) {
        "enable_secret_env"
    } else if KEY.contains(&var) {
        "key_file"
    } else if USER.contains(&var) {
        "username"
    } else if PORT.contains(&var) {
        "port"
    } else {
        "the matching key"
    }
}

/// The variable name in `{{ lookup('env', 'NAME') }}`, the usual way to keep a password out of
/// an inventory.
pub(in crate::sources) fn env_lookup(template: &str) -> Option<String> {
    static ENV_LOOKUP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"^\s*\{\{\s*lookup\(\s*['"](?:ansible\.builtin\.)?env['"]\s*,\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\)\s*\}\}\s*$"#,
        )
        .expect("valid regex")
    });
    ENV_LOOKUP.captures(template).map(|c| c[1].to_owned())
}

impl Notes {
    fn render(self) -> Vec<String> {
        let mut out = Vec::new();
        for ((var, source), hosts) in self.vault {
            let h = hint(&var);
            out.push(format!(
                "{var} for {} is vault-encrypted ({source}): sshtriage does not decrypt vault; \
                 supply it with {h} in an sshtriage.toml [defaults]{}",
                host_list(&hosts),
                if h.ends_with("_env") {
                    " and export the value in that environment variable"
                } else {
                    ""
                }
            ));
        }
        for ((var, source, what), hosts) in self.template {
            out.push(format!(
                "{var} for {} is templated ({source}): {what}",
                host_list(&hosts)
            ));
        }
        for note in self.other {
            // Group-level settings repeat the same note for every host.
            if !out.contains(&note) {
                out.push(note);
            }
        }
        out
    }
}

struct Lookup<'a> {
    vars: &'a Vars,
    host: &'a str,
    notes: &'a mut Notes,
    /// ansible.cfg's settings: `ssh_args` for hosts without `ansible_ssh_args`, the
    /// persistent connection's timeouts for hosts without their variables.
    cfg: &'a super::config::AnsibleCfg,
}

impl Lookup<'_> {
    /// The usable text of the first-winning alias, reporting values that cannot be used.
    fn text(&mut self, names: &[&str], secret: bool) -> Option<(String, ValueSource)> {
        let (name, var) = names
            .iter()
            .rev()
            .find_map(|n| self.vars.get(*n).map(|v| (*n, v)))?;
        let Var { value, source } = var;
        match value {
            Value::Text(t) if t.is_empty() => None,
            Value::Text(t) => Some((t.clone(), source.clone())),
            Value::Vault => {
                let key = (name.to_owned(), source.to_string());
                self.notes
                    .vault
                    .entry(key)
                    .or_default()
                    .push(self.host.to_owned());
                None
            }
            Value::Template(t) => {
                let what = match env_lookup(t) {
                    Some(env) => format!(
                        "it reads environment variable {env}; sshtriage does not evaluate Jinja: \
                         set {} = \"{env}\" in an sshtriage.toml [defaults]",
                        hint(name)
                    ),
                    // A secret's text is never shown, even when it only looks like a template.
                    None if secret => "Jinja is not evaluated by sshtriage; the value is not \
                                       used (supply it through sshtriage.toml)"
                        .to_owned(),
                    None => format!(
                        "`{t}` is Jinja, which sshtriage does not evaluate; the value is not used"
                    ),
                };
                let key = (name.to_owned(), source.to_string(), what);
                self.notes
                    .template
                    .entry(key)
                    .or_default()
                    .push(self.host.to_owned());
                None
            }
            Value::Structured(kind) => {
                self.notes.other.push(format!(
                    "{source}: {name} for {} is {kind}, not a single value; ignored",
                    self.host
                ));
                None
            }
        }
    }
}

fn error_at(source: &ValueSource, key: &str, message: String) -> SourceError {
    match source {
        ValueSource::File { path, line } => SourceError {
            file: path.clone(),
            line: *line,
            key: key.to_owned(),
            message,
        },
        ValueSource::BuiltIn(what) => SourceError {
            file: what.into(),
            line: 0,
            key: key.to_owned(),
            message,
        },
    }
}

fn merge(into: &mut Vars, from: &Vars) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}

/// Combines hosts' variables in Ansible's order; hosts in the same groups share everything
/// but their own vars, so that part is combined once per set of groups.
pub(super) struct Combiner<'g> {
    graph: &'g Graph,
    /// Where group_vars/ and host_vars/ are; None for inventory text without a file.
    dir: Option<&'g Path>,
    replaced: Option<Replaced<'g>>,
    depths: Vec<usize>,
    group_files: HashMap<usize, Vars>,
    by_groups: HashMap<Vec<usize>, (GroupList, Vars)>,
    group_work: usize,
}

impl<'g> Combiner<'g> {
    pub(super) fn new(
        graph: &'g Graph,
        dir: Option<&'g Path>,
        replaced: Option<Replaced<'g>>,
    ) -> Combiner<'g> {
        Combiner {
            graph,
            dir,
            replaced,
            depths: graph.depths(),
            group_files: HashMap::new(),
            by_groups: HashMap::new(),
            group_work: 0,
        }
    }

    fn files_of(&mut self, g: usize, warnings: &mut Vec<String>) -> Result<Vars, SourceError> {
        if let Some(v) = self.group_files.get(&g) {
            return Ok(v.clone());
        }
        let vars = match self.dir {
            Some(dir) => {
                let name = &self.graph.groups[g].name;
                vars_files::load(dir, "group_vars", name, warnings, self.replaced)?
            }
            None => Vars::new(),
        };
        self.group_files.insert(g, vars.clone());
        Ok(vars)
    }

    /// Host `h`'s groups (most specific first) and its variables: the `all` group, then its
    /// other groups by (depth, ansible_group_priority, name), inventory vars before
    /// group_vars/ files, then its own inventory vars, then host_vars/ files. Later wins.
    pub(super) fn host(
        &mut self,
        h: usize,
        warnings: &mut Vec<String>,
    ) -> Result<(GroupList, Vars), SourceError> {
        let graph = self.graph;
        let host = &graph.hosts[h];
        let mut direct = host.groups.clone();
        direct.sort_unstable();
        if !self.by_groups.contains_key(&direct) {
            let mut groups = graph.groups_of(h);
            // Bounds hostile group graphs: many distinct group sets, each with deep ancestry.
            self.group_work += groups.len();
            if self.group_work > MAX_GROUP_WORK {
                return Err(super::super::read::located(
                    &graph.path,
                    host.line,
                    "",
                    "the group structure is too large to combine variables for",
                ));
            }
            let priority = |g: usize| -> i64 {
                match graph.groups[g].vars.get("ansible_group_priority") {
                    Some(Var {
                        value: Value::Text(t),
                        ..
                    }) => t.trim().parse().unwrap_or(1),
                    _ => 1,
                }
            };
            let depths = &self.depths;
            groups.sort_by(|a, b| {
                (depths[*a], priority(*a), &graph.groups[*a].name).cmp(&(
                    depths[*b],
                    priority(*b),
                    &graph.groups[*b].name,
                ))
            });
            let mut vars = graph.groups[0].vars.clone();
            merge(&mut vars, &self.files_of(0, warnings)?);
            for g in &groups {
                merge(&mut vars, &graph.groups[*g].vars);
            }
            for g in &groups {
                merge(&mut vars, &self.files_of(*g, warnings)?);
            }
            let named: GroupList = groups
                .iter()
                .rev()
                .map(|g| (graph.groups[*g].name.clone(), graph.groups[*g].line))
                .collect();
            self.by_groups.insert(direct.clone(), (named, vars));
        }
        let (groups, group_vars) = &self.by_groups[&direct];
        let groups = Rc::clone(groups);
        let mut vars = group_vars.clone();
        merge(&mut vars, &host.vars);
        if let Some(dir) = self.dir {
            let files = vars_files::load(dir, "host_vars", &host.name, warnings, self.replaced)?;
            merge(&mut vars, &files);
        }
        Ok((groups, vars))
    }
}

pub(super) fn build(
    graph: &Graph,
    dir: Option<&Path>,
    profiles: &Profiles,
) -> Result<(Loaded, HostGroups), SourceError> {
    let mut loaded = Loaded {
        devices: Vec::new(),
        warnings: graph.warnings.clone(),
        held_none: Vec::new(),
    };
    let mut combiner = Combiner::new(graph, dir, None);
    let cfg = super::config::load()?;
    let mut notes = Notes::default();
    let mut host_groups = Vec::new();
    for (h, host) in graph.hosts.iter().enumerate() {
        let (groups, vars) = combiner.host(h, &mut loaded.warnings)?;
        let origin = Origin::File {
            path: graph.path.clone(),
            line: host.line,
        };
        let base = dir.unwrap_or(Path::new("."));
        let mut lookup = Lookup {
            vars: &vars,
            host: &host.name,
            notes: &mut notes,
            cfg: &cfg,
        };
        if let Some((device, prov)) = device_from(&host.name, origin, &mut lookup, base, profiles)?
        {
            loaded.push(&graph.path, device, prov)?;
            host_groups.push(groups);
        }
    }
    loaded.warnings.extend(notes.render());
    Ok((loaded, host_groups))
}

fn device_from(
    name: &str,
    origin: Origin,
    vars: &mut Lookup,
    base_dir: &Path,
    profiles: &Profiles,
) -> Result<Option<(Device, Provenance)>, SourceError> {
    let mut client = DeviceClient::default();
    if let Some((connection, source)) = vars.text(&["ansible_connection"], false) {
        let plugin = connection.rsplit('.').next().unwrap_or("").to_owned();
        match plugin.as_str() {
            "network_cli" => {
                let ssh_type = vars.text(&["ansible_network_cli_ssh_type"], false);
                let (request, source) = match &ssh_type {
                    Some((t, s)) if t.eq_ignore_ascii_case("libssh") => (
                        ClientRequest::Fixed {
                            kind: ClientKind::Libssh,
                            version: None,
                        },
                        s.clone(),
                    ),
                    Some((t, s)) if t.eq_ignore_ascii_case("paramiko") => (
                        ClientRequest::Fixed {
                            kind: ClientKind::Paramiko,
                            version: None,
                        },
                        s.clone(),
                    ),
                    // `auto`, the default since ansible.netcommon 3.0.0.
                    Some((_, s)) => (ClientRequest::NetworkCliAuto, s.clone()),
                    None => (ClientRequest::NetworkCliAuto, source.clone()),
                };
                client.request = request;
                client.used_by = Some(UsedBy::AnsibleNetworkCli);
                client.source = Some(source);
            }
            "ssh" => {
                client.request = ClientRequest::Fixed {
                    kind: ClientKind::Openssh,
                    version: None,
                };
                client.used_by = Some(UsedBy::AnsibleSsh);
                client.source = Some(source.clone());
            }
            "paramiko" | "paramiko_ssh" => {
                client.request = ClientRequest::Fixed {
                    kind: ClientKind::Paramiko,
                    version: None,
                };
                client.used_by = Some(UsedBy::AnsibleParamiko);
                client.source = Some(source.clone());
            }
            "local" => {
                vars.notes.other.push(format!(
                    "{source}: {name} uses ansible_connection={connection}: not a remote \
                     device, skipped"
                ));
                return Ok(None);
            }
            "httpapi" | "netconf" | "winrm" | "psrp" | "docker" => vars.notes.other.push(format!(
                "{source}: Ansible reaches {name} over {plugin}, not SSH; sshtriage checks \
                 SSH anyway"
            )),
            _ => {}
        }
    }
    let (host, host_source) = match vars.text(HOST, false) {
        Some((h, s)) => (h, Some(s)),
        None => (name.to_owned(), None),
    };
    let (mut device, mut prov) = new_device(name, &host, origin);
    if client.request == ClientRequest::Unspecified {
        // Ansible's default connection is `ssh` (OpenSSH) unless a variable says otherwise.
        client.request = ClientRequest::Fixed {
            kind: ClientKind::Openssh,
            version: None,
        };
        client.used_by = Some(UsedBy::AnsibleSsh);
    }
    if let Some(source) = &client.source {
        prov.set(Field::Client, source.clone());
    }
    device.client = client;
    for (name, category) in LIBSSH_OPTIONS {
        if let Some((value, source)) = vars.text(&[name], false) {
            device.client.add_setting(AlgorithmSetting {
                category: *category,
                value,
                via: SettingVia::LibsshOption,
                source,
            });
        }
    }
    if let Some(s) = host_source {
        prov.set(Field::Host, s);
    }
    if let Some((port, source)) = vars.text(PORT, false) {
        device.port = port
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                error_at(
                    &source,
                    "ansible_port",
                    format!("`{port}` is not a port number"),
                )
            })?;
        prov.set(Field::Port, source);
    }
    if let Some((user, source)) = vars.text(USER, false) {
        device.username = Some(user);
        prov.set(Field::Username, source);
    }
    if let Some((password, source)) = vars.text(PASSWORD, true) {
        device.credentials.password = Some(Secret::new(password));
        prov.set(Field::Password, source);
    }
    if let Some((key, source)) = vars.text(KEY, false) {
        device.credentials.key = Some(KeySource::File(expand_path(base_dir, &key)));
        prov.set(Field::Key, source);
    }
    if let Some((secret, source)) = vars.text(BECOME, true) {
        device.enable_secret = Some(Secret::new(secret));
        prov.set(Field::EnableSecret, source);
    }
    if let Some((os, source)) = vars.text(&["ansible_network_os"], false) {
        match profiles.get(&os) {
            Some(profile) => {
                device.profile = profile.name.clone();
                prov.set(Field::Profile, source);
            }
            None => vars.notes.other.push(format!(
                "{source}: ansible_network_os `{os}` of {name} matches no sshtriage profile; \
                 the platform is auto-detected"
            )),
        }
    }
    if let Some((checking, source)) = vars.text(HOST_KEY_CHECKING, false)
        && matches!(
            checking.to_ascii_lowercase().as_str(),
            "false" | "no" | "0" | "off"
        )
    {
        device.host_key_policy = HostKeyPolicy::Warn;
        prov.set(Field::HostKeyPolicy, source);
    }
    if let Some((flag, source)) = vars.text(BECOME_FLAG, false) {
        match crate::device::parse_bool(&flag) {
            Some(wanted) => {
                device.escalation.wanted = Some(wanted);
                prov.set(Field::Become, source);
            }
            None => vars.notes.other.push(format!(
                "{source}: ansible_become `{flag}` of {name} is not a boolean; ignored"
            )),
        }
    }
    if let Some((method, source)) = vars.text(BECOME_METHOD, false) {
        device.escalation.method = Some(BecomeMethod::parse(&method));
        prov.set(Field::BecomeMethod, source);
    }
    let seconds = |text: &str| {
        text.trim()
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0 && *s <= crate::device::MAX_TIMEOUT.as_secs())
            .map(Duration::from_secs)
    };
    if let Some((timeout, source)) = vars.text(TIMEOUT, false) {
        match seconds(&timeout) {
            // ssh's ConnectTimeout: the TCP connect, the banner and the key exchange.
            Some(limit) => {
                for phase in [Phase::Tcp, Phase::Banner, Phase::Kex] {
                    let limit = Limit::new(limit, "ansible_ssh_timeout", source.clone());
                    set_phase_timeout(&mut device, &mut prov, phase, limit);
                }
            }
            None => vars.notes.other.push(format!(
                "{source}: ansible_ssh_timeout `{timeout}` of {name} is not a number of \
                 seconds; ignored"
            )),
        }
    }
    let persistent = [
        (
            CONNECT_TIMEOUT,
            Phase::Prompt,
            vars.cfg.connect_timeout.clone(),
            "connect_timeout",
        ),
        (
            COMMAND_TIMEOUT,
            Phase::Enable,
            vars.cfg.command_timeout.clone(),
            "command_timeout",
        ),
    ];
    for (names, phase, from_cfg, cfg_key) in persistent {
        let (setting, found) = match vars.text(names, false) {
            Some(found) => (names[0].to_owned(), Some(found)),
            None => (format!("[persistent_connection] {cfg_key}"), from_cfg),
        };
        let Some((timeout, source)) = found else {
            continue;
        };
        match seconds(&timeout) {
            Some(limit) => {
                let limit = Limit::new(limit, setting, source);
                set_phase_timeout(&mut device, &mut prov, phase, limit);
            }
            None => vars.notes.other.push(format!(
                "{source}: {setting} `{timeout}` of {name} is not a number of seconds; ignored"
            )),
        }
    }
    let mut settings = HostSettings::default();
    for key in SSH_ARGS {
        let value = match vars.text(&[key], false) {
            // Without the variable, Ansible puts ansible.cfg's ssh_args there.
            None if *key == "ansible_ssh_args" => vars.cfg.ssh_args.clone(),
            value => value,
        };
        if let Some((args, source)) = value {
            let notes = settings_from_args(&args, &source, &device.host, &mut settings);
            vars.notes.other.extend(notes);
        }
    }
    // `-i ~/.ssh/k`, `UserKnownHostsFile=~/…`: expanded as ssh would, like ssh_config's.
    let home = std::env::var("HOME").ok();
    let local_user = std::env::var("USER").unwrap_or_default();
    let tokens = Tokens {
        original_host: &device.host,
        home: home.as_deref(),
        local_user: &local_user,
    };
    settings.finish(&tokens, device.username.as_deref());
    let notes = settings.apply_to(&mut device, &mut prov, SettingVia::CommandLine);
    vars.notes.other.extend(notes);
    Ok(Some((device, prov)))
}
