//! One clock for the IM server, the gateway and the vendor simulators.
//!
//! Virtual by default in simulated runs: time moves only when someone calls
//! [`Clock::advance`], so a certificate's 10-minute delay, a token's lifetime
//! or a vendor's rate-limit window cost no wall time. Real when asked.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// Milliseconds since the Unix epoch, on the hub's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub fn plus(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.as_millis() as i64))
    }

    /// How long after `earlier` this is (zero when it is not after).
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0).max(0) as u64)
    }

    fn wall_now() -> Timestamp {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(d.as_millis() as i64)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-22T02:30:00.000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::wire::time::rfc3339_millis(self.0))
    }
}

/// Whether the clock follows the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockMode {
    /// Moves only on [`Clock::advance`].
    Virtual,
    /// Follows the wall clock, plus whatever was advanced.
    Real,
}

struct Inner {
    mode: ClockMode,
    /// Virtual: the current time. Real: the offset added to the wall clock.
    value: AtomicI64,
    ticks: watch::Sender<i64>,
}

/// The hub's clock; cheap to clone, all clones share one time.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("mode", &self.inner.mode)
            .field("now", &self.now())
            .finish()
    }
}

impl Clock {
    /// A virtual clock that starts at `start`.
    pub fn virtual_at(start: Timestamp) -> Clock {
        Self::with(ClockMode::Virtual, start.0)
    }

    /// A virtual clock that starts at the current wall time.
    pub fn virtual_now() -> Clock {
        Self::virtual_at(Timestamp::wall_now())
    }

    /// A clock that follows the wall clock.
    pub fn real() -> Clock {
        Self::with(ClockMode::Real, 0)
    }

    fn with(mode: ClockMode, value: i64) -> Clock {
        let (ticks, _) = watch::channel(0);
        Clock {
            inner: Arc::new(Inner {
                mode,
                value: AtomicI64::new(value),
                ticks,
            }),
        }
    }

    pub fn mode(&self) -> ClockMode {
        self.inner.mode
    }

    pub fn is_virtual(&self) -> bool {
        self.inner.mode == ClockMode::Virtual
    }

    pub fn now(&self) -> Timestamp {
        let v = self.inner.value.load(Ordering::SeqCst);
        match self.inner.mode {
            ClockMode::Virtual => Timestamp(v),
            ClockMode::Real => Timestamp(Timestamp::wall_now().0 + v),
        }
    }

    /// Moves the clock forward; instant in either mode.
    pub fn advance(&self, d: Duration) {
        self.inner
            .value
            .fetch_add(d.as_millis() as i64, Ordering::SeqCst);
        self.inner.ticks.send_modify(|n| *n += 1);
    }

    /// Resolves once the clock reads `t` or later. On a virtual clock that
    /// happens only when someone advances it.
    pub async fn sleep_until(&self, t: Timestamp) {
        let mut rx = self.inner.ticks.subscribe();
        loop {
            let now = self.now();
            if now >= t {
                return;
            }
            match self.inner.mode {
                ClockMode::Virtual => {
                    if rx.changed().await.is_err() {
                        return;
                    }
                }
                ClockMode::Real => {
                    tokio::select! {
                        _ = tokio::time::sleep(t.since(now)) => {}
                        r = rx.changed() => { if r.is_err() { return; } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_moves_only_when_advanced() {
        let c = Clock::virtual_at(Timestamp(1_000));
        assert_eq!(c.now(), Timestamp(1_000));
        c.advance(Duration::from_secs(600));
        assert_eq!(c.now(), Timestamp(601_000));
    }

    #[test]
    fn timestamps_format_as_rfc3339() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(1_795_314_600_123).to_string(),
            "2026-11-22T02:30:00.123Z"
        );
    }

    #[tokio::test]
    async fn sleep_until_wakes_on_advance() {
        let c = Clock::virtual_at(Timestamp(0));
        let c2 = c.clone();
        let waiter = tokio::spawn(async move { c2.sleep_until(Timestamp(10_000)).await });
        c.advance(Duration::from_secs(5));
        assert!(!waiter.is_finished() || c.now() >= Timestamp(10_000));
        c.advance(Duration::from_secs(5));
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woke")
            .unwrap();
    }
}
