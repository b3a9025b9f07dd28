//! [`Device`]: ADB commands with deadlines, over the adb server (through
//! `adb_client` and [`smart_socket`]) or straight to adbd over TCP
//! ([`super::direct`]: shell and sync on the project's own transport).
//!
//! The I/O is blocking (and `adb_client` has no read timeout of its own), so every call
//! runs on a dedicated thread and is awaited with a deadline. A call that
//! misses its deadline fails with [`DeviceError::Timeout`]; its connection is
//! dropped from the device so that the next call starts on a fresh one, and
//! the stuck thread is left to die with its socket.

use std::fmt;
use std::io::{Cursor, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adb_client::server_device::ADBServerDevice;
use adb_client::RustADBError;
use serde::{Deserialize, Serialize};

use crate::android::notification::AppNotificationSettings;
use crate::android::{ApiLevel, ComponentName, Intent, NotificationRecord};

use super::direct::DirectConn;
pub use super::output::ShellOutput;
use super::parse::{
    parse_activities, parse_am_start, parse_logcat, parse_notification_preferences,
    parse_notification_records, parse_pidof, parse_pm_list_packages, parse_ps, parse_ui_dump,
    ActivityState, AmStartResult, LogLine, PackageEntry, ProcessInfo, UiDumpError, UiHierarchy,
};

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

/// `adb devices` against the server at `host:port` (`host:devices`).
pub async fn attached_devices(
    host: Ipv4Addr,
    port: u16,
    deadline: Duration,
) -> Result<Vec<AttachedDevice>, DeviceError> {
    let target = Target::AdbServer {
        serial: None,
        host,
        port,
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(smart_socket::devices(host, port));
    });
    match tokio::time::timeout(deadline, rx).await {
        Ok(Ok(Ok(list))) => Ok(list),
        Ok(Ok(Err(e))) => Err(DeviceError::from_adb("devices", &target, e)),
        Ok(Err(_)) => Err(DeviceError::Protocol {
            op: "devices".into(),
            target: target.to_string(),
            message: "the ADB call panicked".into(),
        }),
        Err(_) => Err(DeviceError::Timeout {
            op: "devices".into(),
            target: target.to_string(),
            after: deadline,
        }),
    }
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

/// How long each kind of call may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Shell commands and small requests.
    pub command: Duration,
    /// `push`, `pull`, `install`.
    pub transfer: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            command: Duration::from_secs(30),
            transfer: Duration::from_secs(180),
        }
    }
}

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

    fn from_adb(op: &str, target: &Target, e: RustADBError) -> DeviceError {
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

/// An open link to the device.
enum Conn {
    Server(ADBServerDevice),
    /// The project's own transport: shell and sync.
    Tcp(DirectConn),
}

impl Conn {
    fn open(target: &Target, key: Option<&Path>, deadline: Instant) -> Result<Conn, RustADBError> {
        Ok(match target {
            Target::AdbServer { serial, host, port } => {
                let addr = Some(SocketAddrV4::new(*host, *port));
                Conn::Server(match serial {
                    Some(s) => ADBServerDevice::new(s.clone(), addr),
                    None => ADBServerDevice::autodetect(addr),
                })
            }
            Target::Tcp { addr } => {
                let key = match key {
                    Some(k) => {
                        // As `adb` does: a missing key file is created.
                        adb_key::generate(k).map_err(|e| {
                            RustADBError::IOError(std::io::Error::other(format!(
                                "adb key {}: {e}",
                                k.display()
                            )))
                        })?;
                        k.to_path_buf()
                    }
                    None => adb_key::default_path()?,
                };
                Conn::Tcp(DirectConn::open(*addr, &key, deadline)?)
            }
        })
    }
}

type Slot = Arc<parking_lot::Mutex<Option<Arc<Mutex<Conn>>>>>;

/// One Android device (real, emulator or simulated) driven over ADB.
///
/// Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Device {
    target: Target,
    deadlines: Deadlines,
    adb_key: Option<PathBuf>,
    conn: Slot,
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device")
            .field("target", &self.target)
            .field("deadlines", &self.deadlines)
            .finish()
    }
}

