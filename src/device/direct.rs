//! Direct TCP to an adbd: one persistent transport connection per device.
//!
//! `CNXN` (version 0x01000001, 1 MiB payloads, `shell_v2,cmd,stat_v2`), the
//! `AUTH` token flow with the host key, then one multiplexed stream per shell
//! command over `shell,v2,raw:<cmd>` (stdout, stderr and the exit status come
//! back separately) and per file transfer over `sync:` (`SEND`/`DATA`/`DONE`,
//! `RECV`). Blocking I/O; every read is bounded by the caller's deadline
//! through the socket's read timeout, so no call hangs.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use adb_client::RustADBError;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};

use crate::adb::auth::android_public_key;

use crate::adb::shell_proto::{PacketDecoder, PacketId};
use crate::adb::wire::{
    Command, FrameDecoder, Message, AUTH_RSAPUBLICKEY, AUTH_SIGNATURE, AUTH_TOKEN, A_VERSION,
    MAX_PAYLOAD,
};

use super::output::ShellOutput;

/// What the host announces in its `CNXN`.
const HOST_BANNER: &[u8] = b"host::features=shell_v2,cmd,stat_v2";

/// An online transport connection to an adbd.
pub(super) struct DirectConn {
    stream: TcpStream,
    decoder: FrameDecoder,
    next_local_id: u32,
    /// The device's banner lists `shell_v2`.
    shell_v2: bool,
    /// The largest payload the device takes (its `CNXN`'s arg1).
    max_payload: usize,
}

/// Largest `DATA` chunk of the sync protocol.
const SYNC_DATA_MAX: usize = 64 * 1024;

const fn sync_id(b: &[u8; 4]) -> [u8; 4] {
    *b
}

/// Mode of pushed files: a regular file, rw-r--r-- (what `adb push` sends
/// for a 0644 file).
const PUSH_MODE: u32 = 0o100_644;

fn timed_out(what: &str) -> RustADBError {
    RustADBError::IOError(std::io::Error::new(ErrorKind::TimedOut, what.to_string()))
}

fn protocol(message: String) -> RustADBError {
    RustADBError::WrongResponseReceived("the ADB transport protocol".into(), message)
}

/// Reads the host's private key (PKCS#8 as adb writes it, or PKCS#1).
fn load_key(path: &Path) -> Result<RsaPrivateKey, RustADBError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let pem = std::fs::read_to_string(path).map_err(|e| {
        RustADBError::IOError(std::io::Error::new(
            e.kind(),
            format!("adb key {}: {e}", path.display()),
        ))
    })?;
    RsaPrivateKey::from_pkcs8_pem(&pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
        .map_err(|e| {
            RustADBError::IOError(std::io::Error::other(format!(
                "adb key {}: not an RSA private key: {e}",
                path.display()
            )))
        })
}

