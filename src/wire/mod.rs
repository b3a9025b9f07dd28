//! The bottom floor: the values that cross between the hub and a device, and
//! the names every floor shares. The hub, the driver, the simulated phone and
//! the vendor modules all import from here; this module imports nothing of
//! pushlab's but [`crate::android`] and [`crate::diagnosis`].
//!
//! - [`protocol`]: the device gateway's JSON (registration, the stream of
//!   display instructions, device events), as the companion agent on a phone
//!   and the simulated push service both speak it.
//! - [`ids`]: [`VendorId`], [`MessageId`], the journal's [`Link`].
//! - [`im`]: what the IM server sends down a device's IM connection.
//! - [`facts`]: what a device is, from its system properties.
//! - [`sdk`]: the vendor SDKs' on-device names (broadcast actions, channels).
//! - [`time`]: calendar conversions (RFC 3339, logcat stamps, the China day).

pub mod facts;
pub mod ids;
pub mod im;
pub mod protocol;
pub mod sdk;
pub mod time;

pub use ids::{Link, MessageId, UnknownVendor, VendorId};
pub use im::ConnectionItem;
pub use protocol::{
    DeviceEvent, DeviceEventKind, DeviceInfo, DisplayInstruction, RegisterError, Reporter, Rom,
    StreamItem,
};