/// Quotes `s` for the device's `sh` (single quotes, `'` as `'\''`).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Device {
    /// A device at `target`; the connection is opened by the first call.
    pub fn new(target: Target) -> Device {
        Device {
            target,
            deadlines: Deadlines::default(),
            adb_key: None,
            conn: Arc::default(),
        }
    }

    pub fn with_deadlines(mut self, deadlines: Deadlines) -> Device {
        self.deadlines = deadlines;
        self
    }

    /// The adb private key for direct TCP (default `~/.android/adbkey`; a
    /// fresh key is generated when the file does not exist).
    pub fn with_adb_key(mut self, path: impl Into<PathBuf>) -> Device {
        self.adb_key = Some(path.into());
        self
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn deadlines(&self) -> Deadlines {
        self.deadlines
    }

    /// Runs `f` against the connection on its own thread, within `deadline`.
    async fn call<T, F>(&self, op: &str, deadline: Duration, f: F) -> Result<T, DeviceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn, Instant) -> Result<T, RustADBError> + Send + 'static,
    {
        let started = Instant::now();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let slot = self.conn.clone();
        let target = self.target.clone();
        let key = self.adb_key.clone();
        let spawned = std::thread::Builder::new()
            .name("pushlab-adb".into())
            .spawn(move || {
                let result = (|| {
                    // The socket-level deadline falls just before the
                    // caller's, so that a clear error wins the race.
                    let until = started + deadline.mul_f64(0.95);
                    let existing = slot.lock().clone();
                    let conn = match existing {
                        Some(c) => c,
                        None => {
                            let c =
                                Arc::new(Mutex::new(Conn::open(&target, key.as_deref(), until)?));
                            *slot.lock() = Some(c.clone());
                            c
                        }
                    };
                    let mut guard = conn.lock().map_err(|_| RustADBError::PoisonError)?;
                    f(&mut guard, until)
                })();
                let _ = tx.send(result);
            });
        if let Err(e) = spawned {
            return Err(DeviceError::LocalIo {
                path: PathBuf::from("<thread>"),
                source: e,
            });
        }
        match tokio::time::timeout(deadline, rx).await {
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(e))) => {
                let err = DeviceError::from_adb(op, &self.target, e);
                if err.is_infrastructure() {
                    self.conn.lock().take();
                }
                Err(match err {
                    DeviceError::Timeout { op, target, .. } => DeviceError::Timeout {
                        op,
                        target,
                        after: deadline,
                    },
                    other => other,
                })
            }
            Ok(Err(_)) => {
                self.conn.lock().take();
                Err(DeviceError::Protocol {
                    op: op.to_string(),
                    target: self.target.to_string(),
                    message: "the ADB call panicked".into(),
                })
            }
            Err(_) => {
                self.conn.lock().take();
                Err(DeviceError::Timeout {
                    op: op.to_string(),
                    target: self.target.to_string(),
                    after: deadline,
                })
            }
        }
    }

    /// Runs `cmd` in the device shell (stdout, stderr and exit status).
    pub async fn shell(&self, cmd: &str) -> Result<ShellOutput, DeviceError> {
        self.shell_within(cmd, self.deadlines.command).await
    }

    /// [`Device::shell`] with an explicit deadline.
    pub async fn shell_within(
        &self,
        cmd: &str,
        deadline: Duration,
    ) -> Result<ShellOutput, DeviceError> {
        let command = cmd.to_string();
        let target = self.target.clone();
        self.call(cmd, deadline, move |c, until| match c {
            Conn::Tcp(direct) => direct.shell(&command, until),
            Conn::Server(_) => match &target {
                Target::AdbServer { serial, host, port } => {
                    smart_socket::shell(*host, *port, serial.as_deref(), &command)
                }
                Target::Tcp { .. } => Err(RustADBError::ADBRequestFailed(
                    "a direct target has no adb server".into(),
                )),
            },
        })
        .await
    }

    /// Runs `cmd` and fails with [`DeviceError::CommandFailed`] on a non-zero exit.
    pub async fn shell_ok(&self, cmd: &str) -> Result<ShellOutput, DeviceError> {
        let out = self.shell(cmd).await?;
        if out.success() {
            Ok(out)
        } else {
            Err(DeviceError::CommandFailed {
                command: cmd.to_string(),
                exit: out.exit,
                output: out.combined(),
            })
        }
    }

    /// Writes `data` to `remote` (sync `SEND`).
    pub async fn push_bytes(&self, data: Vec<u8>, remote: &str) -> Result<(), DeviceError> {
        let remote = remote.to_string();
        self.call(
            &format!("push {remote}"),
            self.deadlines.transfer,
            move |c, until| match c {
                Conn::Server(d) => d.push(&mut Cursor::new(data), &remote),
                Conn::Tcp(direct) => direct.push(&data, &remote, until),
            },
        )
        .await
    }

    /// Copies the local file `local` to `remote`.
    pub async fn push(&self, local: &Path, remote: &str) -> Result<(), DeviceError> {
        let data = tokio::fs::read(local)
            .await
            .map_err(|source| DeviceError::LocalIo {
                path: local.to_path_buf(),
                source,
            })?;
        self.push_bytes(data, remote).await
    }

    /// Reads the device file `remote` (sync `RECV`).
    pub async fn pull(&self, remote: &str) -> Result<Vec<u8>, DeviceError> {
        let remote = remote.to_string();
        self.call(
            &format!("pull {remote}"),
            self.deadlines.transfer,
            move |c, until| match c {
                Conn::Server(d) => {
                    let mut out = Vec::new();
                    d.pull(&remote, &mut out as &mut dyn Write)?;
                    Ok(out)
                }
                Conn::Tcp(direct) => direct.pull(&remote, until),
            },
        )
        .await
    }

    /// Installs an APK: push to `/data/local/tmp` then `pm install -r -t`
    /// (the legacy path, which every adbd and the simulated device accept).
    pub async fn install(&self, apk: &Path) -> Result<(), DeviceError> {
        let name = apk
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("pushlab.apk");
        let remote = format!("/data/local/tmp/{name}");
        self.push(apk, &remote).await?;
        let cmd = format!("pm install -r -t {}", shell_quote(&remote));
        let out = self.shell_within(&cmd, self.deadlines.transfer).await?;
        let _ = self.shell(&format!("rm -f {}", shell_quote(&remote))).await;
        if out.combined().contains("Success") {
            Ok(())
        } else {
            Err(DeviceError::CommandFailed {
                command: cmd,
                exit: out.exit,
                output: out.combined(),
            })
        }
    }

    /// `adb reverse <remote> <local>` (e.g. `tcp:8080`, `tcp:8080`): the
    /// device's `remote` reaches the host's `local`. Needs the adb server.
    pub async fn reverse(&self, remote: &str, local: &str) -> Result<(), DeviceError> {
        if let Target::Tcp { .. } = self.target {
            return Err(DeviceError::Unsupported {
                op: "reverse".into(),
                target: self.target.to_string(),
            });
        }
        let (remote, local) = (remote.to_string(), local.to_string());
        self.call(
            &format!("reverse {remote} {local}"),
            self.deadlines.command,
            move |c, _| match c {
                Conn::Server(d) => d.reverse(remote, local),
                Conn::Tcp(_) => Err(RustADBError::ADBRequestFailed(
                    "reverse needs the adb server".into(),
                )),
            },
        )
        .await
    }

    /// `getprop <name>`; `None` when empty.
    pub async fn getprop(&self, name: &str) -> Result<Option<String>, DeviceError> {
        let out = self
            .shell(&format!("getprop {}", shell_quote(name)))
            .await?;
        let v = out.stdout.trim();
        Ok((!v.is_empty()).then(|| v.to_string()))
    }

    /// `ro.build.version.sdk`.
    pub async fn api_level(&self) -> Result<Option<ApiLevel>, DeviceError> {
        Ok(self
            .getprop("ro.build.version.sdk")
            .await?
            .as_deref()
            .and_then(ApiLevel::parse))
    }

    /// The posted notifications (`dumpsys notification --noredact`).
    pub async fn notifications(&self) -> Result<Vec<NotificationRecord>, DeviceError> {
        let out = self.shell_ok("dumpsys notification --noredact").await?;
        Ok(parse_notification_records(&out.stdout))
    }

    /// Every app's notification settings and channels.
    pub async fn channels(&self) -> Result<Vec<AppNotificationSettings>, DeviceError> {
        let out = self.shell_ok("dumpsys notification --noredact").await?;
        Ok(parse_notification_preferences(&out.stdout))
    }

    /// `dumpsys activity activities`, parsed.
    pub async fn activities(&self) -> Result<ActivityState, DeviceError> {
        let out = self.shell_ok("dumpsys activity activities").await?;
        Ok(parse_activities(&out.stdout))
    }

    /// The activity in front, if any.
    pub async fn resumed_activity(&self) -> Result<Option<ComponentName>, DeviceError> {
        Ok(self.activities().await?.resumed_component().cloned())
    }

    /// `am start -W '<intent URI>'`: `am` reads the URI with
    /// `URI_INTENT_SCHEME | URI_ANDROID_APP_SCHEME | URI_ALLOW_UNSAFE`, so
    /// every field the URI grammar carries reaches the device unchanged.
    /// `am` exits 0 on errors: look at [`AmStartResult::error`].
    pub async fn am_start(&self, intent: &Intent) -> Result<AmStartResult, DeviceError> {
        let cmd = format!("am start -W {}", shell_quote(&intent.to_uri()));
        let out = self.shell(&cmd).await?;
        Ok(parse_am_start(&out.combined()))
    }

    /// `pidof <name>`: empty when no process has that exact name.
    pub async fn pidof(&self, name: &str) -> Result<Vec<u32>, DeviceError> {
        let out = self.shell(&format!("pidof {}", shell_quote(name))).await?;
        Ok(parse_pidof(&out.stdout))
    }

    /// `ps -A`.
    pub async fn processes(&self) -> Result<Vec<ProcessInfo>, DeviceError> {
        let out = self.shell_ok("ps -A").await?;
        Ok(parse_ps(&out.stdout))
    }

    /// `pm list packages` (installed packages).
    pub async fn packages(&self) -> Result<Vec<PackageEntry>, DeviceError> {
        let out = self.shell_ok("pm list packages").await?;
        Ok(parse_pm_list_packages(&out.stdout))
    }

    /// `logcat -d -v threadtime`: the buffered log, parsed.
    pub async fn logcat_dump(&self) -> Result<Vec<LogLine>, DeviceError> {
        let out = self.shell_ok("logcat -d -v threadtime").await?;
        Ok(parse_logcat(&out.stdout))
    }

    /// `logcat -c`.
    pub async fn logcat_clear(&self) -> Result<(), DeviceError> {
        self.shell_ok("logcat -c").await.map(|_| ())
    }

    /// `uiautomator dump /dev/tty`: the window hierarchy. `Ok(Err(_))` when
    /// uiautomator itself reported a failure (retry later).
    pub async fn ui_dump(&self) -> Result<Result<UiHierarchy, UiDumpError>, DeviceError> {
        let out = self.shell("uiautomator dump /dev/tty").await?;
        Ok(parse_ui_dump(&out.combined()))
    }

    /// `am force-stop <pkg>`.
    pub async fn force_stop(&self, package: &str) -> Result<(), DeviceError> {
        self.shell_ok(&format!("am force-stop {}", shell_quote(package)))
            .await
            .map(|_| ())
    }

    /// `am kill <pkg>`: kills the package's processes if they are in the
    /// background (what the system does under memory pressure).
    pub async fn kill(&self, package: &str) -> Result<(), DeviceError> {
        self.shell_ok(&format!("am kill {}", shell_quote(package)))
            .await
            .map(|_| ())
    }

    /// `input tap <x> <y>`.
    pub async fn tap(&self, x: i32, y: i32) -> Result<(), DeviceError> {
        self.shell_ok(&format!("input tap {x} {y}"))
            .await
            .map(|_| ())
    }

    /// `cmd statusbar expand-notifications` / `collapse`.
    pub async fn notification_shade(&self, open: bool) -> Result<(), DeviceError> {
        let cmd = if open {
            "cmd statusbar expand-notifications"
        } else {
            "cmd statusbar collapse"
        };
        self.shell_ok(cmd).await.map(|_| ())
    }
}

