//! `pushlab run --device adb:SERIAL` end to end, exactly as on phones: the
//! simulated devices boot without the companion apps, are reached through
//! the real adb server after `adb connect`, and pushlab installs the real
//! APKs built by `android-app/build.sh`, grants their permissions and the
//! agent's notification-listener access, then runs the built-in suites,
//! each run on a device that can stand for its profile.

mod sim_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use pushlab::android::apk::ApkInfo;
use pushlab::device::{Device, Target};
use pushlab::runner::companions::{self, CompanionError, PrepareOptions};
use pushlab::scenario::{collect_files, expand, load_file};
use pushlab::sim::{Profile, SimDevice, SimHandle};
use serde_json::Value;
use sim_support::{text, AdbServer};

/// How long one `pushlab run` may take before the test fails.
const RUN_DEADLINE: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built companion APKs' directory, or a test failure saying how to
/// build them.
fn apk_dir() -> PathBuf {
    let dir = root().join("android-app/build");
    for apk in ["agent.apk", "demo.apk"] {
        assert!(
            dir.join(apk).is_file(),
            "{} is missing: build the companion apps with `android-app/build.sh apks` \
             (scripts/test.sh does it before the tests)",
            dir.join(apk).display()
        );
    }
    dir
}

/// The lowest API level the built companion APKs install on.
fn apk_min_sdk() -> u32 {
    ["agent.apk", "demo.apk"]
        .iter()
        .map(|name| {
            let bytes = std::fs::read(apk_dir().join(name)).expect("read the APK");
            ApkInfo::from_bytes(&bytes).expect("a readable APK").min_sdk
        })
        .max()
        .unwrap_or(0)
}

fn apk_version(name: &str) -> String {
    let bytes = std::fs::read(apk_dir().join(name)).expect("read the APK");
    ApkInfo::from_bytes(&bytes)
        .expect("a readable APK")
        .version_name
}

/// Every profile the built-in suites run on.
fn suite_profiles() -> BTreeSet<String> {
    let files = collect_files(&[root().join("scenarios")]).expect("scenario files");
    files
        .iter()
        .flat_map(|f| expand(&load_file(f).expect("a valid scenario file")))
        .map(|r| r.device)
        .collect()
}

/// A simulated phone on which pushlab has never run.
async fn bare_phone(profile: &str) -> SimHandle {
    SimDevice::builder(Profile::parse(profile).expect("a known profile"))
        .companions(false)
        .spawn("127.0.0.1:0".parse().expect("address"))
        .await
        .expect("spawn the simulated device")
}

/// `pushlab <args>` against this adb server, from the project's root.
async fn pushlab(adb: &AdbServer, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_pushlab"));
    cmd.args(args)
        .current_dir(root())
        .env("ANDROID_ADB_SERVER_PORT", adb.port.to_string())
        .env("HOME", adb.home.path())
        .env_remove("ANDROID_SERIAL")
        .kill_on_drop(true);
    tokio::time::timeout(RUN_DEADLINE, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("pushlab {args:?} did not finish within {RUN_DEADLINE:?}"))
        .expect("run pushlab")
}

fn device_args(serials: &[String]) -> Vec<String> {
    serials
        .iter()
        .flat_map(|s| ["--device".to_string(), format!("adb:{s}")])
        .collect()
}

