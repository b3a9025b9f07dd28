//! One host connection to the simulated adbd: the `CNXN`/`AUTH` handshake,
//! then streams multiplexed with `OPEN`/`OKAY`/`WRTE`/`CLSE`.
//!
//! Each stream has a service task talking through a [`StreamReader`] and a
//! [`StreamWriter`]. What the service writes is sent as `WRTE`s of at most
//! the negotiated payload size, each waiting for the host's `OKAY` before
//! the next (adb's one-ack-per-write flow control); `CLSE` follows the last
//! write when the service ends, without waiting for that write's `OKAY`
//! (`CLSE` is not flow-controlled, and adb_client never acknowledges the
//! sync service's final `OKAY` yet waits for the `CLSE` after `QUIT`). Host writes are acknowledged at once, before
//! the service sees them, so an `OKAY` always precedes the reply it causes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use rand::RngCore;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};

use super::auth::{AdbPublicKey, AuthPolicy, TOKEN_SIZE};
use super::device::{DeviceState, OpenRequest, ReverseError, TransportId};
use super::services;
pub use super::stream::{StreamClosed, StreamReader, StreamWriter};
use crate::adb::wire::{
    Command, FrameDecoder, Message, AUTH_RSAPUBLICKEY, AUTH_SIGNATURE, AUTH_TOKEN, A_VERSION,
    MAX_PAYLOAD,
};

/// Chunks a service may queue before its writes wait for acknowledgements.
const OUTBOUND_QUEUE: usize = 8;

enum Slot {
    /// An open stream.
    Open {
        remote: u32,
        inbound: mpsc::UnboundedSender<Bytes>,
        acks: mpsc::UnboundedSender<()>,
    },
    /// A stream this side opened (reverse forward), waiting for the host.
    Pending {
        service: String,
        reply: oneshot::Sender<Result<DuplexStream, ReverseError>>,
    },
}

struct Shared {
    out: mpsc::UnboundedSender<Message>,
    streams: Mutex<HashMap<u32, Slot>>,
    next_id: AtomicU32,
    max_payload: AtomicU32,
}

impl Shared {
    fn send(&self, m: Message) {
        let _ = self.out.send(m);
    }

    fn alloc_id(&self) -> u32 {
        loop {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            if id != 0 && !self.streams.lock().contains_key(&id) {
                return id;
            }
        }
    }

    /// Registers an open stream and starts its output pump; returns the
    /// service's halves.
    fn open_stream(self: &Arc<Self>, local: u32, remote: u32) -> (StreamReader, StreamWriter) {
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        let (ack_tx, ack_rx) = mpsc::unbounded_channel();
        let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
        self.streams.lock().insert(
            local,
            Slot::Open {
                remote,
                inbound: in_tx,
                acks: ack_tx,
            },
        );
        tokio::spawn(pump(self.clone(), local, remote, out_rx, ack_rx));
        (StreamReader { rx: in_rx }, StreamWriter { tx: out_tx })
    }
}

/// Sends a stream's queued output as flow-controlled `WRTE`s, then `CLSE`.
async fn pump(
    shared: Arc<Shared>,
    local: u32,
    remote: u32,
    mut out_rx: mpsc::Receiver<Bytes>,
    mut acks: mpsc::UnboundedReceiver<()>,
) {
    let mut awaiting_ack = false;
    while let Some(chunk) = out_rx.recv().await {
        let max = shared.max_payload.load(Ordering::Relaxed).max(1) as usize;
        for piece in chunk.chunks(max) {
            if awaiting_ack {
                if acks.recv().await.is_none() {
                    return; // the host closed the stream
                }
            } else {
                // Drop acknowledgements nobody waited for (some clients
                // acknowledge every message, even OKAYs).
                while acks.try_recv().is_ok() {}
            }
            shared.send(Message::new(
                Command::Wrte,
                local,
                remote,
                chunk.slice_ref(piece),
            ));
            awaiting_ack = true;
        }
    }
    let still_open = matches!(
        shared.streams.lock().remove(&local),
        Some(Slot::Open { .. })
    );
    if still_open {
        shared.send(Message::new(Command::Clse, local, remote, Bytes::new()));
    }
}

/// What the connection knows before and after the handshake.
enum AuthState {
    /// Waiting for the host's `CNXN`.
    WaitingForHost,
    /// Sent this token, waiting for a signature or public key.
    Challenged([u8; TOKEN_SIZE]),
    /// The host is authorized: streams are served.
    Online,
}

/// Connection-wide settings.
pub(crate) struct ConnConfig {
    pub device: Arc<DeviceState>,
    pub auth: Arc<AuthPolicy>,
    pub banner: String,
}

