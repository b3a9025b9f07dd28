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
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adb_client::server_device::ADBServerDevice;
use adb_client::RustADBError;

use super::direct::DirectConn;
use super::error::DeviceError;
use super::output::ShellOutput;
use super::target::{AttachedDevice, Target};

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

    use super::AttachedDevice;

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
    pub(super) fn devices(host: Ipv4Addr, port: u16) -> Result<Vec<AttachedDevice>, RustADBError> {
        let mut s = connect(host, port)?;
        request(&mut s, "host:devices")?;
        let body = read_hex_string(&mut s)?;
        Ok(body
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(serial, state)| AttachedDevice {
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
