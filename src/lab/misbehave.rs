//! Raw TCP peers that answer like something other than a working SSH server.
//!
//! A "text lines, then a real SSH banner" server is not here: it is a device with
//! [`DeviceSpec::pre_banner_lines`](super::DeviceSpec::pre_banner_lines).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::lifecycle::{
    ServiceGuard, accept_loop, bind_loopback, close_gracefully, drain_until, listen,
};

/// Longest a peer keeps a connection it never answers properly.
const HOLD_LIMIT: Duration = Duration::from_secs(60);
/// How long a closing peer waits for the client to close after our FIN.
const CLOSE_LINGER: Duration = Duration::from_secs(5);

/// What the peer does with each accepted connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Misbehaviour {
    /// Accepts and says nothing; holds until the client leaves or 60 s pass.
    Tarpit,
    /// Answers like a web server: `HTTP/1.1 400 Bad Request`, then closes.
    Http,
    /// Sends binary bytes that are no identification line, then closes.
    Garbage,
    /// Announces `SSH-1.5-Cisco-1.25` (SSH protocol 1 only), then closes.
    Ssh1Only,
    /// Accepts, then resets the connection (RST).
    Reset,
    /// Accepts, then closes cleanly (FIN) without a word.
    CleanClose,
    /// A valid identification line, then a packet length of 0xFFFFFFF0; then holds.
    HugePacket,
    /// An identification line longer than 255 bytes with no line end; then holds.
    LongLine,
}

const HTTP_RESPONSE: &[u8] = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\
Content-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
/// Not valid UTF-8, no line end, no `SSH-`.
const GARBAGE: &[u8] = &[
    0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0xff, 0xfe, 0x00, 0x9c, 0x80,
    0xc0, 0x2f, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01,
];
const SSH1_BANNER: &[u8] = b"SSH-1.5-Cisco-1.25\r\n";
const HUGE_PACKET_BANNER: &[u8] = b"SSH-2.0-OpenSSH_9.2\r\n";
const HUGE_PACKET_LENGTH: [u8; 4] = [0xff, 0xff, 0xff, 0xf0];
/// Length of the unterminated line sent by [`Misbehaviour::LongLine`].
const LONG_LINE_LEN: usize = 1024;

impl Misbehaviour {
    pub const ALL: [Misbehaviour; 8] = [
        Misbehaviour::Tarpit,
        Misbehaviour::Http,
        Misbehaviour::Garbage,
        Misbehaviour::Ssh1Only,
        Misbehaviour::Reset,
        Misbehaviour::CleanClose,
        Misbehaviour::HugePacket,
        Misbehaviour::LongLine,
    ];

    /// Exactly what the peer sends on each connection before closing or holding.
    pub fn bytes(self) -> Vec<u8> {
        match self {
            Misbehaviour::Tarpit | Misbehaviour::Reset | Misbehaviour::CleanClose => Vec::new(),
            Misbehaviour::Http => HTTP_RESPONSE.to_vec(),
            Misbehaviour::Garbage => GARBAGE.to_vec(),
            Misbehaviour::Ssh1Only => SSH1_BANNER.to_vec(),
            Misbehaviour::HugePacket => [HUGE_PACKET_BANNER, &HUGE_PACKET_LENGTH].concat(),
            Misbehaviour::LongLine => {
                let mut line = b"SSH-2.0-".to_vec();
                line.resize(LONG_LINE_LEN, b'A');
                line
            }
        }
    }

    /// Whether the peer keeps the connection open after sending (rather than closing).
    fn holds(self) -> bool {
        matches!(
            self,
            Misbehaviour::Tarpit | Misbehaviour::HugePacket | Misbehaviour::LongLine
        )
    }
}

/// A running misbehaving peer; dropping it stops the listener and every connection.
pub struct RunningPeer {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
    guard: ServiceGuard,
}

