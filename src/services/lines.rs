//! Chunked JSON-lines streams whose end (the peer going away) is noticed.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use futures::Stream;
use serde::Serialize;
use tokio::sync::mpsc;

/// Runs its closure when dropped: the stream's body was dropped, which means
/// the client closed the connection (or the server is shutting down).
pub struct OnDrop(Option<Box<dyn FnOnce() + Send + Sync>>);

impl OnDrop {
    pub fn new(f: impl FnOnce() + Send + Sync + 'static) -> OnDrop {
        OnDrop(Some(Box::new(f)))
    }
}

impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

struct LineStream<T> {
    rx: mpsc::UnboundedReceiver<T>,
    _guard: OnDrop,
}

impl<T: Serialize> Stream for LineStream<T> {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(item)) => {
                let mut line = serde_json::to_vec(&item).map_err(std::io::Error::other)?;
                line.push(b'\n');
                Poll::Ready(Some(Ok(Bytes::from(line))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A response body that writes each item of `rx` as one JSON line, and runs
/// `guard` when the body is dropped.
pub fn json_lines<T: Serialize + Send + 'static>(
    rx: mpsc::UnboundedReceiver<T>,
    guard: OnDrop,
) -> Body {
    Body::from_stream(LineStream { rx, _guard: guard })
}