/// The adb private key used for direct TCP connections.
///
/// The user's `~/.android/adbkey` (as the `adb` client uses it) when it
/// exists; otherwise one key generated for pushlab and kept in the temporary
/// directory, so that a device asks for authorization once, not on every
/// connection.
mod adb_key {
    use std::path::PathBuf;
    use std::sync::OnceLock;

    use adb_client::RustADBError;

    fn user_key() -> Option<PathBuf> {
        let dir = match std::env::var_os("ANDROID_USER_HOME") {
            Some(h) => PathBuf::from(h).join("android"),
            None => PathBuf::from(std::env::var_os("HOME")?).join(".android"),
        };
        Some(dir.join("adbkey")).filter(|p| p.is_file())
    }

    /// Writes a fresh 2048-bit key (PKCS#8 PEM) at `path` unless a file is there.
    pub(super) fn generate(path: &std::path::Path) -> Result<(), String> {
        use rsa::pkcs8::{EncodePrivateKey, LineEnding};
        if path.is_file() {
            return Ok(());
        }
        let key =
            rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| e.to_string())?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, pem.as_bytes()).map_err(|e| e.to_string())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
        }
        std::fs::rename(&tmp, path).map_err(|e| e.to_string())
    }

    pub(super) fn default_path() -> Result<PathBuf, RustADBError> {
        if let Some(p) = user_key() {
            return Ok(p);
        }
        static PUSHLAB_KEY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        PUSHLAB_KEY
            .get_or_init(|| {
                let path = std::env::temp_dir().join("pushlab").join("adbkey");
                generate(&path).map(|()| path)
            })
            .clone()
            .map_err(|e| RustADBError::IOError(std::io::Error::other(format!("adb key: {e}"))))
    }
}