impl DirectConn {
    /// Connects, sends `CNXN` and authenticates with the key at `key`,
    /// failing by `deadline`.
    pub(super) fn open(
        addr: SocketAddr,
        key: &Path,
        deadline: Instant,
    ) -> Result<DirectConn, RustADBError> {
        let remaining = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| timed_out("connect"))?;
        let stream = TcpStream::connect_timeout(&addr, remaining)?;
        stream.set_nodelay(true)?;
        let mut conn = DirectConn {
            stream,
            decoder: FrameDecoder::new(MAX_PAYLOAD),
            next_local_id: 1,
            shell_v2: false,
            max_payload: 4096,
        };
        conn.send(&Message::new(
            Command::Cnxn,
            A_VERSION,
            MAX_PAYLOAD,
            HOST_BANNER,
        ))?;
        let mut signed = false;
        let mut offered_key = false;
        let mut private: Option<RsaPrivateKey> = None;
        loop {
            let msg = match conn.read_message(deadline) {
                Ok(m) => m,
                Err(RustADBError::IOError(e))
                    if offered_key
                        && matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) =>
                {
                    return Err(RustADBError::ADBRequestFailed(format!(
                        "device unauthorized: it did not accept this host's key ({}); \
                         allow USB debugging on the device or add the key to its adb_keys",
                        key.display()
                    )));
                }
                Err(e) => return Err(e),
            };
            match (msg.command, msg.arg0) {
                (Command::Cnxn, _) => {
                    conn.shell_v2 = banner_has_shell_v2(&msg.payload);
                    conn.max_payload = (msg.arg1.min(MAX_PAYLOAD) as usize).max(256);
                    return Ok(conn);
                }
                (Command::Auth, AUTH_TOKEN) => {
                    let key_pair = match &private {
                        Some(k) => k.clone(),
                        None => {
                            let k = load_key(key)?;
                            private = Some(k.clone());
                            k
                        }
                    };
                    if !signed {
                        signed = true;
                        let signature = key_pair
                            .sign(Pkcs1v15Sign::new::<sha1::Sha1>(), &msg.payload)
                            .map_err(|e| protocol(format!("cannot sign the AUTH token: {e}")))?;
                        conn.send(&Message::new(Command::Auth, AUTH_SIGNATURE, 0, signature))?;
                    } else if !offered_key {
                        offered_key = true;
                        let public = android_public_key(&key_pair.to_public_key(), "pushlab@host")
                            .map(|line| {
                                let mut bytes = line.into_bytes();
                                bytes.push(0);
                                bytes
                            })
                            .ok_or_else(|| {
                                RustADBError::ADBRequestFailed(
                                "device unauthorized and the host key is not a 2048-bit RSA key"
                                    .into(),
                            )
                            })?;
                        conn.send(&Message::new(Command::Auth, AUTH_RSAPUBLICKEY, 0, public))?;
                    } else {
                        return Err(RustADBError::ADBRequestFailed(format!(
                            "device unauthorized: it rejected this host's key ({})",
                            key.display()
                        )));
                    }
                }
                (other, _) => {
                    return Err(protocol(format!(
                        "unexpected {other:?} before the connection was online"
                    )))
                }
            }
        }
    }

    fn send(&mut self, msg: &Message) -> Result<(), RustADBError> {
        self.stream.write_all(&msg.encode())?;
        Ok(())
    }

    /// The next message, waiting at most until `deadline`.
    fn read_message(&mut self, deadline: Instant) -> Result<Message, RustADBError> {
        let mut buf = [0u8; 64 * 1024];
        loop {
            if let Some(m) = self
                .decoder
                .next_message()
                .map_err(|e| protocol(e.to_string()))?
            {
                return Ok(m);
            }
            let remaining = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or_else(|| timed_out("read"))?;
            self.stream
                .set_read_timeout(Some(remaining.max(Duration::from_millis(1))))?;
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    return Err(RustADBError::IOError(std::io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "adbd closed the connection",
                    )))
                }
                Ok(n) => self.decoder.feed(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Runs `cmd` by `deadline`: over `shell,v2,raw:` (stdout, stderr and the
    /// exit status apart), or over the legacy `shell:` service on devices
    /// whose banner lacks `shell_v2` (before Android 7: output merged, no
    /// exit status).
    pub(super) fn shell(
        &mut self,
        cmd: &str,
        deadline: Instant,
    ) -> Result<ShellOutput, RustADBError> {
        let local = self.next_local_id;
        self.next_local_id = self.next_local_id.checked_add(1).unwrap_or(1);
        let v2 = self.shell_v2;
        let name = if v2 {
            format!("shell,v2,raw:{cmd}")
        } else {
            format!("shell:{cmd}")
        };
        let mut service = name.clone().into_bytes();
        service.push(0);
        self.send(&Message::new(Command::Open, local, 0, service))?;
        let mut remote: Option<u32> = None;
        let mut packets = PacketDecoder::default();
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut exit = None;
        loop {
            let msg = self.read_message(deadline)?;
            if msg.command == Command::Cnxn {
                return Err(RustADBError::IOError(std::io::Error::new(
                    ErrorKind::ConnectionReset,
                    "adbd restarted the connection",
                )));
            }
            if msg.arg1 != local {
                // A message for another (finished) stream.
                continue;
            }
            match msg.command {
                Command::Okay => {
                    remote.get_or_insert(msg.arg0);
                }
                Command::Wrte => {
                    let r = *remote.get_or_insert(msg.arg0);
                    self.send(&Message::new(Command::Okay, local, r, Vec::new()))?;
                    if !v2 {
                        stdout.extend_from_slice(&msg.payload);
                        continue;
                    }
                    packets.feed(&msg.payload);
                    while let Some(p) = packets
                        .next_packet()
                        .map_err(|e| RustADBError::ADBShellV2ParseError(e.to_string()))?
                    {
                        match p.id {
                            PacketId::Stdout => stdout.extend_from_slice(&p.data),
                            PacketId::Stderr => stderr.extend_from_slice(&p.data),
                            PacketId::Exit => exit = p.data.first().copied(),
                            _ => {}
                        }
                    }
                }
                Command::Clse => {
                    if remote.is_none() {
                        return Err(RustADBError::ADBRequestFailed(format!(
                            "adbd refused the service `{name}`"
                        )));
                    }
                    break;
                }
                _ => {}
            }
        }
        Ok(ShellOutput {
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            exit,
        })
    }
}

/// One open stream of the transport.
struct Stream {
    local: u32,
    remote: u32,
    /// Bytes the device wrote that the caller has not taken yet.
    pending: Vec<u8>,
    closed: bool,
}

impl DirectConn {
    /// Opens `service` and waits for the device's `OKAY`.
    fn open_stream(&mut self, service: &str, deadline: Instant) -> Result<Stream, RustADBError> {
        let local = self.next_local_id;
        self.next_local_id = self.next_local_id.checked_add(1).unwrap_or(1);
        let mut name = service.as_bytes().to_vec();
        name.push(0);
        self.send(&Message::new(Command::Open, local, 0, name))?;
        loop {
            let msg = self.read_message(deadline)?;
            if msg.command == Command::Cnxn {
                return Err(reset());
            }
            if msg.arg1 != local {
                continue;
            }
            match msg.command {
                Command::Okay => {
                    return Ok(Stream {
                        local,
                        remote: msg.arg0,
                        pending: Vec::new(),
                        closed: false,
                    })
                }
                Command::Clse => {
                    return Err(RustADBError::ADBRequestFailed(format!(
                        "adbd refused the service `{service}`"
                    )))
                }
                _ => {}
            }
        }
    }

    /// Handles one message for `s`: data is kept (and acknowledged), a
    /// close is noted. Returns whether it was the device's `OKAY`.
    fn pump(&mut self, s: &mut Stream, deadline: Instant) -> Result<bool, RustADBError> {
        let msg = self.read_message(deadline)?;
        if msg.command == Command::Cnxn {
            return Err(reset());
        }
        if msg.arg1 != s.local {
            return Ok(false);
        }
        match msg.command {
            Command::Okay => return Ok(true),
            Command::Wrte => {
                s.pending.extend_from_slice(&msg.payload);
                self.send(&Message::new(Command::Okay, s.local, s.remote, Vec::new()))?;
            }
            Command::Clse => s.closed = true,
            _ => {}
        }
        Ok(false)
    }

    /// Writes `data` on `s`, one payload at a time, each acknowledged.
    fn write_stream(
        &mut self,
        s: &mut Stream,
        data: &[u8],
        deadline: Instant,
    ) -> Result<(), RustADBError> {
        for chunk in data.chunks(self.max_payload) {
            self.send(&Message::new(
                Command::Wrte,
                s.local,
                s.remote,
                chunk.to_vec(),
            ))?;
            while !self.pump(s, deadline)? {
                if s.closed {
                    return Err(protocol("adbd closed the sync stream mid-write".into()));
                }
            }
        }
        Ok(())
    }

    /// Takes exactly `n` bytes the device wrote on `s`.
    fn read_exact_stream(
        &mut self,
        s: &mut Stream,
        n: usize,
        deadline: Instant,
    ) -> Result<Vec<u8>, RustADBError> {
        while s.pending.len() < n {
            if s.closed {
                return Err(protocol("adbd closed the sync stream mid-answer".into()));
            }
            self.pump(s, deadline)?;
        }
        Ok(s.pending.drain(..n).collect())
    }

    /// A sync answer's header: its id and length.
    fn sync_header(
        &mut self,
        s: &mut Stream,
        deadline: Instant,
    ) -> Result<([u8; 4], usize), RustADBError> {
        let h = self.read_exact_stream(s, 8, deadline)?;
        let id = [h[0], h[1], h[2], h[3]];
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        Ok((id, len))
    }

    /// A `FAIL` answer's message, as an error.
    fn sync_fail(
        &mut self,
        s: &mut Stream,
        len: usize,
        what: &str,
        deadline: Instant,
    ) -> RustADBError {
        match self.read_exact_stream(s, len.min(64 * 1024), deadline) {
            Ok(m) => {
                RustADBError::ADBRequestFailed(format!("{what}: {}", String::from_utf8_lossy(&m)))
            }
            Err(e) => e,
        }
    }

    /// Ends a sync session (`QUIT`) and closes the stream.
    fn sync_quit(&mut self, s: &mut Stream) -> Result<(), RustADBError> {
        let mut quit = sync_id(b"QUIT").to_vec();
        quit.extend_from_slice(&0u32.to_le_bytes());
        self.send(&Message::new(Command::Wrte, s.local, s.remote, quit))?;
        self.send(&Message::new(Command::Clse, s.local, s.remote, Vec::new()))?;
        Ok(())
    }

    /// Writes `data` to the device file `remote` (sync `SEND`).
    pub(super) fn push(
        &mut self,
        data: &[u8],
        remote: &str,
        deadline: Instant,
    ) -> Result<(), RustADBError> {
        let mut s = self.open_stream("sync:", deadline)?;
        let spec = format!("{remote},{PUSH_MODE}");
        let mut out = sync_id(b"SEND").to_vec();
        out.extend_from_slice(&(spec.len() as u32).to_le_bytes());
        out.extend_from_slice(spec.as_bytes());
        for chunk in data.chunks(SYNC_DATA_MAX) {
            out.extend_from_slice(&sync_id(b"DATA"));
            out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        let mtime = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(0);
        out.extend_from_slice(&sync_id(b"DONE"));
        out.extend_from_slice(&mtime.to_le_bytes());
        self.write_stream(&mut s, &out, deadline)?;
        let (id, len) = self.sync_header(&mut s, deadline)?;
        let result = match &id {
            b"OKAY" => Ok(()),
            b"FAIL" => Err(self.sync_fail(&mut s, len, &format!("push {remote}"), deadline)),
            other => Err(protocol(format!(
                "unexpected sync answer {:?} to SEND",
                String::from_utf8_lossy(other)
            ))),
        };
        self.sync_quit(&mut s)?;
        result
    }

    /// Reads the device file `remote` (sync `RECV`).
    pub(super) fn pull(
        &mut self,
        remote: &str,
        deadline: Instant,
    ) -> Result<Vec<u8>, RustADBError> {
        let mut s = self.open_stream("sync:", deadline)?;
        let mut req = sync_id(b"RECV").to_vec();
        req.extend_from_slice(&(remote.len() as u32).to_le_bytes());
        req.extend_from_slice(remote.as_bytes());
        self.write_stream(&mut s, &req, deadline)?;
        let mut data = Vec::new();
        let result = loop {
            let (id, len) = self.sync_header(&mut s, deadline)?;
            match &id {
                b"DATA" if len <= SYNC_DATA_MAX => {
                    let chunk = self.read_exact_stream(&mut s, len, deadline)?;
                    data.extend_from_slice(&chunk);
                }
                b"DONE" => break Ok(data),
                b"FAIL" => {
                    break Err(self.sync_fail(&mut s, len, &format!("pull {remote}"), deadline))
                }
                other => {
                    break Err(protocol(format!(
                        "unexpected sync answer {:?} ({len} bytes) to RECV",
                        String::from_utf8_lossy(other)
                    )))
                }
            }
        };
        self.sync_quit(&mut s)?;
        result
    }
}

fn reset() -> RustADBError {
    RustADBError::IOError(std::io::Error::new(
        ErrorKind::ConnectionReset,
        "adbd restarted the connection",
    ))
}

/// Whether a device's `CNXN` banner (`device::…;features=a,b,c`) lists
/// `shell_v2`.
fn banner_has_shell_v2(banner: &[u8]) -> bool {
    let banner = String::from_utf8_lossy(banner);
    banner
        .split(';')
        .filter_map(|kv| kv.trim_end_matches('\0').strip_prefix("features="))
        .any(|f| f.split(',').any(|x| x == "shell_v2"))
}

#[cfg(test)]
mod banner_tests {
    use super::banner_has_shell_v2;

    #[test]
    fn reads_shell_v2_from_the_features() {
        assert!(banner_has_shell_v2(
            b"device::ro.product.name=x;features=cmd,shell_v2,stat_v2\0"
        ));
        assert!(!banner_has_shell_v2(
            b"device::ro.product.name=x;features=cmd"
        ));
        assert!(!banner_has_shell_v2(b"device::"));
    }
}
