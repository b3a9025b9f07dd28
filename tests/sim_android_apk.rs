//! A real APK, built here with Debian's aapt, zipalign and apksigner, is
//! installed on the simulated device by the real `adb` binary; the package
//! manager read its binary manifest, so its launcher activity starts.

mod sim_support;

use std::path::Path;
use std::process::Command;

use pushlab::device::parse::{parse_activities, parse_am_start, parse_pm_list_packages};
use pushlab::sim::{Profile, SimDevice};
use sim_support::{text, AdbServer};

const FRAMEWORK_RES: &str = "/usr/share/android-framework-res/framework-res.apk";

const MANIFEST: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="com.example.tiny" android:versionCode="3" android:versionName="3.0">
  <uses-sdk android:minSdkVersion="23" android:targetSdkVersion="33" />
  <uses-permission android:name="android.permission.POST_NOTIFICATIONS" />
  <application android:label="Tiny" android:hasCode="false">
    <activity android:name=".MainActivity" android:exported="true">
      <intent-filter>
        <action android:name="android.intent.action.MAIN" />
        <category android:name="android.intent.category.LAUNCHER" />
      </intent-filter>
    </activity>
    <activity android:name=".DeepLink" android:exported="true">
      <intent-filter>
        <action android:name="android.intent.action.VIEW" />
        <category android:name="android.intent.category.DEFAULT" />
        <category android:name="android.intent.category.BROWSABLE" />
        <data android:scheme="tiny" android:host="open" android:pathPrefix="/item" />
      </intent-filter>
    </activity>
    <activity android:name=".Private" android:exported="false" />
  </application>
</manifest>
"#;

