//! `tcp`: connect to each address in turn, recording the round trip of the handshake.

use super::super::{Outcome, Probe};
use crate::model::Reason;
use std::io::ErrorKind;
use std::time::Instant;
use tokio::net::TcpStream;

pub async fn run(p: &mut Probe<'_>) -> Outcome {
    if let Some(jump) = p.device.jump.clone() {
        let started = Instant::now();
        return match crate::engine::jump::connect(p, &jump).await {
            Ok(permit) => {
                p.jump_permit = Some(permit);
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                Outcome::ok(format!(
                    "connected to {}:{} through {jump} in {ms:.1} ms",
                    p.device.host, p.device.port
                ))
            }
            Err(outcome) => outcome,
        };
    }
    let mut last: Option<Outcome> = None;
    for addr in p.addresses.clone() {
        let started = Instant::now();
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let rtt = started.elapsed().as_secs_f64() * 1000.0;
                // Small probe packets should not wait for Nagle.
                let _ = stream.set_nodelay(true);
                p.stream = Some(Box::new(stream));
                p.report.address = Some(addr.ip().to_string());
                return Outcome::ok(format!("connected to {addr} in {rtt:.1} ms"));
            }
            // ECONNRESET, unlike ECONNREFUSED, means the handshake completed and the peer
            // reset the connection after it; under load the reset arrives before the
            // connect is even polled. The connection was made: the banner stage reports
            // the reset, as it does when it reads one itself.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                let rtt = started.elapsed().as_secs_f64() * 1000.0;
                p.report.address = Some(addr.ip().to_string());
                p.connect_reset = Some(e);
                return Outcome::ok(format!(
                    "connected to {addr} in {rtt:.1} ms; the server reset the connection right after"
                ));
            }
            Err(e) => {
                p.report.address = Some(addr.ip().to_string());
                last = Some(match e.kind() {
                    ErrorKind::ConnectionRefused => Outcome::fail(
                        Reason::TcpRefused,
                        format!(
                            "{addr} refused the connection: nothing listens on port {} (SSH not enabled, wrong port, or the device is still booting)",
                            addr.port()
                        ),
                    ),
                    ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => Outcome::fail(
                        Reason::TcpUnreachable,
                        format!("{addr} is unreachable: no route to it ({e})"),
                    ),
                    ErrorKind::TimedOut => Outcome::fail(
                        Reason::TcpTimeout,
                        format!(
                            "{addr} did not answer the TCP handshake (filtered, or the host is down)"
                        ),
                    ),
                    _ => Outcome::fail(Reason::TcpFailed, format!("cannot connect to {addr}: {e}")),
                });
            }
        }
    }
    last.unwrap_or_else(|| Outcome::fail(Reason::TcpNoAddress, "no address to connect to"))
}
