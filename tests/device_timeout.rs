//! No device call may hang: a peer that accepts and never answers makes the
//! call fail with a timeout within its deadline.

use std::time::Duration;

use pushlab::device::{Deadlines, Device, DeviceErrorKind, Target};
use tokio::net::TcpListener;

/// A loopback listener that accepts connections and never writes a byte.
async fn silent_peer() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    (addr, task)
}

fn short() -> Deadlines {
    Deadlines {
        command: Duration::from_millis(300),
        transfer: Duration::from_millis(300),
    }
}

#[tokio::test]
async fn a_silent_adbd_makes_shell_time_out() {
    let (addr, _peer) = silent_peer().await;
    let device = Device::new(Target::tcp(addr)).with_deadlines(short());
    // The outer bound only guards the test itself against a hang.
    let err = tokio::time::timeout(Duration::from_secs(30), device.shell("echo hi"))
        .await
        .expect("the call returns by itself")
        .expect_err("nothing answered");
    assert_eq!(err.kind(), DeviceErrorKind::Timeout, "{err}");
    assert!(err.is_infrastructure());
    assert!(err.to_string().contains("echo hi"), "{err}");
}

#[tokio::test]
async fn a_silent_adb_server_makes_every_command_time_out() {
    let (addr, _peer) = silent_peer().await;
    let std::net::SocketAddr::V4(v4) = addr else {
        unreachable!("bound on 127.0.0.1")
    };
    let target = Target::AdbServer {
        serial: Some("emulator-5554".into()),
        host: *v4.ip(),
        port: v4.port(),
    };
    let device = Device::new(target).with_deadlines(short());
    for err in [
        device.shell("getprop ro.build.version.sdk").await.err(),
        device.pull("/sdcard/x").await.err(),
        device.reverse("tcp:8080", "tcp:8080").await.err(),
    ] {
        let err = err.expect("nothing answered");
        assert_eq!(err.kind(), DeviceErrorKind::Timeout, "{err}");
    }
}

#[tokio::test]
async fn a_closed_port_is_a_lost_device_not_a_hang() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let device = Device::new(Target::tcp(addr)).with_deadlines(short());
    let err = device.shell("echo hi").await.expect_err("nobody listens");
    assert!(err.is_infrastructure(), "{err}");
}

#[tokio::test]
async fn reverse_needs_the_adb_server() {
    let (addr, _peer) = silent_peer().await;
    let device = Device::new(Target::tcp(addr)).with_deadlines(short());
    let err = device.reverse("tcp:1", "tcp:1").await.unwrap_err();
    assert_eq!(err.kind(), DeviceErrorKind::Unsupported);
}
