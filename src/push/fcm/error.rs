//! The send API's google.rpc error shape, shared by validation and the
//! endpoint.

use axum::http::StatusCode;
use serde_json::{json, Value};

/// A google.rpc error of the send API.
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    /// Canonical status, e.g. `NOT_FOUND`.
    pub(super) canonical: &'static str,
    pub(super) message: String,
    /// The FcmError code.
    pub(super) fcm_code: &'static str,
    pub(super) extra: Vec<Value>,
}

impl ApiError {
    pub(super) fn new(
        status: StatusCode,
        canonical: &'static str,
        fcm_code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            canonical,
            message: message.into(),
            fcm_code,
            extra: Vec::new(),
        }
    }

    pub(super) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "INVALID_ARGUMENT",
            message,
        )
    }

    /// 400 with a google.rpc.BadRequest field violation.
    pub(super) fn field(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut e = ApiError::invalid(message.clone());
        e.extra.push(json!({
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [{"field": field, "description": message}],
        }));
        e
    }

    pub(super) fn unauthenticated(message: &str, reason: &str) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "UNSPECIFIED_ERROR",
            message,
        );
        e.extra.push(json!({
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
            "metadata": {"service": "fcm.googleapis.com", "method": "google.firebase.fcm.v1.FcmService.SendMessage"},
        }));
        e
    }

    pub(super) fn body(&self) -> Value {
        let mut details = vec![json!({
            "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
            "errorCode": self.fcm_code,
        })];
        details.extend(self.extra.iter().cloned());
        json!({"error": {
            "code": self.status.as_u16(),
            "message": self.message,
            "status": self.canonical,
            "details": details,
        }})
    }

    pub(super) fn vendor_code(&self) -> &'static str {
        if self.fcm_code == "UNSPECIFIED_ERROR" {
            self.canonical
        } else {
            self.fcm_code
        }
    }
}