async fn shell(adb: &AdbServer, serial: &str, cmd: &str) -> String {
    text(&adb.adb_s(serial, &["shell", cmd]).await.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_suites_pass_on_simulated_phones_reached_through_the_adb_server() {
    let agent_version = apk_version("agent.apk");
    let demo_version = apk_version("demo.apk");
    let adb = AdbServer::start().await;
    let mut phones = Vec::new();
    // The APKs need a minimum API level; the cases on older profiles (the
    // suites' boundary cases down to Android 4.1) run on the simulated
    // phone's own app models, and here are skipped for want of a phone.
    let min_sdk = apk_min_sdk();
    let api_of =
        |profile: &str| u32::from(Profile::parse(profile).expect("profile").api_level.get());
    let (runnable, too_old): (Vec<String>, Vec<String>) = suite_profiles()
        .into_iter()
        .partition(|p| api_of(p) >= min_sdk);
    assert!(
        !too_old.is_empty(),
        "the suites have cases below API {min_sdk}"
    );
    for profile in &runnable {
        let phone = bare_phone(profile).await;
        adb.connect(&phone.serial()).await;
        phones.push(phone);
    }
    let serials: Vec<String> = phones.iter().map(|p| p.serial()).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("report.json");
    let mut args = vec!["run".to_string(), "scenarios/".to_string()];
    args.extend(device_args(&serials));
    args.extend(["--json".to_string(), json.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = pushlab(&adb, &args).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "pushlab run failed:\n{stdout}\n{stderr}"
    );

    // Every run ran and passed, but those on profiles older than the APKs,
    // which no phone here can stand for.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("JSON");
    let summary = &report["summary"];
    assert_eq!(summary["failed"], 0, "{stdout}");
    assert_eq!(summary["errors"], 0, "{stdout}");
    let skipped: Vec<&Value> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["status"] == "skipped")
        .collect();
    for c in &skipped {
        let device = c["device"].as_str().expect("device");
        assert!(too_old.iter().any(|p| p == device), "{c}");
    }
    for profile in &too_old {
        assert!(
            stdout.contains(&format!("[{profile}]: no device can stand for")),
            "{profile}: {stdout}"
        );
    }
    assert_eq!(
        summary["passed"].as_u64().expect("passed") + skipped.len() as u64,
        summary["total"].as_u64().expect("total"),
        "{stdout}"
    );
    let ran_on: BTreeSet<&str> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["status"] != "skipped")
        .filter_map(|c| c["device"].as_str())
        .collect();
    assert_eq!(
        ran_on.len(),
        serials.len(),
        "every phone served its profile"
    );

    // On each phone: the APKs' versions installed, the listener allowed.
    for (serial, profile) in serials.iter().zip(&runnable) {
        assert!(
            stderr.contains(&format!(
                "{serial}: installed com.pushlab.agent {agent_version}"
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "{serial}: installed com.pushlab.demo {demo_version}"
            )),
            "{stderr}"
        );
        for (package, version) in [
            ("com.pushlab.agent", &agent_version),
            ("com.pushlab.demo", &demo_version),
        ] {
            let dump = shell(&adb, serial, &format!("dumpsys package {package}")).await;
            assert!(
                dump.contains(&format!("versionName={version}")),
                "{serial}: {package} is not the built APK:\n{dump}"
            );
        }
        let listeners = shell(
            &adb,
            serial,
            "settings get secure enabled_notification_listeners",
        )
        .await;
        assert!(
            listeners.contains("com.pushlab.agent/com.pushlab.agent.ListenerService"),
            "{serial}: listeners {listeners}"
        );
        // From Android 10 on host-fired taps need this.
        if api_of(profile) >= 29 {
            let op = shell(
                &adb,
                serial,
                "appops get com.pushlab.agent SYSTEM_ALERT_WINDOW",
            )
            .await;
            assert_eq!(op.trim(), "SYSTEM_ALERT_WINDOW: allow", "{serial}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_apps_are_kept_and_outdated_ones_are_updated() {
    let adb = AdbServer::start().await;
    // A phone with an older build of the companions (the simulator's
    // preinstalled ones are version 0.1.0, the build's are 0.1.0+digest).
    let phone = SimDevice::spawn(
        Profile::parse("miui-android13").expect("profile"),
        "127.0.0.1:0".parse().expect("address"),
    )
    .await
    .expect("spawn");
    let serial = phone.serial();
    adb.connect(&serial).await;
    let device = format!("adb:{serial}");
    let run = ["run", "scenarios/xiaomi.yaml", "--device", &device];

    let first = pushlab(&adb, &run).await;
    let stderr = text(&first.stderr);
    assert!(first.status.success(), "{}\n{stderr}", text(&first.stdout));
    let agent = apk_version("agent.apk");
    assert!(
        stderr.contains(&format!(
            "updated com.pushlab.agent from 0.1.0 (1) to {agent} (1)"
        )),
        "{stderr}"
    );

    let second = pushlab(&adb, &run).await;
    let stderr = text(&second.stderr);
    assert!(
        second.status.success(),
        "{}\n{stderr}",
        text(&second.stdout)
    );
    assert!(
        stderr.contains(&format!("com.pushlab.agent {agent} (1) is current")),
        "{stderr}"
    );
    assert!(!stderr.contains("installed com.pushlab"), "{stderr}");

    let forced = pushlab(
        &adb,
        &[
            "run",
            "scenarios/xiaomi.yaml",
            "--device",
            &device,
            "--reinstall",
        ],
    )
    .await;
    let stderr = text(&forced.stderr);
    assert!(
        forced.status.success(),
        "{}\n{stderr}",
        text(&forced.stdout)
    );
    assert!(
        stderr.contains(&format!(
            "updated com.pushlab.agent from {agent} (1) to {agent} (1)"
        )),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_no_phone_can_stand_for_are_skipped_with_the_reason() {
    let adb = AdbServer::start().await;
    let pixel = bare_phone("aosp-gms-android13").await;
    let serial = pixel.serial();
    adb.connect(&serial).await;
    let device = format!("adb:{serial}");

    let out = pushlab(
        &adb,
        &[
            "run",
            "scenarios/fcm.yaml",
            "scenarios/vivo.yaml",
            "--device",
            &device,
        ],
    )
    .await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("SKIP  scenarios/vivo.yaml::open app [funtouch-android11]: no device can stand for funtouch-android11"),
        "{stdout}"
    );
    assert!(stdout.contains("needs a vivo"), "{stdout}");
    assert!(stdout.contains(" 0 failed, 0 errors, "), "{stdout}");

    // Nothing to run on this phone at all: not a pass.
    let out = pushlab(&adb, &["run", "scenarios/vivo.yaml", "--device", &device]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("nothing ran"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_without_the_apps_and_no_apks_at_hand_is_a_clear_error() {
    let phone = bare_phone("miui-android13").await;
    let device = Device::new(Target::tcp(phone.addr()));
    let err = companions::prepare(&device, "phone", &PrepareOptions::default())
        .await
        .expect_err("nothing to install from");
    assert!(
        matches!(&err, CompanionError::Missing { package, .. } if package == "com.pushlab.agent"),
        "{err}"
    );
    assert!(
        err.to_string().contains("android-app/build.sh apks"),
        "{err}"
    );

    // A named APK directory that lacks them is named in the error.
    let adb = AdbServer::start().await;
    adb.connect(&phone.serial()).await;
    let empty = tempfile::tempdir().expect("temp dir");
    let apks = empty.path().display().to_string();
    let out = pushlab(
        &adb,
        &[
            "run",
            "scenarios/xiaomi.yaml",
            "--device",
            &format!("adb:{}", phone.serial()),
            "--apks",
            &apks,
        ],
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot read the APK {}",
            Path::new(&apks).join("agent.apk").display()
        )),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_android_7_phone_is_told_the_apps_need_android_8() {
    let phone = bare_phone("coloros-android7").await;
    let device = Device::new(Target::tcp(phone.addr()));
    let options = PrepareOptions {
        apks: Some(companions::CompanionApks::in_dir(&apk_dir()).expect("the built APKs")),
        reinstall: false,
    };
    let err = companions::prepare(&device, "oppo7", &options)
        .await
        .expect_err("minSdk 26");
    assert!(
        matches!(err, CompanionError::TooOld { min_sdk: 26, .. }),
        "{err}"
    );
}