impl std::fmt::Debug for RunningPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningPeer")
            .field("addr", &self.addr)
            .field("connections", &self.connections.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

impl RunningPeer {
    /// Stops the peer and waits (bounded) until its listener is closed.
    pub async fn shutdown(self) {
        self.guard.stop().await;
    }
}

/// Starts a peer on `bind` (loopback only; port 0 picks a free port), listening on return.
pub async fn spawn_misbehaving(kind: Misbehaviour, bind: SocketAddr) -> io::Result<RunningPeer> {
    let listener = listen(bind_loopback(bind)?)?;
    let addr = listener.local_addr()?;
    let connections = Arc::new(AtomicUsize::new(0));
    let (mut guard, shutdown) = ServiceGuard::new();
    let counter = connections.clone();
    guard.attach(tokio::spawn(accept_loop(
        listener,
        shutdown,
        move |stream| {
            counter.fetch_add(1, Ordering::SeqCst);
            misbehave(kind, stream)
        },
    )));
    Ok(RunningPeer {
        addr,
        connections,
        guard,
    })
}

async fn misbehave(kind: Misbehaviour, mut stream: TcpStream) {
    if kind == Misbehaviour::Reset {
        // Zero linger makes the close an RST instead of a FIN.
        if let Err(e) = stream.set_zero_linger() {
            tracing::debug!("lab peer: cannot set zero linger: {e}");
        }
        drop(stream);
        return;
    }
    let _ = stream.set_nodelay(true);
    if stream.write_all(&kind.bytes()).await.is_err() {
        return;
    }
    if kind.holds() {
        drain_until(&mut stream, Instant::now() + HOLD_LIMIT).await;
    } else {
        close_gracefully(stream, CLOSE_LINGER).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::time::timeout;

    const LIMIT: Duration = Duration::from_secs(10);

    async fn peer(kind: Misbehaviour) -> (RunningPeer, TcpStream) {
        let bind = "127.0.0.1:0".parse().expect("literal address");
        let peer = spawn_misbehaving(kind, bind).await.expect("peer starts");
        let stream = timeout(LIMIT, TcpStream::connect(peer.addr))
            .await
            .expect("connect in time")
            .expect("connect");
        (peer, stream)
    }

    /// Everything the peer sends until it closes.
    async fn read_to_close(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
        let mut got = Vec::new();
        timeout(LIMIT, stream.read_to_end(&mut got))
            .await
            .expect("peer closes in time")?;
        Ok(got)
    }

    /// Reads `len` bytes, then checks that the peer holds the connection open.
    async fn read_then_held(stream: &mut TcpStream, len: usize) -> Vec<u8> {
        let mut got = vec![0u8; len];
        timeout(LIMIT, stream.read_exact(&mut got))
            .await
            .expect("bytes in time")
            .expect("read");
        let mut more = [0u8; 16];
        let held = timeout(Duration::from_millis(300), stream.read(&mut more)).await;
        assert!(
            held.is_err(),
            "connection should be held open, got {held:?}"
        );
        got
    }

    #[tokio::test]
    async fn closing_peers_send_their_bytes_then_fin() {
        for kind in [
            Misbehaviour::Http,
            Misbehaviour::Garbage,
            Misbehaviour::Ssh1Only,
        ] {
            let (peer, mut stream) = peer(kind).await;
            let got = read_to_close(&mut stream).await.expect("clean close");
            assert_eq!(got, kind.bytes(), "{kind:?}");
            assert!(!got.is_empty());
            assert_eq!(peer.connections.load(Ordering::SeqCst), 1, "{kind:?}");
        }
        let http = Misbehaviour::Http.bytes();
        assert!(http.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
        assert_eq!(Misbehaviour::Ssh1Only.bytes(), b"SSH-1.5-Cisco-1.25\r\n");
        assert!(
            !Misbehaviour::Garbage
                .bytes()
                .windows(4)
                .any(|w| w == b"SSH-")
        );
    }

    #[tokio::test]
    async fn clean_close_sends_nothing() {
        let (_peer, mut stream) = peer(Misbehaviour::CleanClose).await;
        assert_eq!(read_to_close(&mut stream).await.expect("FIN, not RST"), b"");
    }

    #[tokio::test]
    async fn reset_peer_sends_rst() {
        let (_peer, mut stream) = peer(Misbehaviour::Reset).await;
        let err = read_to_close(&mut stream).await.expect_err("reset");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }

    #[tokio::test]
    async fn tarpit_says_nothing_and_holds() {
        let (_peer, mut stream) = peer(Misbehaviour::Tarpit).await;
        assert!(read_then_held(&mut stream, 0).await.is_empty());
    }

    #[tokio::test]
    async fn huge_packet_follows_a_valid_identification() {
        let (_peer, mut stream) = peer(Misbehaviour::HugePacket).await;
        let got = read_then_held(&mut stream, 25).await;
        assert_eq!(&got[..21], b"SSH-2.0-OpenSSH_9.2\r\n");
        assert_eq!(&got[21..], &[0xff, 0xff, 0xff, 0xf0]);
    }

    #[tokio::test]
    async fn long_line_never_ends() {
        let (_peer, mut stream) = peer(Misbehaviour::LongLine).await;
        let got = read_then_held(&mut stream, LONG_LINE_LEN).await;
        assert!(got.starts_with(b"SSH-2.0-"));
        assert!(got.len() > 255);
        assert!(!got.contains(&b'\n') && !got.contains(&b'\r'));
    }

    #[tokio::test]
    async fn dropping_a_peer_releases_held_connections() {
        let (peer, mut stream) = peer(Misbehaviour::Tarpit).await;
        read_then_held(&mut stream, 0).await;
        let addr = peer.addr;
        drop(peer);
        let end = read_to_close(&mut stream).await;
        assert!(matches!(end.as_deref(), Ok(b"") | Err(_)), "{end:?}");
        // Dropping aborts the listener's task, which ends at the runtime's next turn.
        let closed = timeout(LIMIT, async {
            while TcpStream::connect(addr).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert!(closed.is_ok(), "listener closed");
    }

    #[tokio::test]
    async fn every_kind_counts_its_connections() {
        for kind in Misbehaviour::ALL {
            let (peer, stream) = peer(kind).await;
            let counted = timeout(LIMIT, async {
                while peer.connections.load(Ordering::SeqCst) == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
            .await;
            assert!(counted.is_ok(), "{kind:?} did not count its connection");
            drop(stream);
            timeout(LIMIT, peer.shutdown())
                .await
                .expect("shutdown in time");
        }
    }
}