/// Acknowledges what was just read at once. Hosts write a message's header
/// and payload in separate small writes (adb_client does not set
/// TCP_NODELAY), so with Linux's delayed ACK every message costs a 40 ms
/// Nagle stall; a real adbd pays it too, but the simulated device need not.
/// Quick-ack mode lapses on its own, so it is re-armed after every read.
fn quick_ack(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    {
        let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

/// Serves one host connection until it closes or `shutdown` fires.
pub(crate) async fn serve(
    stream: TcpStream,
    cfg: Arc<ConnConfig>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let peer = stream.peer_addr().ok();
    let (mut rd, mut wr) = stream.into_split();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Message>();
    let writer = tokio::spawn(async move {
        while let Some(m) = out_rx.recv().await {
            tracing::trace!(?m.command, m.arg0, m.arg1, len = m.payload.len(), "sim adbd ->");
            if wr.write_all(&m.encode()).await.is_err() {
                break;
            }
        }
        let _ = wr.shutdown().await;
    });
    let shared = Arc::new(Shared {
        out: out_tx,
        streams: Mutex::new(HashMap::new()),
        next_id: AtomicU32::new(0x64),
        max_payload: AtomicU32::new(MAX_PAYLOAD),
    });
    let (open_tx, mut open_rx) = mpsc::unbounded_channel::<OpenRequest>();
    let transport = cfg.device.register_transport(open_tx);
    tracing::debug!(?peer, ?transport, "sim adbd: host connected");

    let mut decoder = FrameDecoder::new(MAX_PAYLOAD);
    let mut state = AuthState::WaitingForHost;
    let mut buf = vec![0u8; 64 * 1024];
    'conn: loop {
        tokio::select! {
            n = rd.read(&mut buf) => {
                let n = match n { Ok(0) | Err(_) => break 'conn, Ok(n) => n };
                quick_ack(rd.as_ref());
                decoder.feed(&buf[..n]);
                loop {
                    match decoder.next_message() {
                        Ok(Some(m)) => {
                            tracing::trace!(?m.command, m.arg0, m.arg1, len = m.payload.len(), "sim adbd <-");
                            handle(&cfg, &shared, transport, &mut state, m);
                        }
                        Ok(None) => break,
                        Err(e) => {
                            tracing::debug!(?peer, "sim adbd: dropping connection: {e}");
                            break 'conn;
                        }
                    }
                }
            }
            req = open_rx.recv() => {
                if let Some(req) = req {
                    if matches!(state, AuthState::Online) {
                        let local = shared.alloc_id();
                        let mut payload = req.service.clone().into_bytes();
                        payload.push(0);
                        shared.streams.lock().insert(local, Slot::Pending { service: req.service, reply: req.reply });
                        shared.send(Message::new(Command::Open, local, 0, payload));
                    } else {
                        let _ = req.reply.send(Err(ReverseError::TransportGone(req.service)));
                    }
                }
            }
            _ = shutdown.changed() => break 'conn,
        }
    }
    cfg.device.unregister_transport(transport);
    // Dropping the slots ends every service's input and acknowledgements.
    shared.streams.lock().clear();
    drop(shared);
    writer.abort();
    tracing::debug!(?peer, "sim adbd: host disconnected");
}

fn handle(
    cfg: &ConnConfig,
    shared: &Arc<Shared>,
    transport: TransportId,
    state: &mut AuthState,
    m: Message,
) {
    match m.command {
        Command::Cnxn => {
            let max = m.arg1.clamp(1, MAX_PAYLOAD);
            shared.max_payload.store(max, Ordering::Relaxed);
            if matches!(*cfg.auth, AuthPolicy::Disabled) || matches!(state, AuthState::Online) {
                *state = AuthState::Online;
                send_cnxn(cfg, shared, m.arg0);
            } else {
                challenge(shared, state);
            }
        }
        Command::Auth => handle_auth(cfg, shared, state, &m),
        _ if !matches!(state, AuthState::Online) => {}
        Command::Open => handle_open(cfg, shared, transport, &m),
        Command::Okay => {
            let (remote, local) = (m.arg0, m.arg1);
            let mut streams = shared.streams.lock();
            match streams.remove(&local) {
                Some(Slot::Pending { reply, service }) => {
                    drop(streams);
                    let (reader, writer) = shared.open_stream(local, remote);
                    let (app_end, bridge_end) = tokio::io::duplex(64 * 1024);
                    tokio::spawn(bridge(bridge_end, reader, writer));
                    if reply.send(Ok(app_end)).is_err() {
                        tracing::debug!("sim adbd: reverse connection to {service} abandoned");
                    }
                }
                Some(slot @ Slot::Open { .. }) => {
                    if let Slot::Open { acks, .. } = &slot {
                        let _ = acks.send(());
                    }
                    streams.insert(local, slot);
                }
                None => {}
            }
        }
        Command::Wrte => {
            let (remote, local) = (m.arg0, m.arg1);
            let streams = shared.streams.lock();
            if let Some(Slot::Open {
                inbound, remote: r, ..
            }) = streams.get(&local)
            {
                if *r == remote {
                    shared.send(Message::new(Command::Okay, local, remote, Bytes::new()));
                    let _ = inbound.send(m.payload);
                }
            }
        }
        Command::Clse => {
            let local = m.arg1;
            let removed = shared.streams.lock().remove(&local);
            if let Some(Slot::Pending { reply, service }) = removed {
                let _ = reply.send(Err(ReverseError::Refused(service)));
            }
        }
        Command::Sync | Command::Stls => {}
    }
}

/// An `AUTH` from the host: a signed token or an offered public key.
fn handle_auth(cfg: &ConnConfig, shared: &Arc<Shared>, state: &mut AuthState, m: &Message) {
    let AuthState::Challenged(token) = state else {
        return;
    };
    let token = *token;
    match m.arg0 {
        AUTH_SIGNATURE => {
            if cfg.auth.accepts_signature(&token, &m.payload) {
                *state = AuthState::Online;
                send_cnxn(cfg, shared, A_VERSION);
            } else {
                challenge(shared, state);
            }
        }
        AUTH_RSAPUBLICKEY => {
            let text = String::from_utf8_lossy(&m.payload);
            let who = AdbPublicKey::parse_line(&text)
                .map(|k| k.comment)
                .unwrap_or_else(|e| format!("unparseable key: {e}"));
            if cfg.auth.accepts_offered_key() {
                tracing::info!("sim adbd: accepting offered host key ({who})");
                *state = AuthState::Online;
                send_cnxn(cfg, shared, A_VERSION);
            } else {
                // A real device would ask its user; nobody answers here.
                tracing::info!("sim adbd: host key not in adb_keys ({who}); staying unauthorized");
            }
        }
        _ => {}
    }
}

/// An `OPEN` from the host: a service stream, or a connection to a
/// device-side socket.
fn handle_open(cfg: &ConnConfig, shared: &Arc<Shared>, transport: TransportId, m: &Message) {
    let remote = m.arg0;
    if remote == 0 {
        return;
    }
    let name = m.payload.split(|b| *b == 0).next().unwrap_or_default();
    let name = String::from_utf8_lossy(name).into_owned();
    match services::Service::parse(&name) {
        Some(services::Service::Connect(spec)) => {
            match cfg.device.accept_connection(&spec) {
                Some(adb_end) => {
                    let local = shared.alloc_id();
                    shared.send(Message::new(Command::Okay, local, remote, Bytes::new()));
                    let (reader, writer) = shared.open_stream(local, remote);
                    tokio::spawn(bridge(adb_end, reader, writer));
                }
                // Nobody listens: connection refused.
                None => shared.send(Message::new(Command::Clse, 0, remote, Bytes::new())),
            }
        }
        Some(service) => {
            let local = shared.alloc_id();
            // OKAY goes out before the service can write anything.
            shared.send(Message::new(Command::Okay, local, remote, Bytes::new()));
            let (reader, writer) = shared.open_stream(local, remote);
            let ctx = services::ServiceContext {
                device: cfg.device.clone(),
                transport,
            };
            tokio::spawn(services::run(service, ctx, reader, writer));
        }
        None => {
            tracing::debug!("sim adbd: unknown service {name:?}");
            shared.send(Message::new(Command::Clse, 0, remote, Bytes::new()));
        }
    }
}

fn challenge(shared: &Shared, state: &mut AuthState) {
    let mut token = [0u8; TOKEN_SIZE];
    rand::thread_rng().fill_bytes(&mut token);
    *state = AuthState::Challenged(token);
    shared.send(Message::new(Command::Auth, AUTH_TOKEN, 0, token.to_vec()));
}

fn send_cnxn(cfg: &ConnConfig, shared: &Shared, host_version: u32) {
    let version = host_version.clamp(crate::adb::wire::A_VERSION_MIN, A_VERSION);
    shared.send(Message::new(
        Command::Cnxn,
        version,
        MAX_PAYLOAD,
        cfg.banner.clone().into_bytes(),
    ));
}

/// Copies bytes between a device-side socket (the duplex end given to
/// device-side code) and an adb stream.
async fn bridge(stream: DuplexStream, mut reader: StreamReader, writer: StreamWriter) {
    let (mut app_rd, mut app_wr) = tokio::io::split(stream);
    let to_host = async move {
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            match app_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if writer
                        .write(Bytes::copy_from_slice(&buf[..n]))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
        // Dropping the writer closes the adb stream.
    };
    let from_host = async move {
        while let Some(chunk) = reader.read().await {
            if app_wr.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = app_wr.shutdown().await;
    };
    tokio::join!(to_host, from_host);
}
