//! Why a device call failed, sorted into infrastructure and the command's
//! own failure.

use std::path::PathBuf;
use std::time::Duration;

use adb_client::RustADBError;
use serde::{Deserialize, Serialize};

use super::target::Target;

/// The broad class of a [`DeviceError`]: infrastructure (the link to the
/// device) versus the command's own failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceErrorKind {
    Timeout,
    DeviceLost,
    Protocol,
    Rejected,
    CommandFailed,
    Unsupported,
    LocalIo,
}

/// Why a device call failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The call did not finish within its deadline.
    #[error("`{op}` on {target} timed out after {after:?}")]
    Timeout {
        op: String,
        target: String,
        after: Duration,
    },
    /// The connection broke or the device is not attached / offline /
    /// unauthorized.
    #[error("device {target} lost during `{op}`: {message}")]
    DeviceLost {
        op: String,
        target: String,
        message: String,
    },
    /// The peer spoke something that is not the ADB protocol.
    #[error("ADB protocol error during `{op}` on {target}: {message}")]
    Protocol {
        op: String,
        target: String,
        message: String,
    },
    /// The adb server or adbd refused the request (`FAIL` + message).
    #[error("`{op}` refused by {target}: {message}")]
    Rejected {
        op: String,
        target: String,
        message: String,
    },
    /// The command ran and failed.
    #[error("`{command}` failed (exit {exit:?}): {output}")]
    CommandFailed {
        command: String,
        exit: Option<u8>,
        output: String,
    },
    /// The operation needs the adb server (e.g. `reverse` over direct TCP).
    #[error("`{op}` is not supported over {target}")]
    Unsupported { op: String, target: String },
    /// A local file could not be read or written.
    #[error("local file {path}: {source}")]
    LocalIo {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DeviceError {
    pub fn kind(&self) -> DeviceErrorKind {
        match self {
            DeviceError::Timeout { .. } => DeviceErrorKind::Timeout,
            DeviceError::DeviceLost { .. } => DeviceErrorKind::DeviceLost,
            DeviceError::Protocol { .. } => DeviceErrorKind::Protocol,
            DeviceError::Rejected { .. } => DeviceErrorKind::Rejected,
            DeviceError::CommandFailed { .. } => DeviceErrorKind::CommandFailed,
            DeviceError::Unsupported { .. } => DeviceErrorKind::Unsupported,
            DeviceError::LocalIo { .. } => DeviceErrorKind::LocalIo,
        }
    }

    /// True when the link to the device failed rather than the command.
    pub fn is_infrastructure(&self) -> bool {
        matches!(
            self.kind(),
            DeviceErrorKind::Timeout | DeviceErrorKind::DeviceLost | DeviceErrorKind::Protocol
        )
    }

    pub(super) fn from_adb(op: &str, target: &Target, e: RustADBError) -> DeviceError {
        use std::io::ErrorKind as K;
        let (op, target) = (op.to_string(), target.to_string());
        let message = e.to_string();
        match e {
            RustADBError::IOError(io) => match io.kind() {
                K::TimedOut | K::WouldBlock => DeviceError::Timeout {
                    op,
                    target,
                    after: Duration::ZERO,
                },
                _ => DeviceError::DeviceLost {
                    op,
                    target,
                    message,
                },
            },
            RustADBError::DeviceNotFound(_) => DeviceError::DeviceLost {
                op,
                target,
                message,
            },
            RustADBError::ADBRequestFailed(m) => {
                let lower = m.to_ascii_lowercase();
                if [
                    "not found",
                    "offline",
                    "unauthorized",
                    "no devices",
                    "closed",
                ]
                .iter()
                .any(|k| lower.contains(k))
                {
                    DeviceError::DeviceLost {
                        op,
                        target,
                        message: m,
                    }
                } else {
                    DeviceError::Rejected {
                        op,
                        target,
                        message: m,
                    }
                }
            }
            _ => DeviceError::Protocol {
                op,
                target,
                message,
            },
        }
    }
}
