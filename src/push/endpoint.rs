//! The machinery every simulated vendor endpoint shares, written once: the
//! request log, fault injection, and quota/frequency limits that can be read
//! and patched as JSON and reset without losing their settings.
//!
//! A vendor implements [`EndpointState`] (where its log, faults and limits
//! live, and how new limits take over what was already counted); the
//! [`super::Vendor`] trait's `requests`/`faults`/`limits`/`set_limits`/`reset`
//! then come for free through [`EndpointControl`].

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::common::{fault_status, journal_fault, FaultKind, Faults, RequestLog, RequestLogs};
use super::{Services, VendorId};
use crate::diagnosis::Diagnosis;
use crate::services::clock::Timestamp;
use crate::services::journal::{Event, MessageId};

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

/// Why a send handler stopped before accepting: a refusal in the vendor's
/// own terms, turned into the vendor's error answer at one place, or an
/// answer already made (an injected server error, a dropped connection).
///
/// Each stage of a handler returns `Result<_, Halt<E>>`, so the handler
/// reads as its list of stages joined by `?`.
pub enum Halt<E> {
    Refuse(E),
    /// Boxed: a response is large, and most stages only refuse.
    Answered(Box<Response>),
}

impl<E> From<E> for Halt<E> {
    fn from(e: E) -> Self {
        Halt::Refuse(e)
    }
}

impl<E> Halt<E> {
    /// Stops with this answer.
    pub fn answered(response: Response) -> Halt<E> {
        Halt::Answered(Box::new(response))
    }

    /// The response: a refusal through `refuse`, else the answer made.
    pub fn answer(self, refuse: impl FnOnce(E) -> Response) -> Response {
        match self {
            Halt::Refuse(e) => refuse(e),
            Halt::Answered(r) => *r,
        }
    }
}

/// How a vendor words the injected faults that answer no vendor code of
/// its own, in its request log and journal.
pub struct FaultWords {
    /// Request-log message of an injected server error.
    pub server_error_logged: &'static str,
    /// Journal message of an injected server error.
    pub server_error_journaled: &'static str,
    /// Request-log and journal message of a dropped connection.
    pub dropped: &'static str,
}

/// One send request a simulated endpoint is answering: the facts its
/// request-log entry and journal events share (when, which path, which IM
/// message, which tokens), gathered once so each stage only adds its own
/// outcome.
pub struct Exchange<'a> {
    pub vendor: VendorId,
    pub services: &'a Services,
    logs: &'a RequestLogs,
    pub now: Timestamp,
    pub path: String,
    pub message_id: MessageId,
    /// The target tokens, as far as the handler has read them.
    pub tokens: Vec<String>,
}

impl<'a> Exchange<'a> {
    /// Starts the exchange of a request to `path`, now on the hub clock,
    /// with the journal id its headers carry (or a new one).
    pub fn new(
        vendor: VendorId,
        services: &'a Services,
        logs: &'a RequestLogs,
        headers: &HeaderMap,
        path: impl Into<String>,
    ) -> Exchange<'a> {
        Exchange {
            vendor,
            services,
            logs,
            now: services.clock.now(),
            path: path.into(),
            message_id: services.message_id_for(headers, vendor),
            tokens: Vec::new(),
        }
    }

    /// The tokens as `&str`, for fault scopes and lookups.
    pub fn token_refs(&self) -> Vec<&str> {
        self.tokens.iter().map(String::as_str).collect()
    }

    /// Adds the request's entry to the vendor's request log.
    pub fn log(&self, http_status: u16, accepted: bool, vendor_code: &str, message: &str) {
        self.logs.push(RequestLog {
            at: self.now,
            method: "POST".into(),
            path: self.path.clone(),
            http_status,
            accepted,
            vendor_code: vendor_code.to_string(),
            message: message.to_string(),
            tokens: self.tokens.clone(),
            message_id: Some(self.message_id.clone()),
        });
    }

    /// Journals the endpoint's refusal of the message (or of one target).
    pub fn journal_rejected(&self, vendor_code: &str, message: &str, code: Diagnosis) {
        self.services.journal.append(
            Some(&self.message_id),
            None,
            Event::EndpointRejected {
                vendor: self.vendor,
                vendor_code: vendor_code.to_string(),
                message: message.to_string(),
                code,
            },
        );
    }

    /// Journals that the endpoint accepted the message for `token`.
    pub fn journal_accepted(&self, vendor_message_id: &str, token: &str) {
        self.services.journal.append(
            Some(&self.message_id),
            None,
            Event::EndpointAccepted {
                vendor: self.vendor,
                vendor_message_id: vendor_message_id.to_string(),
                token: token.to_string(),
            },
        );
    }

    /// The faults stage every vendor runs after authentication and before
    /// validation ("the next N" counts authenticated sends): waits out an
    /// injected latency; answers an injected server error (with the
    /// vendor's `server_error` body) or a dropped connection, logged and
    /// journaled; hands an injected vendor code back for the vendor to
    /// answer in its own shape.
    pub async fn injected_fault<E>(
        &self,
        faults: &Faults,
        words: &FaultWords,
        server_error: impl FnOnce(StatusCode) -> Response,
    ) -> Result<Option<String>, Halt<E>> {
        match faults.take(&self.token_refs()) {
            None => Ok(None),
            Some(FaultKind::Latency { millis }) => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                Ok(None)
            }
            Some(FaultKind::ErrorCode { code }) => Ok(Some(code)),
            Some(FaultKind::ServerError { status }) => {
                let status = fault_status(status);
                let vendor_code = super::common::http_code(status.as_u16());
                self.log(
                    status.as_u16(),
                    false,
                    &vendor_code,
                    words.server_error_logged,
                );
                self.journal_fault(&vendor_code, words.server_error_journaled);
                Err(Halt::answered(server_error(status)))
            }
            Some(FaultKind::Drop) => {
                self.log(0, false, "transport", words.dropped);
                self.journal_fault("transport", words.dropped);
                Err(Halt::answered(dropped_connection()))
            }
        }
    }

    fn journal_fault(&self, vendor_code: &str, message: &str) {
        journal_fault(
            self.services,
            &self.message_id,
            self.vendor,
            vendor_code,
            message,
        );
    }
}

/// A JSON answer with the `application/json;charset=UTF-8` content type
/// the vendors write.
pub fn json_answer(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )],
        body.to_string(),
    )
        .into_response()
}

/// A response whose body fails right after the head: hyper aborts the
/// connection, so the client sees it drop before an answer arrives
/// ([`FaultKind::Drop`]).
pub fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ))
    });
    Response::new(Body::from_stream(stream))
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
