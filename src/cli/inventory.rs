//! `sshtriage inventory`: the devices as sshtriage understood them, with where each value came
//! from. Credentials are shown by kind only, never their values.

use super::{EXIT_OK, EXIT_USAGE, Targets};
use crate::device::{ClientRequest, Device, KeySource};
use crate::sources::{Field, Provenance};
use clap::Args;
use serde_json::{Value, json};
use std::fmt::Write;

#[derive(Args, Debug)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub targets: Targets,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InventoryArgs) -> i32 {
    let profiles = match crate::profile::Profiles::for_user() {
        Ok(p) => p,
        Err(e) => {
            errln!("sshtriage: {e}");
            return EXIT_USAGE;
        }
    };
    let loaded = match crate::sources::assemble(&args.targets.selection(None), &profiles) {
        Ok(l) => l,
        Err(e) => {
            errln!("sshtriage: {e}");
            return EXIT_USAGE;
        }
    };
    if loaded.devices.is_empty() {
        // As `check` says it: a file that held nothing is a mistake to point out, not a list.
        match loaded.why_empty() {
            Some(why) => errln!("sshtriage inventory: no devices: {why}"),
            None => errln!(
                "sshtriage inventory: no devices: give an inventory file or --host [user@]host[:port]"
            ),
        }
        return EXIT_USAGE;
    }
    for w in &loaded.warnings {
        errln!("warning: {w}");
    }
    if args.json {
        let devices: Vec<Value> = loaded.devices.iter().map(|(d, p)| describe(d, p)).collect();
        let doc = json!({"version": 1, "devices": devices});
        println!("{}", crate::present::json_pretty(&doc));
    } else {
        print_text(&loaded.devices);
    }
    EXIT_OK
}

/// Device by device: the listing of 25,000 devices held whole, twice, was 20 MB.
fn print_text(devices: &[(Device, Provenance)]) {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = devices
        .iter()
        .try_for_each(|device| {
            let text = text(std::slice::from_ref(device));
            out.write_all(crate::present::printable_lines(&text).as_bytes())
        })
        .and_then(|()| writeln!(out, "\n{} device(s)", devices.len()))
        .and_then(|()| out.flush());
    // A closed pipe (`| head`) is not worth a message.
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        errln!("sshtriage: cannot write the listing: {e}");
    }
}

/// Credential kinds configured, in words, each with the field that says where it came from;
/// never values.
fn credentials(d: &Device) -> Vec<(&'static str, Field)> {
    let c = &d.credentials;
    let mut out = Vec::new();
    if c.password.is_some() {
        out.push(("password", Field::Password));
    }
    match &c.key {
        Some(KeySource::File(_)) if c.more_key_files.is_empty() => {
            out.push(("key file", Field::Key))
        }
        Some(KeySource::File(_)) => out.push(("key files", Field::Key)),
        Some(KeySource::Inline(_)) => out.push(("inline key", Field::Key)),
        None => {}
    }
    if c.passphrase.is_some() {
        out.push(("key passphrase", Field::Passphrase));
    }
    if c.agent {
        out.push(("ssh-agent", Field::Agent));
    }
    if c.look_for_keys {
        out.push(("~/.ssh identities", Field::LookForKeys));
    }
    if d.enable_secret.is_some() {
        out.push(("enable secret", Field::EnableSecret));
    }
    out
}

fn credential_kinds(d: &Device) -> Vec<&'static str> {
    credentials(d).into_iter().map(|(kind, _)| kind).collect()
}

/// The client the device's source names (`netmiko`, `paramiko-3.5`), if it names one.
fn client(d: &Device) -> Option<String> {
    match &d.client.request {
        ClientRequest::Fixed {
            kind,
            version: Some(v),
        } => Some(format!("{kind}-{v}")),
        ClientRequest::Fixed { kind, .. } => Some(kind.to_string()),
        ClientRequest::NetworkCliAuto => Some("network_cli auto (libssh or paramiko)".into()),
        ClientRequest::Unspecified => None,
    }
}

fn describe(d: &Device, p: &Provenance) -> Value {
    let sources: serde_json::Map<String, Value> = p
        .iter()
        .map(|(field, source)| (field.to_string(), Value::String(source.to_string())))
        .collect();
    let algorithms: serde_json::Map<String, Value> = d
        .allowlist
        .iter()
        .map(|(c, spec)| (c.key().to_owned(), Value::String(spec.clone())))
        .collect();
    json!({
        "name": d.name,
        "host": d.host,
        "port": d.port,
        "username": d.username,
        "profile": d.profile,
        "credentials": credential_kinds(d),
        "key_file": match &d.credentials.key { Some(KeySource::File(f)) => Some(f.display().to_string()), _ => None },
        "more_key_files": d.credentials.more_key_files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "algorithms": algorithms,
        "jump": d.jump,
        "known_hosts": d.known_hosts.iter().map(|k| k.display().to_string()).collect::<Vec<_>>(),
        "host_key_policy": d.host_key_policy,
        "timeout_ms": d.timeout.as_millis() as u64,
        "client": client(d),
        "used_by": d.client.used_by,
        "timeouts": timeouts_json(d),
        "become": d.escalation.wanted,
        "become_method": d.escalation.method.as_ref().map(|m| m.name().to_owned()),
        "check_transfer": d.check_transfer,
        "sources": sources,
    })
}