/// Shell commands through the adb server, with their exit status.
///
/// `adb_client` 3.2's server-side shell-v2 reader drops the exit packet when
/// the server closes the stream right after it (which adb always does), so
/// this module reads the v2 packets itself. Everything else (sync, reverse,
/// direct TCP) goes through `adb_client`.
mod smart_socket {
    use std::io::{ErrorKind, Read, Write};
    use std::net::{Ipv4Addr, TcpStream};

    use adb_client::RustADBError;

    use super::ShellOutput;

    fn request(s: &mut TcpStream, req: &str) -> Result<(), RustADBError> {
        s.write_all(format!("{:04x}{req}", req.len()).as_bytes())?;
        let mut status = [0u8; 4];
        s.read_exact(&mut status)?;
        match &status {
            b"OKAY" => Ok(()),
            b"FAIL" => Err(RustADBError::ADBRequestFailed(read_hex_string(s)?)),
            other => Err(RustADBError::WrongResponseReceived(
                "OKAY".into(),
                String::from_utf8_lossy(other).into_owned(),
            )),
        }
    }

    fn read_hex_string(s: &mut TcpStream) -> Result<String, RustADBError> {
        let mut len = [0u8; 4];
        s.read_exact(&mut len)?;
        let len = usize::from_str_radix(std::str::from_utf8(&len)?, 16)?;
        let mut body = vec![0; len];
        s.read_exact(&mut body)?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    fn connect(host: Ipv4Addr, port: u16) -> Result<TcpStream, RustADBError> {
        let s = TcpStream::connect((host, port))?;
        s.set_nodelay(true)?;
        Ok(s)
    }

    /// Whether the device speaks shell protocol v2 (its features list `shell_v2`).
    fn has_shell_v2(host: Ipv4Addr, port: u16, serial: Option<&str>) -> Result<bool, RustADBError> {
        let mut s = connect(host, port)?;
        let req = match serial {
            Some(serial) => format!("host-serial:{serial}:features"),
            None => "host:features".into(),
        };
        request(&mut s, &req)?;
        Ok(read_hex_string(&mut s)?
            .split(',')
            .any(|f| f.trim() == "shell_v2"))
    }

    /// `host:devices`: `<serial>\t<state>\n` lines.
    pub(super) fn devices(
        host: Ipv4Addr,
        port: u16,
    ) -> Result<Vec<super::AttachedDevice>, RustADBError> {
        let mut s = connect(host, port)?;
        request(&mut s, "host:devices")?;
        let body = read_hex_string(&mut s)?;
        Ok(body
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(serial, state)| super::AttachedDevice {
                serial: serial.to_string(),
                state: state.trim().to_string(),
            })
            .collect())
    }

