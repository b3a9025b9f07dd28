//! The state of one simulated device, shared by every adb connection to it
//! and by the models that run "on" it: profile and system properties, file
//! tree, shell commands, reverse forwards, and typed extension slots where
//! the Android model keeps its own state.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard, RwLock};
use tokio::io::DuplexStream;
use tokio::sync::{mpsc, oneshot};

use super::fs::FileTree;
use super::profile::Profile;

/// Identifies one adb transport (one TCP connection from a host).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransportId(pub u64);

/// A socket address as adb writes it (`tcp:8081`, `localabstract:foo`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocketSpec(String);

impl SocketSpec {
    /// Parses and validates a spec; `tcp:0` is allowed (resolved on bind).
    pub fn parse(s: &str) -> Result<Self, ReverseError> {
        let bad = || ReverseError::BadSpec(s.to_string());
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        match kind {
            "tcp" => {
                rest.parse::<u16>().map_err(|_| bad())?;
            }
            "localabstract" | "localreserved" | "localfilesystem" | "local" | "vsock" => {
                if rest.is_empty() {
                    return Err(bad());
                }
            }
            _ => return Err(bad()),
        }
        Ok(SocketSpec(s.to_string()))
    }

    /// The spec for a TCP port.
    pub fn tcp(port: u16) -> Self {
        SocketSpec(format!("tcp:{port}"))
    }

    /// The spec as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn tcp_port(&self) -> Option<u16> {
        self.0.strip_prefix("tcp:").and_then(|p| p.parse().ok())
    }
}

impl std::fmt::Display for SocketSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One `adb reverse` rule: connections to `device` on the device go to
/// `host` on the host side of `transport`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverseForward {
    pub device: SocketSpec,
    pub host: SocketSpec,
    pub transport: TransportId,
}

/// Why a reverse request or a reverse connection failed. `Display` is the
/// text adbd sends in its `FAIL` reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReverseError {
    #[error("bad forward: {0}")]
    BadSpec(String),
    #[error("cannot rebind existing socket")]
    CannotRebind,
    #[error("listener '{0}' not found")]
    NotFound(String),
    #[error("no reverse forward for {0}")]
    NoForward(String),
    #[error("the host transport of {0} is gone")]
    TransportGone(String),
    #[error("the host refused the connection to {0}")]
    Refused(String),
    #[error("cannot bind listener: {0} is already listened on")]
    InUse(String),
}

/// A request from device-side code to open a stream to the host.
pub(crate) struct OpenRequest {
    pub service: String,
    pub reply: oneshot::Sender<Result<DuplexStream, ReverseError>>,
}

/// Device-side listening sockets, by spec.
type Listeners = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<DuplexStream>>>>;

/// A socket device-side code listens on (`tcp:7100`, `localabstract:x`):
/// `adb forward <host> tcp:7100` connections arrive here. Dropping it
/// stops listening.
#[derive(Debug)]
pub struct DeviceListener {
    spec: String,
    rx: mpsc::UnboundedReceiver<DuplexStream>,
    listeners: Listeners,
}

impl DeviceListener {
    /// The next connection from the host; `None` if the device is gone.
    pub async fn accept(&mut self) -> Option<DuplexStream> {
        self.rx.recv().await
    }

    /// The spec listened on.
    pub fn spec(&self) -> &str {
        &self.spec
    }
}

impl Drop for DeviceListener {
    fn drop(&mut self) {
        self.listeners.lock().remove(&self.spec);
    }
}

/// Extension values keyed by type.
type Extensions = HashMap<TypeId, Arc<dyn Any + Send + Sync>>;

/// Everything one simulated device knows. Obtain it from
/// [`crate::sim::SimHandle::device`]; it is shared (`Arc`) and internally
/// synchronized.
pub struct DeviceState {
    profile: Profile,
    props: RwLock<BTreeMap<String, String>>,
    fs: Mutex<FileTree>,
    reverse: Mutex<Vec<ReverseForward>>,
    transports: Mutex<HashMap<TransportId, mpsc::UnboundedSender<OpenRequest>>>,
    next_transport: AtomicU64,
    next_port: Mutex<u16>,
    listeners: Listeners,
    extensions: RwLock<Extensions>,
}

impl std::fmt::Debug for DeviceState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceState")
            .field("profile", &self.profile.name)
            .finish_non_exhaustive()
    }
}

impl DeviceState {
    /// A freshly booted device with the profile's properties, the default
    /// file tree and the builtin shell commands.
    pub fn new(profile: Profile) -> Self {
        let props = profile.props();
        DeviceState {
            profile,
            props: RwLock::new(props),
            fs: Mutex::new(FileTree::android_default()),
            reverse: Mutex::new(Vec::new()),
            transports: Mutex::new(HashMap::new()),
            next_transport: AtomicU64::new(1),
            next_port: Mutex::new(40_000),
            listeners: Arc::new(Mutex::new(HashMap::new())),
            extensions: RwLock::new(HashMap::new()),
        }
    }

