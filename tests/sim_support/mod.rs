//! Shared helpers for the simulated-device tests: a private adb server per
//! test (own reserved port, own HOME, so tests run in parallel and never
//! touch a developer's server or each other's), killed when the guard drops.

#![allow(dead_code)]

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;

/// How long any wait on adb may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// The `adb` binary, or a test failure saying how to get it.
pub fn adb_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("adb"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the `adb` binary is not on PATH: these tests drive the real adb; \
                 run scripts/setup-test-deps.sh (Debian package `adb`)"
            )
        })
}

/// A TCP port for a private adb server, held for as long as the returned
/// socket lives.
///
/// Not a `bind(0)` port closed again: that port goes straight back to the
/// kernel's ephemeral pool, where the simulated phones, hubs and vendor
/// endpoints of the other tests (and of `pushlab run`) find it when they
/// bind `:0`. When one did before adb bound it, `adb start-server` found
/// that server on its port, took it for a running adb server and failed
/// with `protocol fault (couldn't read status)`. So the port comes from
/// below the ephemeral range, which `bind(0)` and outgoing connections
/// never hand out, and a UDP socket on the same number reserves it: adb
/// only uses TCP, the kernel frees the reservation even when a test process
/// dies, and a test in another process that drew the same number fails to
/// bind it and draws again.
fn reserve_port() -> (u16, UdpSocket) {
    use rand::Rng;
    let range =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let ephemeral_low: u16 = range
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(32_768);
    // Above adb's own ports (5037, emulators on 5554-5585).
    let low = 10_000;
    assert!(
        ephemeral_low > low + 1_000,
        "the ephemeral port range starts at {ephemeral_low}: no room below it for adb servers"
    );
    let mut rng = rand::thread_rng();
    for _ in 0..1_000 {
        let port = rng.gen_range(low..ephemeral_low);
        let Ok(reservation) = UdpSocket::bind(("127.0.0.1", port)) else {
            continue;
        };
        // Nothing on the machine listens there already.
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return (port, reservation);
        }
    }
    panic!("no free port in {low}..{ephemeral_low} for an adb server");
}

/// A private adb server.
pub struct AdbServer {
    pub port: u16,
    pub home: TempDir,
    adb: PathBuf,
    env: Vec<(String, String)>,
    /// Keeps [`AdbServer::port`] this server's until it is killed.
    _reservation: UdpSocket,
}

impl AdbServer {
    /// Starts a server on a free port with a fresh HOME (and so a fresh
    /// host key in `$HOME/.android/adbkey`).
    pub async fn start() -> Self {
        Self::start_with_env(Vec::new()).await
    }

    /// Same, with extra environment for the server (e.g. ADB_VENDOR_KEYS).
    pub async fn start_with_env(env: Vec<(String, String)>) -> Self {
        let (port, reservation) = reserve_port();
        let server = AdbServer {
            port,
            home: tempfile::tempdir().expect("temp HOME"),
            adb: adb_binary(),
            env,
            _reservation: reservation,
        };
        let out = server.adb(&["start-server"]).await;
        assert!(
            out.status.success(),
            "adb start-server failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(&self.adb);
        c.arg("-P")
            .arg(self.port.to_string())
            .args(args)
            .env("HOME", self.home.path())
            .env_remove("ANDROID_SERIAL")
            .env_remove("ADB_VENDOR_KEYS")
            .env("ANDROID_ADB_SERVER_PORT", self.port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Runs `adb -P <port> <args>` to completion (bounded by [`DEADLINE`]).
    pub async fn adb(&self, args: &[&str]) -> Output {
        tokio::time::timeout(DEADLINE, self.command(args).output())
            .await
            .unwrap_or_else(|_| panic!("adb {args:?} did not finish within {DEADLINE:?}"))
            .expect("run adb")
    }

    /// Runs `adb -P <port> -s <serial> <args>`.
    pub async fn adb_s(&self, serial: &str, args: &[&str]) -> Output {
        let mut all = vec!["-s", serial];
        all.extend_from_slice(args);
        self.adb(&all).await
    }

    /// The state `adb devices` shows for `serial`, if listed.
    pub async fn state_of(&self, serial: &str) -> Option<String> {
        let out = self.adb(&["devices"]).await;
        String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next() == Some(serial)).then(|| parts.next().unwrap_or_default().to_string())
        })
    }

    /// Waits until `serial` is in `state` (`device`, `unauthorized`...),
    /// failing after the deadline with the last state seen. It follows
    /// `adb track-devices`, which prints the whole device list each time it
    /// changes, so no state change is missed and nothing is polled.
    pub async fn wait_for_state(&self, serial: &str, state: &str) {
        use tokio::io::AsyncBufReadExt;
        let mut child = self
            .command(&["track-devices"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("run adb track-devices");
        let stdout = child.stdout.take().expect("track-devices output");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let mut last = None;
        let waited = tokio::time::timeout(DEADLINE, async {
            while let Ok(Some(line)) = lines.next_line().await {
                // Each list comes with a 4-hex-digit length prefix on its
                // first line.
                let mut parts = line.split('\t');
                let name = parts.next().unwrap_or_default();
                let name = if name.len() > 4
                    && name[..4].chars().all(|c| c.is_ascii_hexdigit())
                    && name.ends_with(serial)
                {
                    &name[name.len() - serial.len()..]
                } else {
                    name
                };
                if name == serial {
                    last = parts.next().map(str::to_string);
                    if last.as_deref() == Some(state) {
                        return true;
                    }
                }
            }
            false
        })
        .await;
        let _ = child.kill().await;
        assert!(
            waited == Ok(true),
            "{serial} did not reach state {state:?} within {DEADLINE:?} (last seen: {last:?})"
        );
    }

    /// `adb connect` to a simulated device and wait until it is `device`.
    pub async fn connect(&self, serial: &str) {
        let out = self.adb(&["connect", serial]).await;
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!("connected to {serial}")),
            "adb connect said: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.wait_for_state(serial, "device").await;
    }

    /// A script that runs this server's adb (for clients that spawn `adb`).
    pub fn wrapper_script(&self, dir: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("adb-wrapper");
        let script = format!(
            "#!/bin/sh\nHOME='{}' exec '{}' -P {} \"$@\"\n",
            self.home.path().display(),
            self.adb.display(),
            self.port
        );
        std::fs::write(&path, script).expect("write wrapper");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }
}

impl Drop for AdbServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new(&self.adb)
            .arg("-P")
            .arg(self.port.to_string())
            .arg("kill-server")
            .env("HOME", self.home.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Text of a byte buffer.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
