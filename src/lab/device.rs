//! Spawning a simulated device and walking it through its boot phases.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

use super::counters::{DeviceCounters, bump};
use super::handler::{DeviceContext, DeviceHandler};
use super::lifecycle::{
    CancelOnShutdown, ServiceGuard, ShutdownSignal, accept_loop, bind_loopback, drain_until, listen,
};
use super::offer::server_config;
use super::spec::DeviceSpec;

/// A device that is running (or booting). Dropping it stops the server and all its
/// connections.
pub struct RunningDevice {
    pub addr: SocketAddr,
    pub counters: Arc<DeviceCounters>,
    guard: ServiceGuard,
}

impl std::fmt::Debug for RunningDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningDevice")
            .field("addr", &self.addr)
            .field("counters", &self.counters.snapshot())
            .finish_non_exhaustive()
    }
}

impl RunningDevice {
    /// Stops the device and waits (bounded) until its listener is closed.
    pub async fn shutdown(self) {
        self.guard.stop().await;
    }
}

/// Starts a device on `bind` (loopback only; port 0 picks a free port). Returns once the port
/// is reserved: with a non-zero `boot.closed_for` the socket is bound but not listening, so
/// connections are refused until the device "boots", yet `addr` already holds the real port.
pub async fn spawn_device(spec: DeviceSpec, bind: SocketAddr) -> io::Result<RunningDevice> {
    let config = Arc::new(server_config(&spec)?);
    let socket = bind_loopback(bind)?;
    let addr = socket.local_addr()?;
    let started = Instant::now();
    let boot = spec.boot;
    let counters = Arc::new(DeviceCounters::default());
    let ctx = Arc::new(DeviceContext {
        spec,
        counters: counters.clone(),
        config,
    });
    // Listen before returning when there is no closed phase, so a caller can connect at once.
    let socket = if boot.closed_for.is_zero() {
        Phase::Listening(listen(socket)?)
    } else {
        Phase::Closed(socket)
    };
    let (mut guard, shutdown) = ServiceGuard::new();
    let silent_until = started + boot.closed_for + boot.silent_for;
    let opens_at = started + boot.closed_for;
    guard.attach(tokio::spawn(run(
        socket,
        opens_at,
        silent_until,
        ctx,
        shutdown,
    )));
    Ok(RunningDevice {
        addr,
        counters,
        guard,
    })
}

enum Phase {
    Closed(TcpSocket),
    Listening(tokio::net::TcpListener),
}

async fn run(
    phase: Phase,
    opens_at: Instant,
    silent_until: Instant,
    ctx: Arc<DeviceContext>,
    mut shutdown: ShutdownSignal,
) {
    let listener = match phase {
        Phase::Listening(listener) => listener,
        Phase::Closed(socket) => {
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tokio::time::sleep_until(opens_at) => {}
            }
            match listen(socket) {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!("lab device {}: cannot listen: {e}", ctx.spec.hostname);
                    return;
                }
            }
        }
    };
    let conn_shutdown = shutdown.clone();
    accept_loop(listener, shutdown, move |stream| {
        let ctx = ctx.clone();
        let shutdown = conn_shutdown.clone();
        async move {
            bump(&ctx.counters.connections);
            if Instant::now() < silent_until {
                hold_silently(stream, silent_until).await;
            } else {
                serve_ssh(stream, ctx, shutdown).await;
            }
        }
    })
    .await;
}

/// The "port open, no SSH yet" phase: say nothing, close when the phase ends.
async fn hold_silently(mut stream: TcpStream, until: Instant) {
    drain_until(&mut stream, until).await;
}

async fn serve_ssh(stream: TcpStream, ctx: Arc<DeviceContext>, mut shutdown: ShutdownSignal) {
    if !ctx.spec.banner_delay.is_zero() {
        // Silent, without reading: the client's own identification stays in the socket.
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = tokio::time::sleep(ctx.spec.banner_delay) => {}
        }
    }
    let mut stream = CancelOnShutdown::new(stream, shutdown);
    for line in &ctx.spec.pre_banner_lines {
        let text = format!("{line}\r\n");
        if stream.write_all(text.as_bytes()).await.is_err() {
            return;
        }
    }
    // run_stream writes the identification line first thing.
    bump(&ctx.counters.banners_sent);
    let handler = DeviceHandler::new(ctx.clone());
    match russh::server::run_stream(ctx.config.clone(), stream, handler).await {
        Ok(session) => {
            if let Err(e) = session.await {
                tracing::debug!("lab device {}: session ended: {e}", ctx.spec.hostname);
            }
        }
        Err(e) => tracing::debug!("lab device {}: handshake failed: {e}", ctx.spec.hostname),
    }
}
