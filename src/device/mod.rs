//! The one device driver: a [`Device`] reached through an adb server or
//! directly over TCP, typed commands with deadlines, and the parsers for
//! Android's output formats ([`parse`]).
//!
//! The runner talks to real phones, emulators and the simulated device
//! through this module alone, with the same commands and the same parsers.

pub mod driver;
pub mod parse;

pub use driver::{
    attached_devices, shell_quote, AttachedDevice, Deadlines, Device, DeviceError, DeviceErrorKind,
    ShellOutput, Target, TargetParseError, DEFAULT_ADB_SERVER_PORT,
};
