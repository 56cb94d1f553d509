//! `dns`: names are resolved with hickory (honouring /etc/hosts); literal addresses skip it.

use super::super::{Outcome, Probe};
use crate::model::Reason;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{LookupIpStrategy, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

pub struct Resolver {
    inner: TokioResolver,
}

impl Resolver {
    /// The system's resolver configuration, with /etc/hosts always consulted first and IPv4
    /// asked before IPv6: the system default strategy would send a AAAA query even for names
    /// /etc/hosts answers.
    pub fn from_system() -> Resolver {
        let builder = TokioResolver::builder_tokio().unwrap_or_else(|_| {
            // No resolv.conf: /etc/hosts only, never a default public server.
            TokioResolver::builder_with_config(
                ResolverConfig::from_parts(None, vec![], vec![]),
                TokioRuntimeProvider::default(),
            )
        });
        Resolver::with_builder(builder)
    }

    /// A resolver asking one server (tests use a fake one on loopback).
    pub fn with_server(server: SocketAddr) -> Resolver {
        use hickory_resolver::config::{ConnectionConfig, NameServerConfig};
        let mut connection = ConnectionConfig::udp();
        connection.port = server.port();
        let name_server = NameServerConfig::new(server.ip(), true, vec![connection]);
        let config = ResolverConfig::from_parts(None, vec![], vec![name_server]);
        let mut builder =
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        builder.options_mut().use_hosts_file = ResolveHosts::Never;
        Resolver::with_builder(builder)
    }

    fn with_builder(
        mut builder: hickory_resolver::ResolverBuilder<TokioRuntimeProvider>,
    ) -> Resolver {
        let opts = builder.options_mut();
        opts.ip_strategy = LookupIpStrategy::Ipv4thenIpv6;
        if opts.use_hosts_file != ResolveHosts::Never {
            opts.use_hosts_file = ResolveHosts::Always;
        }
        opts.timeout = Duration::from_secs(3);
        opts.attempts = 2;
        let inner = builder.build().unwrap_or_else(|_| {
            TokioResolver::builder_with_config(
                ResolverConfig::from_parts(None, vec![], vec![]),
                TokioRuntimeProvider::default(),
            )
            .build()
            .expect("an empty resolver configuration always builds")
        });
        Resolver { inner }
    }
}

/// `[::1]` and `::1` are both literal addresses.
pub fn literal_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    let host = p.device.host.clone();
    let port = p.device.port;
    if let Some(jump) = &p.device.jump {
        return Outcome::ok_because(
            Reason::DnsViaJump,
            format!("{host} is resolved by the jump host {jump}"),
        );
    }
    if let Some(ip) = literal_ip(&host) {
        p.addresses = vec![SocketAddr::new(ip, port)];
        return Outcome::ok_because(
            Reason::DnsLiteralIp,
            format!("{ip} is an IP address; no lookup needed"),
        );
    }
    match p.shared.resolver.inner.lookup_ip(host.as_str()).await {
        Ok(answer) => {
            let ips: Vec<IpAddr> = answer.iter().collect();
            if ips.is_empty() {
                return Outcome::fail(
                    Reason::DnsNoAddress,
                    format!("{host} has no A or AAAA record"),
                );
            }
            p.addresses = ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
            let list: Vec<String> = ips.iter().map(IpAddr::to_string).collect();
            Outcome::ok(format!("{host} resolves to {}", list.join(", ")))
        }
        Err(e) if e.is_nx_domain() => Outcome::fail(
            Reason::DnsNxdomain,
            format!("{host} does not exist in DNS (NXDOMAIN); check the name or /etc/hosts"),
        ),
        Err(e) if e.is_no_records_found() => Outcome::fail(
            Reason::DnsNoAddress,
            format!("{host} exists but has no A or AAAA record"),
        ),
        Err(e) => {
            let text = e.to_string();
            if text.contains("timed out") || text.contains("timeout") {
                Outcome::fail(
                    Reason::DnsTimeout,
                    format!("no DNS answer for {host}: {text}"),
                )
            } else {
                Outcome::fail(Reason::DnsFailed, format!("cannot resolve {host}: {text}"))
            }
        }
    }
}
