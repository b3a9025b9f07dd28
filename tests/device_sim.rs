//! The one driver against the simulated device: directly over TCP (what the
//! embedded default uses) and through the real adb server (what a phone
//! uses), with the same calls.

mod sim_support;

use std::net::Ipv4Addr;

use pushlab::device::{Device, Target};
use pushlab::sim::profile::Profile;
use pushlab::sim::SimDevice;

async fn exercise(device: &Device) {
    assert_eq!(device.api_level().await.unwrap().map(|a| a.0), Some(33));
    assert_eq!(
        device.getprop("ro.product.model").await.unwrap().as_deref(),
        Some("Pixel 7")
    );
    let out = device.shell("echo hello; exit 3").await.unwrap();
    assert_eq!(out.stdout.trim(), "hello");
    assert_eq!(out.exit, Some(3));
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    device
        .push_bytes(data.clone(), "/data/local/tmp/blob")
        .await
        .unwrap();
    assert_eq!(device.pull("/data/local/tmp/blob").await.unwrap(), data);
    // The device's own refusal comes back, and the link stays usable.
    let err = device.pull("/data/local/tmp/missing").await.unwrap_err();
    assert!(err.to_string().contains("No such file"), "{err}");
    assert_eq!(
        device.shell("echo still").await.unwrap().stdout.trim(),
        "still"
    );
    let empty = Vec::new();
    device
        .push_bytes(empty.clone(), "/data/local/tmp/empty")
        .await
        .unwrap();
    assert_eq!(device.pull("/data/local/tmp/empty").await.unwrap(), empty);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_reaches_the_simulator_directly_over_tcp() {
    let sim = SimDevice::spawn(
        Profile::parse("aosp-gms-android13").unwrap(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let device = Device::new(Target::Tcp { addr: sim.addr() });
    exercise(&device).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_reaches_the_simulator_through_the_real_adb_server() {
    let sim = SimDevice::spawn(
        Profile::parse("aosp-gms-android13").unwrap(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let server = sim_support::AdbServer::start().await;
    server.connect(&sim.serial()).await;
    let device = Device::new(Target::AdbServer {
        serial: Some(sim.serial()),
        host: Ipv4Addr::LOCALHOST,
        port: server.port,
    });
    exercise(&device).await;
}
