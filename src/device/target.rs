//! Which device a [`super::Device`] talks to, and the devices an adb server
//! has attached.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

/// The adb server's default port (`ANDROID_ADB_SERVER_PORT` overrides it).
pub const DEFAULT_ADB_SERVER_PORT: u16 = 5037;

/// Where a device is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// Through an adb server (smart-socket protocol), selecting the device
    /// by serial (`None`: the only device attached).
    AdbServer {
        serial: Option<String>,
        host: Ipv4Addr,
        port: u16,
    },
    /// Straight to an adbd listening on TCP (a phone in `adb tcpip` mode, an
    /// emulator's console port + 1, or pushlab's simulated device).
    Tcp { addr: SocketAddr },
}

impl Target {
    /// An adb-server target as the `adb` client picks it: `serial`, else
    /// `ANDROID_SERIAL`; the server on 127.0.0.1 at `ANDROID_ADB_SERVER_PORT`
    /// or 5037.
    pub fn adb_server_from_env(serial: Option<String>) -> Target {
        let serial = serial.or_else(|| {
            std::env::var("ANDROID_SERIAL")
                .ok()
                .filter(|s| !s.is_empty())
        });
        let port = std::env::var("ANDROID_ADB_SERVER_PORT")
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(DEFAULT_ADB_SERVER_PORT);
        Target::AdbServer {
            serial,
            host: Ipv4Addr::LOCALHOST,
            port,
        }
    }

    /// Direct TCP to an adbd.
    pub fn tcp(addr: SocketAddr) -> Target {
        Target::Tcp { addr }
    }
}

/// Why a `--device` string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("device `{0}` is not `adb`, `adb:<serial>` or `tcp:<host>:<port>`")]
pub struct TargetParseError(pub String);

impl std::str::FromStr for Target {
    type Err = TargetParseError;

    /// `adb` (the only device, or `ANDROID_SERIAL`), `adb:<serial>`, or
    /// `tcp:<ip>:<port>` for a direct adbd connection.
    fn from_str(s: &str) -> Result<Target, TargetParseError> {
        match s.split_once(':') {
            None if s == "adb" => Ok(Target::adb_server_from_env(None)),
            Some(("adb", serial)) if !serial.is_empty() => {
                Ok(Target::adb_server_from_env(Some(serial.to_string())))
            }
            Some(("tcp", addr)) => addr
                .parse()
                .map(Target::tcp)
                .map_err(|_| TargetParseError(s.to_string())),
            _ => Err(TargetParseError(s.to_string())),
        }
    }
}

/// One line of `adb devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedDevice {
    pub serial: String,
    /// `device`, `offline`, `unauthorized`, `recovery`...
    pub state: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::AdbServer {
                serial: Some(s),
                host,
                port,
            } => write!(f, "adb:{s} (server {host}:{port})"),
            Target::AdbServer {
                serial: None,
                host,
                port,
            } => write!(f, "adb (server {host}:{port})"),
            Target::Tcp { addr } => write!(f, "tcp:{addr}"),
        }
    }
}
