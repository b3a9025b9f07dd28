//! The simulated adbd at the wire level, driven by a minimal host written
//! with the crate's own codec: handshake, banner, checksums, stream ids,
//! payload limits, one-ack-per-write flow control, unknown services and
//! bad frames.

use std::time::Duration;

use bytes::Bytes;
use pushlab::sim::wire::{
    Command, FrameDecoder, Message, AUTH_SIGNATURE, AUTH_TOKEN, A_VERSION, MAX_PAYLOAD,
};
use pushlab::sim::{AuthPolicy, Profile, SimDevice, SimHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DEADLINE: Duration = Duration::from_secs(20);

struct Host {
    sock: TcpStream,
    dec: FrameDecoder,
}

impl Host {
    async fn connect(sim: &SimHandle) -> Self {
        Host {
            sock: TcpStream::connect(sim.addr()).await.expect("connect"),
            dec: FrameDecoder::new(MAX_PAYLOAD),
        }
    }

    async fn send(&mut self, m: Message) {
        self.sock.write_all(&m.encode()).await.expect("send");
    }

    /// The next message, `None` when the device closed the connection.
    async fn recv(&mut self) -> Option<Message> {
        tokio::time::timeout(DEADLINE, async {
            let mut buf = [0u8; 8192];
            loop {
                if let Some(m) = self.dec.next_message().expect("valid frames") {
                    return Some(m);
                }
                match self.sock.read(&mut buf).await {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => self.dec.feed(&buf[..n]),
                }
            }
        })
        .await
        .expect("device answered in time")
    }

    async fn recv_some(&mut self) -> Message {
        self.recv().await.expect("connection open")
    }

    /// CNXN (+ AUTH with a junk signature, accepted by the default policy).
    async fn handshake(&mut self, maxdata: u32) -> Message {
        self.send(Message::new(
            Command::Cnxn,
            A_VERSION,
            maxdata,
            &b"host::features=shell_v2,cmd,stat_v2"[..],
        ))
        .await;
        let m = self.recv_some().await;
        if m.command == Command::Cnxn {
            return m;
        }
        assert_eq!((m.command, m.arg0), (Command::Auth, AUTH_TOKEN));
        assert_eq!(m.payload.len(), 20);
        self.send(Message::new(
            Command::Auth,
            AUTH_SIGNATURE,
            0,
            vec![7u8; 256],
        ))
        .await;
        let m = self.recv_some().await;
        assert_eq!(m.command, Command::Cnxn);
        m
    }
}

async fn sim(auth: AuthPolicy) -> SimHandle {
    SimDevice::builder(Profile::parse("flyme-android11").expect("profile"))
        .auth(auth)
        .spawn("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("spawn")
}

fn with_nul(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

#[tokio::test]
async fn handshake_answers_with_a_realistic_banner_and_correct_checksums() {
    let sim = sim(AuthPolicy::AcceptAny).await;
    let mut host = Host::connect(&sim).await;
    let cnxn = host.handshake(MAX_PAYLOAD).await;
    assert_eq!(cnxn.arg0, A_VERSION);
    assert_eq!(cnxn.arg1, MAX_PAYLOAD);
    assert_eq!(
        std::str::from_utf8(&cnxn.payload).expect("utf8"),
        "device::ro.product.name=meizu_18_CN;ro.product.model=meizu 18;ro.product.device=meizu18;features=shell_v2,cmd,stat_v2,fixed_push_mkdir"
    );
    // The encoded frame carries the byte-sum checksum for hosts that check it.
    let bytes = cnxn.encode();
    assert_eq!(
        u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]),
        Message::checksum(&cnxn.payload)
    );
}

#[tokio::test]
async fn without_auth_the_device_answers_cnxn_at_once() {
    let sim = sim(AuthPolicy::Disabled).await;
    let mut host = Host::connect(&sim).await;
    host.send(Message::new(
        Command::Cnxn,
        A_VERSION,
        MAX_PAYLOAD,
        &b"host::"[..],
    ))
    .await;
    assert_eq!(host.recv_some().await.command, Command::Cnxn);
}

#[tokio::test]
async fn streams_use_the_hosts_ids_and_unknown_services_get_clse() {
    let sim = sim(AuthPolicy::AcceptAny).await;
    let mut host = Host::connect(&sim).await;
    host.handshake(MAX_PAYLOAD).await;

    host.send(Message::new(Command::Open, 41, 0, with_nul("framebuffer:")))
        .await;
    let m = host.recv_some().await;
    assert_eq!((m.command, m.arg0, m.arg1), (Command::Clse, 0, 41));

    host.send(Message::new(
        Command::Open,
        7,
        0,
        with_nul("shell,v2,TERM=xterm,raw:echo hi"),
    ))
    .await;
    let okay = host.recv_some().await;
    assert_eq!((okay.command, okay.arg1), (Command::Okay, 7));
    let local = okay.arg0;
    assert_ne!(local, 0);
    // Output may come in one WRTE or several (stdout as it is produced,
    // then the exit packet); every WRTE carries the stream's ids.
    let mut data = Vec::new();
    loop {
        let m = host.recv_some().await;
        match m.command {
            Command::Wrte => {
                assert_eq!((m.arg0, m.arg1), (local, 7));
                data.extend_from_slice(&m.payload);
                host.send(Message::new(Command::Okay, 7, local, Bytes::new()))
                    .await;
            }
            Command::Clse => {
                assert_eq!((m.arg0, m.arg1), (local, 7));
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        &data[..],
        b"\x01\x03\x00\x00\x00hi\n\x03\x01\x00\x00\x00\x00"
    );
}

#[tokio::test]
async fn writes_respect_maxdata_and_wait_for_each_ack() {
    let sim = sim(AuthPolicy::AcceptAny).await;
    let content: Vec<u8> = (0..20_000u32).map(|i| (i % 200) as u8).collect();
    sim.device()
        .fs()
        .write("/data/local/tmp/f", content.clone(), 0o644, 0, false)
        .expect("write");
    let mut host = Host::connect(&sim).await;
    host.handshake(4096).await;
    host.send(Message::new(
        Command::Open,
        9,
        0,
        with_nul("exec:cat /data/local/tmp/f"),
    ))
    .await;
    let local = host.recv_some().await.arg0;

    let mut got = Vec::new();
    let mut probe = 100;
    loop {
        let m = host.recv_some().await;
        match m.command {
            Command::Wrte => {
                assert!(
                    m.payload.len() <= 4096,
                    "payload {} > maxdata",
                    m.payload.len()
                );
                got.extend_from_slice(&m.payload);
                // Before acknowledging, ask for something the device answers
                // at once: its reply must come before any further WRTE.
                probe += 1;
                host.send(Message::new(Command::Open, probe, 0, with_nul("nosuch:")))
                    .await;
                // CLSE is not flow-controlled: the end of the stream may
                // overtake the last acknowledgement, a WRTE may not.
                let mut r = host.recv_some().await;
                let mut closed = false;
                if (r.command, r.arg0, r.arg1) == (Command::Clse, local, 9) {
                    closed = true;
                    r = host.recv_some().await;
                }
                assert_eq!(
                    (r.command, r.arg1),
                    (Command::Clse, probe),
                    "device wrote again before the previous WRTE was acknowledged"
                );
                host.send(Message::new(Command::Okay, 9, local, Bytes::new()))
                    .await;
                if closed {
                    break;
                }
            }
            Command::Clse => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(got == content, "exec output differs");
}

#[tokio::test]
async fn a_frame_with_bad_magic_drops_the_connection() {
    let sim = sim(AuthPolicy::AcceptAny).await;
    let mut host = Host::connect(&sim).await;
    host.handshake(MAX_PAYLOAD).await;
    let mut frame = Message::new(Command::Okay, 1, 2, Bytes::new()).encode();
    frame[20] ^= 0xff;
    host.sock.write_all(&frame).await.expect("send");
    assert!(host.recv().await.is_none(), "connection should be closed");
}

#[tokio::test]
async fn streams_are_refused_before_authentication() {
    let sim = sim(AuthPolicy::Keys(Vec::new())).await;
    let mut host = Host::connect(&sim).await;
    host.send(Message::new(
        Command::Cnxn,
        A_VERSION,
        MAX_PAYLOAD,
        &b"host::"[..],
    ))
    .await;
    let token = host.recv_some().await;
    assert_eq!((token.command, token.arg0), (Command::Auth, AUTH_TOKEN));
    host.send(Message::new(
        Command::Auth,
        AUTH_SIGNATURE,
        0,
        vec![1u8; 256],
    ))
    .await;
    // A wrong signature earns a fresh token, not a connection.
    let again = host.recv_some().await;
    assert_eq!((again.command, again.arg0), (Command::Auth, AUTH_TOKEN));
    assert_ne!(again.payload, token.payload);
    // OPEN is ignored while unauthorized; the probe after it is too, so
    // the next thing the device sends is the token for a new CNXN.
    host.send(Message::new(Command::Open, 5, 0, with_nul("shell:echo hi")))
        .await;
    host.send(Message::new(
        Command::Cnxn,
        A_VERSION,
        MAX_PAYLOAD,
        &b"host::"[..],
    ))
    .await;
    let m = host.recv_some().await;
    assert_eq!((m.command, m.arg0), (Command::Auth, AUTH_TOKEN));
}
