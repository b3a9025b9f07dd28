//! The driver straight to an adbd over TCP, against a scripted adbd that
//! speaks the transport protocol (CNXN, OPEN, OKAY, WRTE, CLSE) and shell
//! protocol v2.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pushlab::device::{Device, Target};

const A_CNXN: u32 = 0x4e58_4e43;
const A_OPEN: u32 = 0x4e45_504f;
const A_OKAY: u32 = 0x5941_4b4f;
const A_CLSE: u32 = 0x4553_4c43;
const A_WRTE: u32 = 0x4554_5257;

struct Message {
    command: u32,
    arg0: u32,
    arg1: u32,
    payload: Vec<u8>,
}

fn read_message(s: &mut TcpStream) -> Option<Message> {
    let mut h = [0u8; 24];
    s.read_exact(&mut h).ok()?;
    let word = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let mut payload = vec![0; word(12) as usize];
    s.read_exact(&mut payload).ok()?;
    Some(Message {
        command: word(0),
        arg0: word(4),
        arg1: word(8),
        payload,
    })
}

/// Writes a message with the byte-sum `data_check` that adb_client verifies.
fn write_message(s: &mut TcpStream, command: u32, arg0: u32, arg1: u32, payload: &[u8]) {
    let check: u32 = payload.iter().map(|b| u32::from(*b)).sum();
    let mut m = Vec::with_capacity(24 + payload.len());
    for w in [
        command,
        arg0,
        arg1,
        payload.len() as u32,
        check,
        command ^ 0xFFFF_FFFF,
    ] {
        m.extend_from_slice(&w.to_le_bytes());
    }
    m.extend_from_slice(payload);
    let _ = s.write_all(&m);
}

/// Shell v2 packets: stdout, stderr, then the exit status.
fn v2_reply(stdout: &[u8], stderr: &[u8], exit: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for (id, data) in [(1u8, stdout), (2, stderr), (3, &[exit][..])] {
        if !data.is_empty() {
            out.push(id);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(data);
        }
    }
    out
}

fn serve(mut s: TcpStream, services: Arc<Mutex<Vec<String>>>) {
    let mut next_id = 100;
    while let Some(m) = read_message(&mut s) {
        match m.command {
            A_CNXN => write_message(
                &mut s,
                A_CNXN,
                0x0100_0001,
                1 << 20,
                b"device::ro.product.name=pushlab;ro.product.model=scripted;ro.product.device=scripted;features=shell_v2,cmd",
            ),
            A_OPEN => {
                let service = String::from_utf8_lossy(&m.payload).trim_end_matches('\0').to_string();
                services.lock().unwrap().push(service.clone());
                next_id += 1;
                let (local, remote) = (next_id, m.arg0);
                write_message(&mut s, A_OKAY, local, remote, &[]);
                let reply = match service.strip_prefix("shell,v2,raw:") {
                    Some("getprop ro.build.version.sdk") => v2_reply(b"33\n", b"", 0),
                    Some("pidof com.example.demo") => v2_reply(b"7001\n", b"", 0),
                    Some(other) => v2_reply(
                        b"",
                        format!("/system/bin/sh: {other}: not found\n").as_bytes(),
                        127,
                    ),
                    None => Vec::new(),
                };
                // Split the reply over two WRTEs: v2 packets may straddle them.
                let mid = reply.len() / 2;
                for part in [&reply[..mid], &reply[mid..]] {
                    if part.is_empty() {
                        continue;
                    }
                    write_message(&mut s, A_WRTE, local, remote, part);
                    // The host acknowledges every WRTE before the next message.
                    match read_message(&mut s) {
                        Some(ack) if ack.command == A_OKAY && ack.arg1 == local => {}
                        _ => return,
                    }
                }
                write_message(&mut s, A_CLSE, local, remote, &[]);
            }
            // The host's CLSE and OKAY need no answer here.
            _ => {}
        }
    }
}

/// The scripted adbd's address, the services opened and the connections accepted.
fn scripted_adbd() -> (
    std::net::SocketAddr,
    Arc<Mutex<Vec<String>>>,
    Arc<AtomicUsize>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    let services = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(AtomicUsize::new(0));
    let log = services.clone();
    let accepted = connections.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            accepted.fetch_add(1, Ordering::SeqCst);
            let log = log.clone();
            std::thread::spawn(move || serve(s, log));
        }
    });
    (addr, services, connections)
}

#[tokio::test]
async fn shell_commands_run_over_a_direct_adbd_connection() {
    let (addr, services, connections) = scripted_adbd();
    let device = Device::new(Target::tcp(addr));
    assert_eq!(device.api_level().await.unwrap().map(|a| a.0), Some(33));
    // The connection is kept: the second command opens a new stream on it.
    assert_eq!(device.pidof("com.example.demo").await.unwrap(), vec![7001]);
    let out = device.shell("nosuchcmd").await.unwrap();
    assert_eq!(out.exit, Some(127), "shell v2 carries the exit status");
    assert_eq!(out.stdout, "", "stdout holds only stdout");
    assert!(
        out.stderr.contains("not found"),
        "stderr arrives apart: {out:?}"
    );
    assert_eq!(
        *services.lock().unwrap(),
        vec![
            "shell,v2,raw:getprop ro.build.version.sdk",
            "shell,v2,raw:pidof com.example.demo",
            "shell,v2,raw:nosuchcmd"
        ]
    );
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "all commands share one transport connection"
    );
}
