//! Identifiers and names every floor of pushlab shares: which vendor, which
//! message, which box of the chain.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The vendors pushlab simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VendorId {
    Xiaomi,
    Huawei,
    Oppo,
    Vivo,
    Meizu,
    Fcm,
}

impl VendorId {
    pub const ALL: [VendorId; 6] = [
        VendorId::Xiaomi,
        VendorId::Huawei,
        VendorId::Oppo,
        VendorId::Vivo,
        VendorId::Meizu,
        VendorId::Fcm,
    ];

    /// The lower-case name used in paths and files (`xiaomi`, `fcm`...).
    pub fn name(self) -> &'static str {
        match self {
            VendorId::Xiaomi => "xiaomi",
            VendorId::Huawei => "huawei",
            VendorId::Oppo => "oppo",
            VendorId::Vivo => "vivo",
            VendorId::Meizu => "meizu",
            VendorId::Fcm => "fcm",
        }
    }

    /// The product name a person knows.
    pub fn display_name(self) -> &'static str {
        match self {
            VendorId::Xiaomi => "Xiaomi Mi Push",
            VendorId::Huawei => "Huawei HMS Push",
            VendorId::Oppo => "OPPO Push",
            VendorId::Vivo => "vivo Push",
            VendorId::Meizu => "Meizu Flyme Push",
            VendorId::Fcm => "Google FCM",
        }
    }
}

impl fmt::Display for VendorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A string that names no vendor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown vendor `{0}` (allowed: xiaomi, huawei, oppo, vivo, meizu, fcm)")]
pub struct UnknownVendor(pub String);

impl FromStr for VendorId {
    type Err = UnknownVendor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VendorId::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownVendor(s.to_string()))
    }
}

/// The id every message gets at `sendmsg` (or at a vendor endpoint for a push
/// that did not come through the IM server).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub String);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for MessageId {
    fn from(s: &str) -> Self {
        MessageId(s.to_string())
    }
}

/// The box of the chain a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    Im,
    Vendor,
    Gateway,
    Device,
    App,
}
