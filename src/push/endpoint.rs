//! The machinery every simulated vendor endpoint shares, written once: the
//! request log, fault injection, and quota/frequency limits that can be read
//! and patched as JSON and reset without losing their settings.
//!
//! A vendor implements [`EndpointState`] (where its log, faults and limits
//! live, and how new limits take over what was already counted); the
//! [`super::Vendor`] trait's `requests`/`faults`/`limits`/`set_limits`/`reset`
//! then come for free through [`EndpointControl`].

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::common::{Faults, RequestLog, RequestLogs};

/// Where a simulated endpoint keeps its shared state, and the two things
/// only the vendor knows: how new limits replace the old ones, and what else
/// `reset` forgets (tokens issued, saved messages...).
pub trait EndpointState: Send + Sync + 'static {
    /// The endpoint's quota and frequency-control settings, in the vendor's
    /// own shape (defaults come from the vendor's docs).
    type Limits: Serialize + DeserializeOwned;

    fn logs(&self) -> &RequestLogs;
    fn faults(&self) -> &Faults;
    fn current_limits(&self) -> Self::Limits;
    /// Installs `limits`. Counts already made (today's quota, a rate
    /// window) carry over: new limits apply to what was counted.
    fn install_limits(&self, limits: Self::Limits);
    /// Forgets the vendor's own state and restarts its counters with the
    /// current limits; the log and faults are cleared by the caller.
    fn reset_state(&self);
}

/// The object-safe face of an endpoint's state, used by the hub's admin API
/// through [`super::Vendor`].
pub trait EndpointControl: Send + Sync {
    fn requests(&self) -> Vec<RequestLog>;
    fn faults(&self) -> &Faults;
    fn limits(&self) -> Value;
    fn set_limits(&self, patch: Value) -> Result<(), String>;
    fn reset(&self);
}

impl<S: EndpointState> EndpointControl for S {
    fn requests(&self) -> Vec<RequestLog> {
        self.logs().list()
    }

    fn faults(&self) -> &Faults {
        EndpointState::faults(self)
    }

    fn limits(&self) -> Value {
        serde_json::to_value(self.current_limits()).unwrap_or(Value::Null)
    }

    fn set_limits(&self, patch: Value) -> Result<(), String> {
        let merged = merge_limits(&self.current_limits(), patch)?;
        self.install_limits(merged);
        Ok(())
    }

    fn reset(&self) {
        self.logs().clear();
        EndpointState::faults(self).clear();
        self.reset_state();
    }
}

/// Overlays the keys of `patch` on `current`; a key the vendor's limits do
/// not have, or a value of the wrong type, is an error.
pub fn merge_limits<L: Serialize + DeserializeOwned>(
    current: &L,
    patch: Value,
) -> Result<L, String> {
    let Value::Object(patch) = patch else {
        return Err("limits must be a JSON object".into());
    };
    let mut cur = serde_json::to_value(current).map_err(|e| e.to_string())?;
    if let Value::Object(cur) = &mut cur {
        cur.extend(patch);
    }
    serde_json::from_value(cur).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Limits {
        daily: u64,
        per_second: u64,
    }

    struct State {
        logs: RequestLogs,
        faults: Faults,
        limits: Mutex<Limits>,
        counted: Mutex<u64>,
    }

    impl EndpointState for State {
        type Limits = Limits;
        fn logs(&self) -> &RequestLogs {
            &self.logs
        }
        fn faults(&self) -> &Faults {
            &self.faults
        }
        fn current_limits(&self) -> Limits {
            self.limits.lock().clone()
        }
        fn install_limits(&self, limits: Limits) {
            *self.limits.lock() = limits;
        }
        fn reset_state(&self) {
            *self.counted.lock() = 0;
        }
    }

    fn state() -> State {
        State {
            logs: RequestLogs::default(),
            faults: Faults::default(),
            limits: Mutex::new(Limits {
                daily: 10,
                per_second: 2,
            }),
            counted: Mutex::new(7),
        }
    }

    #[test]
    fn a_patch_changes_only_the_keys_it_names() {
        let s = state();
        s.set_limits(serde_json::json!({"daily": 3})).unwrap();
        assert_eq!(s.limits(), serde_json::json!({"daily": 3, "per_second": 2}));
    }

    #[test]
    fn unknown_keys_and_non_objects_are_refused() {
        let s = state();
        assert!(s.set_limits(serde_json::json!({"weekly": 3})).is_err());
        assert_eq!(
            s.set_limits(serde_json::json!([1])).unwrap_err(),
            "limits must be a JSON object"
        );
        assert_eq!(s.current_limits().daily, 10);
    }

    #[test]
    fn reset_keeps_the_limits_and_forgets_the_counts() {
        let s = state();
        s.set_limits(serde_json::json!({"daily": 4})).unwrap();
        s.reset();
        assert_eq!(*s.counted.lock(), 0);
        assert_eq!(s.current_limits().daily, 4);
        assert!(s.requests().is_empty());
    }
}