    /// The profile the device was booted with.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// One system property.
    pub fn getprop(&self, key: &str) -> Option<String> {
        self.props.read().get(key).cloned()
    }

    /// Sets a system property.
    pub fn setprop(&self, key: &str, value: &str) {
        self.props
            .write()
            .insert(key.to_string(), value.to_string());
    }

    /// All system properties, sorted by key.
    pub fn props(&self) -> BTreeMap<String, String> {
        self.props.read().clone()
    }

    /// The file tree (lock held while the guard lives; do not hold it
    /// across an `.await`).
    pub fn fs(&self) -> MutexGuard<'_, FileTree> {
        self.fs.lock()
    }

    /// Stores a model's state under its type (replacing a previous value).
    pub fn insert_extension<T: Any + Send + Sync>(&self, value: Arc<T>) {
        self.extensions.write().insert(TypeId::of::<T>(), value);
    }

    /// A model's state stored with [`Self::insert_extension`].
    pub fn extension<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let v = self.extensions.read().get(&TypeId::of::<T>()).cloned()?;
        v.downcast::<T>().ok()
    }

    /// The extension of type `T`, stored from `init` on first use (the
    /// shell keeps its command registry this way).
    pub fn extension_or_insert_with<T: Any + Send + Sync>(
        &self,
        init: impl FnOnce() -> T,
    ) -> Arc<T> {
        if let Some(v) = self.extension::<T>() {
            return v;
        }
        let v = self
            .extensions
            .write()
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(init()))
            .clone();
        v.downcast::<T>()
            .expect("extension slots are keyed by their value's type")
    }

    /// The current reverse forwards.
    pub fn reverse_forwards(&self) -> Vec<ReverseForward> {
        self.reverse.lock().clone()
    }

    /// Opens a connection from the device to whatever `device_spec`
    /// (e.g. `tcp:8081`) is reverse-forwarded to: the host's adb server is
    /// asked to connect to the forward's host side, and the returned stream
    /// carries the bytes both ways. This is what an app connecting to
    /// `127.0.0.1:8081` on a real device does.
    pub async fn connect_reverse(&self, device_spec: &str) -> Result<DuplexStream, ReverseError> {
        let (host, tx) = {
            let table = self.reverse.lock();
            let fwd = table
                .iter()
                .find(|f| f.device.as_str() == device_spec)
                .ok_or_else(|| ReverseError::NoForward(device_spec.to_string()))?;
            let tx = self
                .transports
                .lock()
                .get(&fwd.transport)
                .cloned()
                .ok_or_else(|| ReverseError::TransportGone(device_spec.to_string()))?;
            (fwd.host.clone(), tx)
        };
        let (reply, rx) = oneshot::channel();
        tx.send(OpenRequest {
            service: host.as_str().to_string(),
            reply,
        })
        .map_err(|_| ReverseError::TransportGone(device_spec.to_string()))?;
        rx.await
            .map_err(|_| ReverseError::TransportGone(device_spec.to_string()))?
    }

    /// [`Self::connect_reverse`] for `tcp:<port>`.
    pub async fn connect_tcp(&self, port: u16) -> Result<DuplexStream, ReverseError> {
        self.connect_reverse(SocketSpec::tcp(port).as_str()).await
    }

    /// Listens on a device-side socket, so that the host's
    /// `adb forward <local> <spec>` connections reach device-side code.
    pub fn listen(&self, spec: &str) -> Result<DeviceListener, ReverseError> {
        let spec = SocketSpec::parse(spec)?.as_str().to_string();
        let mut map = self.listeners.lock();
        if map.get(&spec).is_some_and(|tx| !tx.is_closed()) {
            return Err(ReverseError::InUse(spec));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        map.insert(spec.clone(), tx);
        Ok(DeviceListener {
            spec,
            rx,
            listeners: self.listeners.clone(),
        })
    }

    /// Hands a new connection to whoever listens on `spec`; returns the
    /// adb side of it, `None` if nobody listens (connection refused).
    pub(crate) fn accept_connection(&self, spec: &str) -> Option<DuplexStream> {
        let tx = self.listeners.lock().get(spec).cloned()?;
        let (app_end, adb_end) = tokio::io::duplex(64 * 1024);
        tx.send(app_end).ok()?;
        Some(adb_end)
    }

    pub(crate) fn register_transport(
        &self,
        opener: mpsc::UnboundedSender<OpenRequest>,
    ) -> TransportId {
        let id = TransportId(self.next_transport.fetch_add(1, Ordering::Relaxed));
        self.transports.lock().insert(id, opener);
        id
    }

    /// Forgets a transport and the reverse forwards it made (adbd drops
    /// them when the host disconnects).
    pub(crate) fn unregister_transport(&self, id: TransportId) {
        self.transports.lock().remove(&id);
        self.reverse.lock().retain(|f| f.transport != id);
    }

    /// Handles `reverse:<request>`; returns adbd's reply body (after the
    /// stream's `OKAY`). Device-side adbd sends a single `OKAY` on success
    /// (plus hex4 + port when `tcp:0` was resolved), only hex4 + lines for
    /// `list-forward`, and `FAIL`+hex4+message on error.
    pub(crate) fn handle_reverse(&self, transport: TransportId, request: &str) -> Vec<u8> {
        if request == "list-forward" {
            let mut out = String::new();
            for f in self.reverse.lock().iter() {
                out.push_str(&format!("host {} {}\n", f.device, f.host));
            }
            return hex4(&out);
        }
        match self.reverse_request(transport, request) {
            Ok(None) => b"OKAY".to_vec(),
            Ok(Some(body)) => {
                let mut v = b"OKAY".to_vec();
                v.extend_from_slice(&hex4(&body));
                v
            }
            Err(e) => {
                let mut v = b"FAIL".to_vec();
                v.extend_from_slice(&hex4(&e.to_string()));
                v
            }
        }
    }

    fn reverse_request(
        &self,
        transport: TransportId,
        request: &str,
    ) -> Result<Option<String>, ReverseError> {
        if request == "killforward-all" {
            self.reverse.lock().retain(|f| f.transport != transport);
            return Ok(None);
        }
        if let Some(spec) = request.strip_prefix("killforward:") {
            let mut table = self.reverse.lock();
            let before = table.len();
            table.retain(|f| f.device.as_str() != spec);
            if table.len() == before {
                return Err(ReverseError::NotFound(spec.to_string()));
            }
            return Ok(None);
        }
        if let Some(rest) = request.strip_prefix("forward:") {
            let (norebind, rest) = match rest.strip_prefix("norebind:") {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let (local, remote) = rest
                .split_once(';')
                .ok_or_else(|| ReverseError::BadSpec(rest.to_string()))?;
            let mut device = SocketSpec::parse(local)?;
            let host = SocketSpec::parse(remote)?;
            let mut table = self.reverse.lock();
            let mut resolved = None;
            if device.tcp_port() == Some(0) {
                let mut next = self.next_port.lock();
                while table.iter().any(|f| f.device.tcp_port() == Some(*next)) {
                    *next = next.checked_add(1).unwrap_or(40_000);
                }
                device = SocketSpec::tcp(*next);
                resolved = Some(next.to_string());
                *next = next.checked_add(1).unwrap_or(40_000);
            }
            if let Some(existing) = table.iter_mut().find(|f| f.device == device) {
                if norebind {
                    return Err(ReverseError::CannotRebind);
                }
                existing.host = host;
                existing.transport = transport;
                return Ok(resolved);
            }
            table.push(ReverseForward {
                device,
                host,
                transport,
            });
            return Ok(resolved);
        }
        Err(ReverseError::BadSpec(request.to_string()))
    }
}

/// `hex4` length prefix plus text, as adb's `SendProtocolString`.
pub(crate) fn hex4(s: &str) -> Vec<u8> {
    let mut v = format!("{:04x}", s.len().min(0xffff)).into_bytes();
    v.extend_from_slice(s.as_bytes());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_forward_table_follows_adbd() {
        let d = DeviceState::new(Profile::default());
        let t = TransportId(1);
        assert_eq!(d.handle_reverse(t, "forward:tcp:8081;tcp:9000"), b"OKAY");
        assert_eq!(
            d.handle_reverse(t, "forward:norebind:tcp:8081;tcp:9001"),
            b"FAIL001dcannot rebind existing socket"
        );
        assert_eq!(
            d.handle_reverse(t, "forward:tcp:0;tcp:9002"),
            b"OKAY000540000"
        );
        assert_eq!(
            d.handle_reverse(t, "list-forward"),
            b"002fhost tcp:8081 tcp:9000\nhost tcp:40000 tcp:9002\n"
        );
        assert_eq!(
            d.handle_reverse(t, "killforward:tcp:1"),
            b"FAIL001alistener 'tcp:1' not found"
        );
        assert_eq!(d.handle_reverse(t, "killforward:tcp:8081"), b"OKAY");
        assert_eq!(d.handle_reverse(t, "killforward-all"), b"OKAY");
        assert!(d.reverse_forwards().is_empty());
        assert!(d
            .handle_reverse(t, "forward:udp:1;tcp:2")
            .starts_with(b"FAIL"));
    }

    #[test]
    fn extensions_are_typed() {
        #[derive(Debug, PartialEq)]
        struct Model(u32);
        let d = DeviceState::new(Profile::default());
        assert!(d.extension::<Model>().is_none());
        d.insert_extension(Arc::new(Model(7)));
        assert_eq!(d.extension::<Model>().as_deref(), Some(&Model(7)));
    }
}
