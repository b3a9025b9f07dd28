//! The simulated device: an adbd that speaks the real ADB wire protocol over
//! TCP, so that the `adb` binary and `adb_client` treat it as an ordinary
//! device (`adb connect 127.0.0.1:<port>`).
//!
//! - [`wire`]: transport messages and their decoder.
//! - [`auth`]: the `AUTH` flow and `adb_keys`.
//! - [`conn`]: one host connection (handshake, streams, flow control).
//! - [`services`]: `shell:`, `shell,v2,…:`, `exec:`, `sync:`, `reverse:`.
//! - [`shell_proto`], [`sync`]: the shell v2 and file sync protocols.
//! - [`stream`]: the two halves of a stream as a service sees them.
//! - [`shell`]: the `sh` interpreter and the command registry that the
//!   Android model plugs its commands into.
//! - [`fs`], [`device`], [`profile`]: the device's files, state and identity.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures::FutureExt;
//! use pushlab::sim::{CommandOutput, Profile, SimDevice};
//! use tokio::io::AsyncWriteExt;
//!
//! // A device on a free loopback port: `adb connect <addr>` reaches it.
//! let sim = SimDevice::spawn(Profile::parse("miui-android13")?, "127.0.0.1:0".parse()?).await?;
//! println!("adb connect {}", sim.addr());
//!
//! // The Android model plugs its commands into the shell.
//! sim.device().commands().register_fn("pidof", |ctx| {
//!     async move {
//!         let running = ctx.device.getprop("sim.demo.running").is_some();
//!         if running { CommandOutput::ok("4242\n") } else { CommandOutput::code(1) }
//!     }
//!     .boxed()
//! });
//!
//! // Device state: properties, files, typed extension slots.
//! sim.device().setprop("sim.demo.running", "1");
//! sim.device().fs().write("/sdcard/note.txt", b"hi".to_vec(), 0o644, 0, true)?;
//!
//! // After the host ran `adb reverse tcp:8081 tcp:<hub port>`, device-side
//! // code reaches the host through the forward.
//! let mut conn = sim.device().connect_tcp(8081).await?;
//! conn.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await?;
//! # Ok(()) }
//! ```

pub mod apps;
pub mod auth;
pub mod conn;
pub mod device;
pub mod framework;
pub mod fs;
pub use crate::profile;
pub mod services;
pub mod shell;
pub mod stream;
pub mod sync;

/// The wire formats now live in [`crate::adb`]; re-exported for existing users.
pub use crate::adb::{shell_proto, wire};

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use auth::{AdbPublicKey, AuthPolicy};
pub use device::{DeviceListener, DeviceState, ReverseError, ReverseForward, SocketSpec};
pub use profile::{ApiLevel, Profile, ProfileError, Region, Rom};
pub use shell::{CommandContext, CommandOutput, CommandRegistry, ShellCommand, Stdin};

/// The features this adbd advertises in its `CNXN` banner.
pub const FEATURES: &[&str] = &["shell_v2", "cmd", "stat_v2", "fixed_push_mkdir"];

/// Why a simulated device could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("refusing to listen on non-loopback address {0} without allow_remote")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// The `CNXN` banner adbd sends for a profile.
pub fn banner(profile: &Profile) -> String {
    format!(
        "device::ro.product.name={};ro.product.model={};ro.product.device={};features={}",
        profile.product,
        profile.model,
        profile.device,
        FEATURES.join(",")
    )
}

/// Entry point: starts simulated devices.
#[derive(Debug)]
pub struct SimDevice;

impl SimDevice {
    /// Starts a device with default settings (host keys all accepted,
    /// loopback only) listening on `listen` (port 0 picks a free port).
    pub async fn spawn(profile: Profile, listen: SocketAddr) -> Result<SimHandle, SimError> {
        SimDevice::builder(profile).spawn(listen).await
    }

    /// A builder for non-default settings.
    pub fn builder(profile: Profile) -> SimBuilder {
        SimBuilder {
            profile,
            auth: AuthPolicy::default(),
            allow_remote: false,
            companions: true,
        }
    }
}

/// Settings for a device about to start.
#[derive(Debug)]
pub struct SimBuilder {
    profile: Profile,
    auth: AuthPolicy,
    allow_remote: bool,
    companions: bool,
}

impl SimBuilder {
    /// Which hosts may connect (default: [`AuthPolicy::AcceptAny`]).
    pub fn auth(mut self, auth: AuthPolicy) -> Self {
        self.auth = auth;
        self
    }

    /// Allows listening on a non-loopback address.
    pub fn allow_remote(mut self, allow: bool) -> Self {
        self.allow_remote = allow;
        self
    }

    /// Whether the companion apps (`com.pushlab.agent`, `com.pushlab.demo`)
    /// come preinstalled (default) or must be installed like on a phone:
    /// `adb install` of the real APKs, then the simulator runs its models of
    /// them under the installed manifests.
    pub fn companions(mut self, preinstalled: bool) -> Self {
        self.companions = preinstalled;
        self
    }

    /// Binds and starts serving on the current tokio runtime.
    pub async fn spawn(self, listen: SocketAddr) -> Result<SimHandle, SimError> {
        if !listen.ip().is_loopback() && !self.allow_remote {
            return Err(SimError::NotLoopback(listen));
        }
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: listen,
            source,
        })?;
        let device = Arc::new(DeviceState::new(self.profile));
        framework::install(&device, self.companions);
        apps::framework_os::install(&device);
        let cfg = Arc::new(conn::ConnConfig {
            banner: banner(device.profile()),
            device: device.clone(),
            auth: Arc::new(self.auth),
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let accept = tokio::spawn(async move {
            let mut stop = stop_rx.clone();
            loop {
                tokio::select! {
                    res = listener.accept() => match res {
                        Ok((sock, _)) => {
                            tokio::spawn(conn::serve(sock, cfg.clone(), stop_rx.clone()));
                        }
                        Err(e) => tracing::warn!("sim adbd: accept failed: {e}"),
                    },
                    _ = stop.changed() => break,
                }
            }
        });
        Ok(SimHandle {
            addr,
            device,
            stop: stop_tx,
            accept,
        })
    }
}

/// A running simulated device. Dropping it stops the device and closes its
/// connections.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    device: Arc<DeviceState>,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl SimHandle {
    /// The address adbd listens on (`adb connect <addr>`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The serial the adb server lists the device under after
    /// `adb connect`.
    pub fn serial(&self) -> String {
        self.addr.to_string()
    }

    /// The device's state: properties, files, commands, reverse forwards.
    pub fn device(&self) -> &Arc<DeviceState> {
        &self.device
    }

    /// Stops accepting and closes every connection.
    pub fn shutdown(&self) {
        if let Some(apps) = self.device.extension::<apps::DeviceApps>() {
            apps.shutdown();
        }
        let _ = self.stop.send(true);
        self.accept.abort();
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}
