//! The driver's own transport straight to the simulated adbd: shell v2 over
//! direct TCP keeps stderr apart and returns exit codes, and the host key
//! flow (signature, then offered public key) ends online or in a clear
//! "unauthorized" infrastructure error within the deadline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pushlab::adb::auth::android_public_key;
use pushlab::device::{Deadlines, Device, DeviceErrorKind, Target};
use pushlab::sim::auth::{AdbPublicKey, AuthPolicy};
use pushlab::sim::profile::Profile;
use pushlab::sim::{SimDevice, SimHandle};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};

/// A fresh 2048-bit host key written as adb writes `adbkey`; returns its path
/// and its `adb_keys` line.
fn host_key(dir: &Path) -> (PathBuf, String) {
    let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("keygen");
    let path = dir.join("adbkey");
    let pem = key.to_pkcs8_pem(LineEnding::LF).expect("pem");
    std::fs::write(&path, pem.as_bytes()).expect("write key");
    let line = android_public_key(&key.to_public_key(), "test@host").expect("2048-bit key");
    (path, line)
}

async fn sim(auth: AuthPolicy) -> SimHandle {
    SimDevice::builder(Profile::parse("aosp-gms-android13").expect("profile"))
        .auth(auth)
        .spawn("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("spawn")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_tcp_keeps_stderr_apart_and_returns_exit_codes() {
    let keys = tempfile::tempdir().expect("tempdir");
    let (key, _) = host_key(keys.path());
    let sim = sim(AuthPolicy::AcceptAny).await;
    let device = Device::new(Target::tcp(sim.addr())).with_adb_key(key);

    let out = device
        .shell("echo to-out; echo to-err >&2; exit 4")
        .await
        .expect("shell");
    assert_eq!(out.stdout, "to-out\n");
    assert_eq!(out.stderr, "to-err\n");
    assert_eq!(out.exit, Some(4));

    let ok = device.shell("true").await.expect("shell");
    assert_eq!(ok.exit, Some(0));
    assert!(ok.success());

    let failed = device.shell_ok("false").await.expect_err("exit 1 fails");
    assert_eq!(failed.kind(), DeviceErrorKind::CommandFailed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_key_listed_in_adb_keys_signs_its_way_in() {
    let keys = tempfile::tempdir().expect("tempdir");
    let (key, line) = host_key(keys.path());
    let trusted = AdbPublicKey::parse_line(&line).expect("our own key line parses");
    let sim = sim(AuthPolicy::Keys(vec![trusted])).await;
    let device = Device::new(Target::tcp(sim.addr())).with_adb_key(key);
    assert_eq!(
        device.api_level().await.expect("online").map(|a| a.0),
        Some(33)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_host_key_is_an_unauthorized_infrastructure_error() {
    let keys = tempfile::tempdir().expect("tempdir");
    let (key, _) = host_key(keys.path());
    let sim = sim(AuthPolicy::Keys(Vec::new())).await;
    let device = Device::new(Target::tcp(sim.addr()))
        .with_adb_key(key)
        .with_deadlines(Deadlines {
            command: Duration::from_secs(2),
            transfer: Duration::from_secs(2),
        });
    let err = device.shell("true").await.expect_err("unauthorized");
    assert_eq!(err.kind(), DeviceErrorKind::DeviceLost, "{err}");
    assert!(err.is_infrastructure());
    assert!(err.to_string().contains("unauthorized"), "{err}");
}
