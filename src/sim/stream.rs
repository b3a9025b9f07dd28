//! The two halves of an adb stream as a service sees them: what the host
//! wrote, and a flow-controlled writer back. A connection ([`super::conn`])
//! makes them; services ([`super::services`], [`super::sync`]) use them.

use bytes::Bytes;
use tokio::sync::mpsc;

/// The incoming half of a stream: the host's `WRTE` payloads.
#[derive(Debug)]
pub struct StreamReader {
    pub(super) rx: mpsc::UnboundedReceiver<Bytes>,
}

impl StreamReader {
    /// The next payload; `None` once the host closed the stream.
    pub async fn read(&mut self) -> Option<Bytes> {
        self.rx.recv().await
    }

    /// The underlying channel (for handing a raw stream to a command as
    /// its stdin).
    pub fn into_receiver(self) -> mpsc::UnboundedReceiver<Bytes> {
        self.rx
    }
}

/// The stream was closed by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stream closed")]
pub struct StreamClosed;

/// The outgoing half of a stream. Dropping every clone ends the stream
/// (`CLSE` after the pending data).
#[derive(Debug, Clone)]
pub struct StreamWriter {
    pub(super) tx: mpsc::Sender<Bytes>,
}

impl StreamWriter {
    /// Queues data for the host; waits while too much is unacknowledged.
    pub async fn write(&self, data: impl Into<Bytes>) -> Result<(), StreamClosed> {
        let data = data.into();
        if data.is_empty() {
            return Ok(());
        }
        self.tx.send(data).await.map_err(|_| StreamClosed)
    }
}
