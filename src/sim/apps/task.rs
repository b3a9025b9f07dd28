//! A spawned task tied to its owner.

/// Aborts its task when dropped (a connection it drives closes with it).
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