/// Runs a build tool, failing the test with a setup hint when it is missing.
fn tool(name: &str, args: &[&str], dir: &Path) {
    let out = Command::new(name)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{name}` ({e}): run scripts/setup-test-deps.sh (Debian packages aapt, android-framework-res, zipalign, apksigner, openjdk-17-jdk-headless)")
        });
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Builds and signs `tiny.apk` in `dir`.
fn build_apk(dir: &Path) -> std::path::PathBuf {
    assert!(
        Path::new(FRAMEWORK_RES).is_file(),
        "{FRAMEWORK_RES} is missing: run scripts/setup-test-deps.sh (Debian package android-framework-res)"
    );
    std::fs::write(dir.join("AndroidManifest.xml"), MANIFEST).expect("manifest");
    tool(
        "aapt",
        &[
            "package",
            "-f",
            "-M",
            "AndroidManifest.xml",
            "-I",
            FRAMEWORK_RES,
            "-F",
            "unsigned.apk",
        ],
        dir,
    );
    tool(
        "zipalign",
        &["-f", "-p", "4", "unsigned.apk", "aligned.apk"],
        dir,
    );
    tool(
        "keytool",
        &[
            "-genkeypair",
            "-keystore",
            "ks.jks",
            "-storepass",
            "android",
            "-keypass",
            "android",
            "-alias",
            "k",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-validity",
            "3650",
            "-dname",
            "CN=pushlab test",
        ],
        dir,
    );
    tool(
        "apksigner",
        &[
            "sign",
            "--ks",
            "ks.jks",
            "--ks-pass",
            "pass:android",
            "--key-pass",
            "pass:android",
            "--ks-key-alias",
            "k",
            "--out",
            "tiny.apk",
            "aligned.apk",
        ],
        dir,
    );
    dir.join("tiny.apk")
}

#[tokio::test]
async fn adb_install_of_a_real_apk_registers_its_manifest() {
    let dir = tempfile::tempdir().expect("tmp");
    let apk = build_apk(dir.path());
    let sim = SimDevice::spawn(Profile::default(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("spawn");
    let adb = AdbServer::start().await;
    let serial = sim.serial();
    adb.connect(&serial).await;

    let apk_path = apk.to_str().expect("utf-8 path");
    let out = adb.adb_s(&serial, &["install", "-r", "-t", apk_path]).await;
    assert!(
        text(&out.stdout).contains("Success"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    let out = adb
        .adb_s(&serial, &["shell", "pm", "list", "packages", "-3"])
        .await;
    let pkgs = parse_pm_list_packages(&text(&out.stdout));
    assert!(
        pkgs.iter().any(|p| p.name == "com.example.tiny"),
        "{pkgs:?}"
    );
    let dump = text(
        &adb.adb_s(
            &serial,
            &["shell", "dumpsys", "package", "com.example.tiny"],
        )
        .await
        .stdout,
    );
    assert!(
        dump.contains("versionCode=3 minSdk=23 targetSdk=33"),
        "{dump}"
    );
    assert!(
        dump.contains("stopped=true"),
        "a fresh install is stopped: {dump}"
    );

    let out = adb
        .adb_s(
            &serial,
            &[
                "shell",
                "am",
                "start",
                "-W",
                "-n",
                "com.example.tiny/.MainActivity",
            ],
        )
        .await;
    let r = parse_am_start(&text(&out.stdout));
    assert!(r.succeeded(), "{r:?}");
    let acts = text(
        &adb.adb_s(&serial, &["shell", "dumpsys", "activity", "activities"])
            .await
            .stdout,
    );
    assert_eq!(
        parse_activities(&acts)
            .resumed_component()
            .map(|c| c.to_string())
            .as_deref(),
        Some("com.example.tiny/.MainActivity")
    );

    // Its intent filters and exported flags came from the binary manifest.
    let out = adb
        .adb_s(
            &serial,
            &[
                "shell",
                "am",
                "start",
                "-W",
                "-a",
                "android.intent.action.VIEW",
                "-d",
                "tiny://open/item/9",
            ],
        )
        .await;
    let r = parse_am_start(&text(&out.stdout));
    assert_eq!(
        r.activity.map(|c| c.class).as_deref(),
        Some("com.example.tiny.DeepLink")
    );
    let out = adb
        .adb_s(
            &serial,
            &["shell", "am", "start", "-n", "com.example.tiny/.Private"],
        )
        .await;
    assert!(
        text(&out.stderr).contains("not exported from uid"),
        "{}",
        text(&out.stderr)
    );

    let out = adb.adb_s(&serial, &["uninstall", "com.example.tiny"]).await;
    assert!(
        text(&out.stdout).contains("Success"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test]
async fn the_driver_installs_a_pushed_apk_with_pm_install() {
    let dir = tempfile::tempdir().expect("tmp");
    let apk = build_apk(dir.path());
    let sim = SimDevice::spawn(
        Profile::parse("miui-android13").expect("profile"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("spawn");
    let key = dir.path().join("adbkey");
    let device =
        pushlab::device::Device::new(pushlab::device::Target::tcp(sim.addr())).with_adb_key(key);
    device.install(&apk).await.expect("install");
    let pkgs = device.packages().await.expect("pm list");
    assert!(pkgs.iter().any(|p| p.name == "com.example.tiny"));
    let path = device
        .shell("pm path com.example.tiny")
        .await
        .expect("pm path")
        .combined();
    assert!(
        path.starts_with("package:/data/app/") && path.trim_end().ends_with("/base.apk"),
        "{path}"
    );
    // A fresh install has no runtime permission yet.
    let dump = device
        .shell("dumpsys package com.example.tiny")
        .await
        .expect("dump")
        .combined();
    assert!(
        dump.contains("android.permission.POST_NOTIFICATIONS: granted=false"),
        "{dump}"
    );
    // Not an APK: the real failure text.
    device
        .push_bytes(b"not a zip".to_vec(), "/data/local/tmp/bad.apk")
        .await
        .expect("push");
    let out = device
        .shell("pm install /data/local/tmp/bad.apk")
        .await
        .expect("pm")
        .combined();
    assert!(
        out.starts_with("Failure [INSTALL_PARSE_FAILED_NOT_APK"),
        "{out}"
    );
}
