//! The simulated device seen through the `adb_client` crate, both through
//! a real adb server and directly over TCP (adb_client speaking the
//! transport protocol itself, with its own key and checksum checks).

mod sim_support;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use adb_client::server::ADBServer;
use adb_client::server_device::ADBServerDevice;
use adb_client::tcp::ADBTcpDevice;
use adb_client::ADBDeviceExt;
use pushlab::sim::{Profile, SimDevice, SimHandle};
use sim_support::{AdbServer, DEADLINE};

async fn sim(profile: &str) -> SimHandle {
    SimDevice::spawn(
        Profile::parse(profile).expect("profile"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("spawn sim")
}

fn v4(addr: SocketAddr) -> SocketAddrV4 {
    match addr {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(_) => panic!("sim listens on IPv4 loopback"),
    }
}

/// Runs blocking adb_client work off the async runtime, within the deadline.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::time::timeout(DEADLINE, tokio::task::spawn_blocking(f))
        .await
        .expect("adb_client call finished in time")
        .expect("adb_client task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adb_client_over_direct_tcp_runs_shell_and_round_trips_a_file() {
    let sim = sim("coloros-android10").await;
    let addr = sim.addr();
    let keys = tempfile::tempdir().expect("tempdir");
    // A missing key file makes adb_client generate a throwaway key.
    let key_path = keys.path().join("adbkey");
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sent = payload.clone();

    let (sdk, pulled) = blocking(move || {
        let mut dev = ADBTcpDevice::new_with_custom_private_key(addr, &key_path).expect("connect");
        let mut out = Vec::new();
        dev.shell_command(&"getprop ro.build.version.sdk", Some(&mut out), None)
            .expect("shell");
        dev.push(&mut sent.as_slice(), &"/data/local/tmp/blob.bin")
            .expect("push");
        let mut pulled = Vec::new();
        dev.pull(&"/data/local/tmp/blob.bin", &mut pulled)
            .expect("pull");
        (String::from_utf8_lossy(&out).into_owned(), pulled)
    })
    .await;

    assert_eq!(sdk, "29\n");
    assert!(
        pulled == payload,
        "pulled bytes differ ({} vs {})",
        pulled.len(),
        payload.len()
    );
    assert_eq!(
        sim.device()
            .fs()
            .read("/data/local/tmp/blob.bin")
            .expect("file"),
        payload
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adb_client_through_a_real_adb_server_runs_shell_and_round_trips_a_file() {
    let sim = sim("funtouch-android11").await;
    let adb = AdbServer::start().await;
    let server_addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, adb.port);
    let wrapper_dir = tempfile::tempdir().expect("tempdir");
    let wrapper = adb.wrapper_script(wrapper_dir.path());
    let device_addr = v4(sim.addr());
    let serial = sim.serial();

    let wrapper_path = wrapper.display().to_string();
    blocking(move || {
        let mut server = ADBServer::new_from_path(server_addr, Some(wrapper_path));
        server.connect_device(device_addr).expect("connect_device");
    })
    .await;
    adb.wait_for_state(&serial, "device").await;

    let payload: Vec<u8> = (0..150_000u32).map(|i| (i % 253) as u8).collect();
    let sent = payload.clone();
    let (code, stdout, stderr, pulled) = blocking(move || {
        let mut dev = ADBServerDevice::new(serial, Some(server_addr));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = dev
            .shell_command(
                &"getprop ro.vivo.os.version; echo oops >&2; exit 4",
                Some(&mut out),
                Some(&mut err),
            )
            .expect("shell");
        dev.push(&mut sent.as_slice(), "/sdcard/blob.bin")
            .expect("push");
        let mut pulled = Vec::new();
        dev.pull(&"/sdcard/blob.bin", &mut pulled).expect("pull");
        (code, out, err, pulled)
    })
    .await;

    assert_eq!(String::from_utf8_lossy(&stdout), "11.0\n");
    assert_eq!(String::from_utf8_lossy(&stderr), "oops\n");
    // adb_client 3.2 reads the exit packet but answers `Ok(None)` at the end
    // of the stream that follows it, so the exit status cannot be checked
    // here (sim_adb.rs checks it with the real adb).
    assert!(matches!(code, None | Some(4)), "exit status {code:?}");
    assert!(pulled == payload, "pulled bytes differ");
}