    pub(super) fn shell(
        host: Ipv4Addr,
        port: u16,
        serial: Option<&str>,
        cmd: &str,
    ) -> Result<ShellOutput, RustADBError> {
        let v2 = has_shell_v2(host, port, serial)?;
        let mut s = connect(host, port)?;
        let transport = match serial {
            Some(serial) => format!("host:transport:{serial}"),
            None => "host:transport-any".into(),
        };
        request(&mut s, &transport)?;
        let mut out = ShellOutput::default();
        if !v2 {
            // Legacy `shell:`: stdout and stderr merged, no exit status.
            request(&mut s, &format!("shell:{cmd}"))?;
            let mut raw = Vec::new();
            s.read_to_end(&mut raw)?;
            out.stdout = String::from_utf8_lossy(&raw).into_owned();
            return Ok(out);
        }
        request(&mut s, &format!("shell,v2,raw:{cmd}"))?;
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        loop {
            let mut head = [0u8; 5];
            match s.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e.into()),
            }
            let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
            let mut data = Vec::new();
            (&mut s).take(len as u64).read_to_end(&mut data)?;
            if data.len() < len {
                return Err(RustADBError::ADBShellV2ParseError(format!(
                    "packet of {len} bytes cut after {}",
                    data.len()
                )));
            }
            match head[0] {
                1 => stdout.extend_from_slice(&data),
                2 => stderr.extend_from_slice(&data),
                3 => {
                    out.exit = data.first().copied();
                    break;
                }
                _ => {}
            }
        }
        out.stdout = String::from_utf8_lossy(&stdout).into_owned();
        out.stderr = String::from_utf8_lossy(&stderr).into_owned();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_errors_cross_tasks() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Device>();
        assert_send_sync::<DeviceError>();
    }

    #[test]
    fn device_strings_name_a_target() {
        assert_eq!(
            "tcp:127.0.0.1:5555".parse::<Target>(),
            Ok(Target::Tcp {
                addr: "127.0.0.1:5555".parse().unwrap()
            })
        );
        match "adb:R58M1234".parse::<Target>() {
            Ok(Target::AdbServer { serial, .. }) => assert_eq!(serial.as_deref(), Some("R58M1234")),
            other => panic!("unexpected {other:?}"),
        }
        assert!("sim:miui".parse::<Target>().is_err());
        assert!("tcp:nope".parse::<Target>().is_err());
    }

    #[test]
    fn quotes_for_the_device_shell() {
        assert_eq!(shell_quote("com.x/.Main"), "com.x/.Main");
        assert_eq!(shell_quote("intent:#Intent;end"), "'intent:#Intent;end'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn server_target_honours_the_environment_defaults() {
        match Target::adb_server_from_env(Some("emulator-5554".into())) {
            Target::AdbServer { serial, host, .. } => {
                assert_eq!(serial.as_deref(), Some("emulator-5554"));
                assert_eq!(host, Ipv4Addr::LOCALHOST);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
