//! Hands a connection we already started reading to russh as if it were fresh.
//!
//! The banner and kex stages read the server's identification and KEXINIT themselves (russh
//! does not expose the server's offer), and send our identification. `Replay` then feeds those
//! bytes to russh again before reading on from the socket, and swallows russh's own copy of our
//! identification line, which the server has already received. One TCP connection serves all
//! stages: servers penalise repeated probes (OpenSSH's PerSourcePenalties).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub struct Replay<S> {
    inner: S,
    replay: Vec<u8>,
    replayed: usize,
    already_sent: Vec<u8>,
    swallowed: usize,
}

impl<S> Replay<S> {
    /// `replay`: bytes to read before the socket; `already_sent`: the prefix of what russh will
    /// write that the peer already has.
    pub fn new(inner: S, replay: Vec<u8>, already_sent: Vec<u8>) -> Replay<S> {
        Replay {
            inner,
            replay,
            replayed: 0,
            already_sent,
            swallowed: 0,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Replay<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.replayed < this.replay.len() {
            let rest = &this.replay[this.replayed..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.replayed += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replay<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let pending = &this.already_sent[this.swallowed..];
        if !pending.is_empty() {
            let n = pending.iter().zip(buf).take_while(|(a, b)| a == b).count();
            if n > 0 {
                this.swallowed += n;
                return Poll::Ready(Ok(n));
            }
            // russh wrote something else first: stop filtering rather than corrupt the stream.
            this.swallowed = this.already_sent.len();
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn replays_then_reads_on_and_swallows_sent_prefix() {
        let (client, mut server) = tokio::io::duplex(1024);
        let mut tap = Replay::new(
            client,
            b"SSH-2.0-x\r\n".to_vec(),
            b"SSH-2.0-me\r\n".to_vec(),
        );
        server.write_all(b"more").await.unwrap();
        let mut got = vec![0u8; 15];
        tap.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"SSH-2.0-x\r\nmore");
        tap.write_all(b"SSH-2.0-me\r\nKEXINIT").await.unwrap();
        let mut seen = vec![0u8; 7];
        server.read_exact(&mut seen).await.unwrap();
        assert_eq!(&seen, b"KEXINIT");
    }
}
