//! Binding (loopback only), accept loops, and making sure every task stops with its handle.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, timeout_at};

/// More simultaneous connections than any test needs; beyond it new ones are dropped so a
/// runaway client cannot exhaust memory.
const MAX_CONNECTIONS: usize = 256;

/// Refuses every bind address outside 127.0.0.0/8 and `::1`: the lab must never be reachable
/// from another machine.
pub fn ensure_loopback(addr: SocketAddr) -> io::Result<()> {
    let loopback = match addr.ip() {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback(),
    };
    if loopback {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("lab servers bind to loopback only (127.0.0.0/8 or ::1), not {addr}"),
        ))
    }
}

/// A bound socket that is not listening yet: connections to it are refused, and the port
/// stays reserved (so an ephemeral port can be reported before the device "boots").
pub(super) fn bind_loopback(addr: SocketAddr) -> io::Result<TcpSocket> {
    ensure_loopback(addr)?;
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // Lets a test re-use a fixed port whose previous connections are in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

pub(super) fn listen(socket: TcpSocket) -> io::Result<TcpListener> {
    socket.listen(128)
}

/// Receiving side of a stop request; also fires when the sender is gone.
#[derive(Clone)]
pub(super) struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    pub(super) async fn wait(&mut self) {
        // An error means the guard was dropped, which is a stop request too.
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// Owns a server's main task: stops it (and through the signal its connections) on drop.
pub(super) struct ServiceGuard {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl ServiceGuard {
    pub(super) fn new() -> (ServiceGuard, ShutdownSignal) {
        let (stop, signal) = watch::channel(false);
        let guard = ServiceGuard { stop, task: None };
        (guard, ShutdownSignal(signal))
    }

    pub(super) fn attach(&mut self, task: JoinHandle<()>) {
        self.task = Some(task);
    }

    /// Requests a stop and waits (bounded) for the main task to finish.
    pub(super) async fn stop(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for ServiceGuard {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Accepts connections until shutdown, running `serve` for each on a task owned by this loop:
/// when the loop ends, every connection task is aborted with it.
pub(super) async fn accept_loop<F, Fut>(
    listener: TcpListener,
    mut shutdown: ShutdownSignal,
    mut serve: F,
) where
    F: FnMut(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.wait() => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) if tasks.len() < MAX_CONNECTIONS => {
                    tasks.spawn(serve(stream));
                }
                Ok(_) => tracing::debug!("lab: connection limit reached, dropping connection"),
                Err(e) => {
                    // e.g. out of file descriptors: back off instead of spinning.
                    tracing::debug!("lab: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
    tasks.abort_all();
}

/// Reads and discards until the peer closes, an error occurs, or `deadline` passes.
pub(super) async fn drain_until<S: AsyncRead + Unpin>(stream: &mut S, deadline: Instant) {
    let mut scratch = [0u8; 1024];
    while let Ok(Ok(n)) = timeout_at(deadline, stream.read(&mut scratch)).await {
        if n == 0 {
            break;
        }
    }
}

/// Sends FIN, then waits (bounded) for the peer to close, so that unread client bytes do not
/// turn our close into an RST that could destroy the data we just sent.
pub(super) async fn close_gracefully(mut stream: TcpStream, linger: Duration) {
    if stream.shutdown().await.is_ok() {
        drain_until(&mut stream, Instant::now() + linger).await;
    }
}

/// A stream that fails every read and write once shutdown is requested. russh runs each
/// session on its own task, out of our reach; failing its I/O is what ends it.
pub(super) struct CancelOnShutdown<S> {
    inner: S,
    stop: Pin<Box<dyn Future<Output = ()> + Send>>,
    stopped: bool,
}

impl<S> CancelOnShutdown<S> {
    pub(super) fn new(inner: S, mut shutdown: ShutdownSignal) -> Self {
        CancelOnShutdown {
            inner,
            stop: Box::pin(async move { shutdown.wait().await }),
            stopped: false,
        }
    }

    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if !self.stopped && self.stop.as_mut().poll(cx).is_ready() {
            self.stopped = true;
        }
        if self.stopped {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "lab server shut down",
            ))
        } else {
            Ok(())
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for CancelOnShutdown<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for CancelOnShutdown<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Err(e) = this.check(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_accepted() {
        for ok in ["127.0.0.1:0", "127.9.8.7:22", "[::1]:0"] {
            let addr: SocketAddr = ok.parse().expect("literal address");
            assert!(ensure_loopback(addr).is_ok(), "{ok} should be allowed");
        }
        for bad in [
            "0.0.0.0:0",
            "172.20.20.2:22",
            "192.168.1.1:22",
            "[::]:0",
            "[::ffff:127.0.0.1]:22",
            "[fe80::1]:22",
        ] {
            let addr: SocketAddr = bad.parse().expect("literal address");
            let err = ensure_loopback(addr).expect_err(bad);
            assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_bound_socket_refuses_until_it_listens() {
        let socket = bind_loopback("127.0.0.1:0".parse().expect("literal")).expect("bind");
        let addr = socket.local_addr().expect("local addr");
        let refused = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .expect("connect attempt is quick");
        assert_eq!(
            refused.expect_err("nothing listens yet").kind(),
            io::ErrorKind::ConnectionRefused
        );
        let listener = listen(socket).expect("listen");
        let accepted = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .expect("connect attempt is quick");
        assert!(accepted.is_ok());
        drop(listener);
    }
}
