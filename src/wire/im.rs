//! What the IM server sends down a device's IM connection.

use serde::{Deserialize, Serialize};

use super::MessageId;

/// A line on a device's IM connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConnectionItem {
    /// The connection is up; the user is online.
    Hello { user: String },
    /// A message delivered online.
    Message {
        message_id: MessageId,
        from: String,
        text: String,
    },
    /// A login elsewhere kicked this device; the connection closes.
    Kicked { by_device: String },
}
