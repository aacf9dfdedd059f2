//! `/v1/batch`: the request body read as it arrives and the result lines sent as they are
//! written, through bounded channels between the async side and `ruling::batch` on the
//! blocking pool, so neither side holds a whole batch.

use std::io::{BufRead, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::Frame;
use http_body_util::BodyExt;
use tokio::sync::mpsc;

/// Chunks in flight each way: enough to keep both sides busy, bounded so memory stays flat.
const IN_FLIGHT: usize = 8;
/// Result bytes gathered before they are sent (fewer, larger chunks).
const SEND_AT: usize = 32 * 1024;

/// Starts copying `body` into a reader for the blocking side; at most `limit` bytes are taken
/// (beyond that the reader fails, which ends the batch with an error record).
pub(crate) fn reader(body: Body, limit: u64) -> ChannelReader {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    tokio::spawn(pump(body, limit, tx));
    ChannelReader {
        rx,
        current: Bytes::new(),
        failed: None,
    }
}

async fn pump(mut body: Body, limit: u64, tx: mpsc::Sender<Result<Bytes, String>>) {
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        let item = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => {
                    total += data.len() as u64;
                    if total > limit {
                        Err(format!("the batch is larger than this server's limit of {limit} bytes"))
                    } else {
                        Ok(data)
                    }
                }
                // Trailers carry no cases.
                Err(_) => continue,
            },
            Err(e) => Err(e.to_string()),
        };
        let stop = item.is_err();
        if tx.send(item).await.is_err() || stop {
            return;
        }
    }
}

/// The request body as a `BufRead` for `ruling::batch::run` (blocks the pool thread, never an
/// async one).
pub(crate) struct ChannelReader {
    rx: mpsc::Receiver<Result<Bytes, String>>,
    current: Bytes,
    failed: Option<String>,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), available.get(..n)) {
            to.copy_from_slice(from);
        }
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.current.is_empty() {
            if let Some(message) = &self.failed {
                return Err(std::io::Error::other(message.clone()));
            }
            match self.rx.blocking_recv() {
                Some(Ok(data)) => self.current = data,
                Some(Err(message)) => self.failed = Some(message),
                None => return Ok(&[]),
            }
        }
        Ok(&self.current)
    }

    fn consume(&mut self, amount: usize) {
        let _taken = self.current.split_to(amount.min(self.current.len()));
    }
}

/// The response body's writer (blocking side) and the body itself (async side).
pub(crate) fn writer() -> (ChannelWriter, Body) {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    (
        ChannelWriter {
            tx,
            buffer: Vec::with_capacity(SEND_AT),
        },
        Body::new(ChannelBody { rx }),
    )
}

/// Gathers result lines and sends them in chunks; fails once the client has gone.
pub(crate) struct ChannelWriter {
    tx: mpsc::Sender<Bytes>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(SEND_AT)));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client has gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= SEND_AT {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// A response body fed by a channel: ends when the writer is dropped.
struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        self.rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(|data| Ok(Frame::data(data))))
    }
}
