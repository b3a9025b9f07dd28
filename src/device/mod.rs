//! The one device driver: a [`Device`] reached through an adb server or
//! directly over TCP, typed commands with deadlines, and the parsers for
//! Android's output formats ([`parse`]).
//!
//! The runner talks to real phones, emulators and the simulated device
//! through this module alone, with the same commands and the same parsers.
//!
//! What goes over the wire (a device, real or simulated, must answer these):
//!
//! | method | service / shell command |
//! |---|---|
//! | [`Device::shell`] | adb server: `host:transport:<serial>` then `shell,v2,raw:<cmd>` (`shell:<cmd>` when the device lacks `shell_v2`); direct TCP: one persistent transport connection (`CNXN`/`AUTH`), one `shell,v2,raw:<cmd>` stream per command (stdout, stderr and exit status apart) |
//! | [`Device::push`] / [`Device::pull`] | `sync:` (`SEND`/`RECV`, v1; over direct TCP on a separate `adb_client` connection) |
//! | [`Device::install`] | push to `/data/local/tmp/<name>.apk`, `pm install -r -t <path>`, `rm -f <path>` |
//! | [`Device::reverse`] | `reverse:forward:<remote>;<local>` (adb server only) |
//! | [`Device::getprop`] / [`Device::api_level`] | `getprop <name>` / `getprop ro.build.version.sdk` |
//! | [`Device::props`] | `getprop` (every property) |
//! | [`Device::package_version`] | `dumpsys package <pkg>` |
//! | [`Device::device_info`] | `getprop`, `dumpsys package com.huawei.hwid`, `pm list packages` ([`facts`]) |
//! | [`Device::notifications`] / [`Device::channels`] | `dumpsys notification --noredact` |
//! | [`Device::activities`] / [`Device::resumed_activity`] | `dumpsys activity activities` |
//! | [`Device::am_start`] | `am start -W '<intent URI>'` |
//! | [`Device::pidof`] | `pidof <name>` |
//! | [`Device::processes`] | `ps -A` |
//! | [`Device::packages`] | `pm list packages` |
//! | [`Device::logcat_dump`] / [`Device::logcat_clear`] | `logcat -d -v threadtime` / `logcat -c` |
//! | [`Device::ui_dump`] | `uiautomator dump /dev/tty` |
//! | [`Device::force_stop`] / [`Device::kill`] | `am force-stop <pkg>` / `am kill <pkg>` |
//! | [`Device::tap`] | `input tap <x> <y>` |
//! | [`Device::notification_shade`] | `cmd statusbar expand-notifications` / `cmd statusbar collapse` |
//!
//! Arguments are quoted with [`shell_quote`] (single quotes only when needed).

mod commands;
mod direct;
pub mod driver;
mod error;
pub mod facts;
mod output;
pub mod parse;
mod target;

pub use crate::wire::facts::{device_info_from_props, HMS_CORE_PACKAGE, PLAY_SERVICES_PACKAGE};
pub use driver::{attached_devices, shell_quote, Deadlines, Device};
pub use error::{DeviceError, DeviceErrorKind};
pub use output::ShellOutput;
pub use parse::PackageVersion;
pub use target::{AttachedDevice, Target, TargetParseError, DEFAULT_ADB_SERVER_PORT};
