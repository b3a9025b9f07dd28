//! `adb logcat` on the simulated device streams framework log lines in the
//! threadtime format as they happen, until the host hangs up.

mod sim_support;

use std::process::Stdio;

use pushlab::device::parse::logcat::parse_log_line;
use pushlab::sim::{Profile, SimDevice};
use sim_support::{adb_binary, text, AdbServer, DEADLINE};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn streaming_logcat_shows_a_force_stop_as_it_happens() {
    let sim = SimDevice::spawn(Profile::default(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("spawn");
    let adb = AdbServer::start().await;
    let serial = sim.serial();
    adb.connect(&serial).await;
    adb.adb_s(&serial, &["logcat", "-c"]).await;

    let mut child = tokio::process::Command::new(adb_binary())
        .args([
            "-P",
            &adb.port.to_string(),
            "-s",
            &serial,
            "logcat",
            "-v",
            "threadtime",
        ])
        .env("HOME", adb.home.path())
        .env("ANDROID_ADB_SERVER_PORT", adb.port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn adb logcat");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();

    // Once the stream is attached (a line from it arrives), act on the device.
    adb.adb_s(
        &serial,
        &[
            "shell",
            "am",
            "start",
            "-n",
            "com.pushlab.demo/.SplashActivity",
        ],
    )
    .await;
    adb.adb_s(&serial, &["shell", "am", "force-stop", "com.pushlab.demo"])
        .await;

    let found = tokio::time::timeout(DEADLINE, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(l) = parse_log_line(&line) {
                if l.tag == "ActivityManager"
                    && l.message.starts_with("Force stopping com.pushlab.demo")
                {
                    return Some(l);
                }
            }
        }
        None
    })
    .await
    .expect("the force-stop line streams within the deadline")
    .expect("stream ended early");
    assert_eq!(
        found.pid,
        Some(pushlab::sim::framework::model::SYSTEM_SERVER_PID)
    );
    child.kill().await.expect("hang up");

    // The dump holds the same history, with the START line.
    let dump = text(
        &adb.adb_s(&serial, &["logcat", "-d", "-v", "threadtime"])
            .await
            .stdout,
    );
    assert!(dump.contains(" I ActivityTaskManager: START u0 {flg=0x10000000 cmp=com.pushlab.demo/.SplashActivity} from uid 2000"), "{dump}");
    assert!(dump.starts_with("--------- beginning of "), "{dump}");
}