/// Each phase's own limit: its length, the setting and where it was set.
fn timeouts_json(d: &Device) -> Value {
    let phases: serde_json::Map<String, Value> = d
        .timeouts
        .iter()
        .map(|(phase, limit)| {
            (
                phase.key().to_owned(),
                json!({
                    "ms": limit.duration.as_millis() as u64,
                    "setting": limit.setting,
                    "source": limit.source.to_string(),
                }),
            )
        })
        .collect();
    Value::Object(phases)
}

/// `10s`, then each phase with a limit of its own: `banner 2s (timeouts.banner, lab.toml:7)`.
fn timeouts_text(d: &Device) -> String {
    let mut parts = vec![d.limit(crate::model::Stage::Dns).to_string()];
    for (phase, limit) in d.timeouts.iter() {
        parts.push(format!(
            "{} {} ({}, {})",
            phase.key(),
            humantime::format_duration(limit.duration),
            limit.setting,
            limit.source
        ));
    }
    parts.join(", ")
}

/// The devices' lines (the count after them is `print_text`'s).
fn text(devices: &[(Device, Provenance)]) -> String {
    let mut out = String::new();
    for (d, p) in devices {
        let from = |field: Field| -> String {
            p.get(field).map(|s| format!("  ({s})")).unwrap_or_default()
        };
        let _ = writeln!(out, "{}", d.name);
        let host = if d.host.contains(':') {
            format!("[{}]", d.host)
        } else {
            d.host.clone()
        };
        let _ = writeln!(out, "  address      {host}:{}{}", d.port, from(Field::Host));
        let user = d.username.as_deref().unwrap_or("(local user)");
        let _ = writeln!(out, "  user         {user}{}", from(Field::Username));
        let _ = writeln!(out, "  profile      {}{}", d.profile, from(Field::Profile));
        let kinds: Vec<String> = credentials(d)
            .into_iter()
            .map(|(kind, field)| match p.get(field) {
                Some(source) => format!("{kind} ({source})"),
                None => kind.to_owned(),
            })
            .collect();
        let kinds = if kinds.is_empty() {
            "none".to_owned()
        } else {
            kinds.join(", ")
        };
        let _ = writeln!(out, "  credentials  {kinds}");
        let _ = writeln!(out, "  timeouts     {}", timeouts_text(d));
        if d.escalation.wanted.is_some() || d.escalation.method.is_some() {
            let wanted = match d.escalation.wanted {
                Some(true) => "on",
                Some(false) => "off",
                None => "if a secret is set",
            };
            let method = d
                .escalation
                .method
                .as_ref()
                .map_or("the platform's", |m| m.name());
            let _ = writeln!(
                out,
                "  become       {wanted}, method {method}{}",
                from(Field::Become)
            );
        }
        if d.check_transfer {
            let _ = writeln!(out, "  transfer     checked{}", from(Field::CheckTransfer));
        }
        let files = d.credentials.key.iter().filter_map(|k| match k {
            KeySource::File(f) => Some(f),
            KeySource::Inline(_) => None,
        });
        for (i, file) in files.chain(&d.credentials.more_key_files).enumerate() {
            let label = if i == 0 { "key files" } else { "" };
            let from = if i == 0 {
                from(Field::Key)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {label:<12} {}{from}", file.display());
        }
        for (category, spec) in &d.allowlist {
            let _ = writeln!(
                out,
                "  {:<12} {spec}{}",
                category.key(),
                from(Field::for_category(*category))
            );
        }
        if let Some(jump) = &d.jump {
            let _ = writeln!(out, "  via          {jump}{}", from(Field::Jump));
        }
        if let Some(client) = client(d) {
            let by = d
                .client
                .used_by
                .map(|u| format!(", used by {}", u.phrase()))
                .unwrap_or_default();
            let _ = writeln!(out, "  client       {client}{by}{}", from(Field::Client));
        }
        if p.get(Field::Timeout).is_some() {
            let timeout = humantime::format_duration(d.timeout);
            let _ = writeln!(out, "  timeout      {timeout}{}", from(Field::Timeout));
        }
        if p.get(Field::HostKeyPolicy).is_some() {
            let policy = serde_json::to_value(d.host_key_policy)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(out, "  host keys    {policy}{}", from(Field::HostKeyPolicy));
        }
    }
    out
}
