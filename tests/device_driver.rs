//! The driver's typed commands against a scripted adb server on loopback:
//! the exact shell commands it sends, and what it makes of the answers.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use pushlab::android::{ComponentName, Importance, Intent, LaunchFlags};
use pushlab::device::parse::AmStartError;
use pushlab::device::{attached_devices, AttachedDevice, Device, DeviceErrorKind, Target};

const SERIAL: &str = "emulator-5554";

/// What the scripted device answers to one shell command.
fn answer(cmd: &str) -> (&'static str, &'static str, u8) {
    match cmd {
        "getprop ro.build.version.sdk" => ("34\n", "", 0),
        "dumpsys notification --noredact" => (NOREDACT_DUMP, "", 0),
        "dumpsys activity activities" => (
            "ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\n  topResumedActivity=ActivityRecord{5e1 u0 com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity t31}\n",
            "",
            0,
        ),
        "pidof com.tencent.qcloud.tim.tuikit" => ("4321\n", "", 0),
        "pidof com.absent" => ("", "", 1),
        "uiautomator dump /dev/tty" => (
            "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\"><node index=\"0\" text=\"Hello from pushlab\" resource-id=\"android:id/title\" class=\"android.widget.TextView\" package=\"com.android.systemui\" content-desc=\"\" clickable=\"false\" bounds=\"[10,20][110,60]\" /></hierarchy>UI hierchary dumped to: /dev/tty\n",
            "",
            0,
        ),
        c if c.starts_with("am start -W ") && c.contains("NoSuch") => (
            "Starting: Intent { act=android.intent.action.VIEW dat=pushscheme://x/... }\nError: Activity not started, unable to resolve Intent { act=android.intent.action.VIEW dat=pushscheme://x/... flg=0x10000000 }\n",
            "",
            0,
        ),
        c if c.starts_with("am start -W ") => (
            "Starting: Intent { act=android.intent.action.VIEW dat=pushscheme://com.tencent.qcloud.tim/... cmp=com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity }\nStatus: ok\nLaunchState: COLD\nActivity: com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity\nTotalTime: 412\nWaitTime: 415\nComplete\n",
            "",
            0,
        ),
        c if c.starts_with("am force-stop ") || c.starts_with("input tap ") => ("", "", 0),
        _ => ("", "/system/bin/sh: nosuchcmd: inaccessible or not found\n", 127),
    }
}

const NOREDACT_DUMP: &str = "Current Notification Manager state:
  Notification List:
    NotificationRecord(0x0a1b2c3d: pkg=com.tencent.qcloud.tim.tuikit user=UserHandle{0} id=1001 tag=null importance=4 key=0|com.tencent.qcloud.tim.tuikit|1001|null|10234: Notification(channel=pushlab_default shortcut=null contentView=null vibrate=null sound=null defaults=0x0 flags=0x10 color=0x00000000 vis=PRIVATE))
      uid=10234 userId=0
      opPkg=com.tencent.qcloud.tim.tuikit
      flags=0x10
      key=0|com.tencent.qcloud.tim.tuikit|1001|null|10234
      seen=false
      notification=
            contentIntent=PendingIntent{a: PendingIntentRecord{b com.tencent.qcloud.tim.tuikit startActivity}}
            when=1765299792955
            extras={
                android.title=String (Alice)
                android.text=String (See you at 8)
                ext=String ({\"entity\":{\"chatType\":1}})
            }
      mImportance=HIGH
  Snoozed notifications:

 Notification Preferences:
PackagePreferences:
      AppSettings: com.tencent.qcloud.tim.tuikit (10234) importance=DEFAULT userSet=false
        NotificationChannel{mId='pushlab_default', mName=Messages, with commas, mDescription=, mImportance=4, mBypassDnd=false, mLockscreenVisibility=-1000}
";

/// A scripted adb server: `host:transport:<serial>`, `host:features`,
/// `shell,v2,…:<cmd>` with shell-protocol-v2 packets, `reverse:forward:…`.
struct ScriptedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
}

fn read_request(sock: &mut TcpStream) -> Option<String> {
    let mut len = [0u8; 4];
    sock.read_exact(&mut len).ok()?;
    let len = usize::from_str_radix(std::str::from_utf8(&len).ok()?, 16).ok()?;
    let mut body = vec![0; len];
    sock.read_exact(&mut body).ok()?;
    String::from_utf8(body).ok()
}

fn v2_packet(id: u8, data: &[u8]) -> Vec<u8> {
    let mut p = vec![id];
    p.extend_from_slice(&(data.len() as u32).to_le_bytes());
    p.extend_from_slice(data);
    p
}

fn serve(mut sock: TcpStream, seen: Arc<Mutex<Vec<String>>>) {
    while let Some(req) = read_request(&mut sock) {
        seen.lock().unwrap().push(req.clone());
        let selected = req.strip_prefix("host:transport:").or_else(|| {
            req.strip_prefix("host-serial:")
                .and_then(|r| r.strip_suffix(":features"))
        });
        if let Some(serial) = selected.filter(|s| *s != SERIAL) {
            let msg = format!("device '{serial}' not found");
            let _ = sock.write_all(format!("FAIL{:04x}{msg}", msg.len()).as_bytes());
            return;
        }
        if req == "host:devices" {
            let body = format!("{SERIAL}\tdevice\n");
            let _ = sock.write_all(format!("OKAY{:04x}{body}", body.len()).as_bytes());
            return;
        }
        if let Some(serial) = req.strip_prefix("host:transport:") {
            if serial == SERIAL {
                let _ = sock.write_all(b"OKAY");
            } else {
                let msg = format!("device '{serial}' not found");
                let _ = sock.write_all(format!("FAIL{:04x}{msg}", msg.len()).as_bytes());
                return;
            }
        } else if req == "host:features" || req == format!("host-serial:{SERIAL}:features") {
            let _ = sock.write_all(b"OKAY000cshell_v2,cmd");
            if req.starts_with("host-serial:") {
                return;
            }
        } else if let Some(rest) = req.strip_prefix("shell,") {
            let cmd = rest.split_once(':').map(|(_, c)| c).unwrap_or("");
            let (out, err, exit) = answer(cmd);
            let mut reply = b"OKAY".to_vec();
            if !out.is_empty() {
                reply.extend(v2_packet(1, out.as_bytes()));
            }
            if !err.is_empty() {
                reply.extend(v2_packet(2, err.as_bytes()));
            }
            reply.extend(v2_packet(3, &[exit]));
            let _ = sock.write_all(&reply);
            return;
        } else if req.starts_with("reverse:forward:") {
            let _ = sock.write_all(b"OKAY");
            return;
        } else {
            let msg = "unknown host service";
            let _ = sock.write_all(format!("FAIL{:04x}{msg}", msg.len()).as_bytes());
            return;
        }
    }
}

impl ScriptedServer {
    fn start() -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for sock in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || serve(sock, log));
            }
        });
        ScriptedServer { addr, seen }
    }

    fn device(&self, serial: &str) -> Device {
        Device::new(Target::AdbServer {
            serial: Some(serial.into()),
            host: Ipv4Addr::LOCALHOST,
            port: self.addr.port(),
        })
    }

    fn shell_commands(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter_map(|r| {
                r.strip_prefix("shell,")
                    .and_then(|r| r.split_once(':'))
                    .map(|(_, c)| c.to_string())
            })
            .collect()
    }
}

#[tokio::test]
async fn shell_returns_stdout_stderr_and_exit_status() {
    let server = ScriptedServer::start();
    let device = server.device(SERIAL);
    let out = device.shell("getprop ro.build.version.sdk").await.unwrap();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit),
        ("34\n", "", Some(0))
    );
    assert_eq!(device.api_level().await.unwrap().map(|a| a.0), Some(34));

    let failed = device.shell_ok("nosuchcmd").await.unwrap_err();
    assert_eq!(failed.kind(), DeviceErrorKind::CommandFailed);
    assert!(!failed.is_infrastructure());
    assert!(failed.to_string().contains("not found"), "{failed}");
}

#[tokio::test]
async fn notifications_and_channels_come_from_the_noredact_dump() {
    let server = ScriptedServer::start();
    let device = server.device(SERIAL);
    let records = device.notifications().await.unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.pkg, "com.tencent.qcloud.tim.tuikit");
    assert_eq!(r.channel.as_deref(), Some("pushlab_default"));
    assert_eq!(r.title_text(), Some("Alice"));
    assert_eq!(r.text_text(), Some("See you at 8"));
    assert_eq!(
        r.extras.get("ext").map(String::as_str),
        Some("String ({\"entity\":{\"chatType\":1}})")
    );
    assert_eq!(r.extra_string("ext"), Some("{\"entity\":{\"chatType\":1}}"));

    let apps = device.channels().await.unwrap();
    let channel = apps[0].channel("pushlab_default").unwrap();
    assert_eq!(channel.importance, Importance::High);
    assert_eq!(channel.name.as_deref(), Some("Messages, with commas"));
    assert!(server
        .shell_commands()
        .iter()
        .all(|c| c == "dumpsys notification --noredact"));
}

#[tokio::test]
async fn am_start_sends_the_intent_uri_and_reads_the_outcome() {
    let server = ScriptedServer::start();
    let device = server.device(SERIAL);
    let intent = Intent::view("pushscheme://com.tencent.qcloud.tim/detail")
        .with_component(ComponentName::new(
            "com.tencent.qcloud.tim.tuikit",
            "com.tencent.qcloud.tim.demo.chat.ChatActivity",
        ))
        .with_flags(LaunchFlags::ACTIVITY_CLEAR_TOP)
        .with_extra("ext", "{\"k\":\"it's\"}");
    let started = device.am_start(&intent).await.unwrap();
    assert!(started.succeeded());
    assert_eq!(started.total_time_ms, Some(412));
    assert_eq!(started.activity, intent.component);
    assert_eq!(
        server.shell_commands(),
        vec![
            r#"am start -W 'intent://com.tencent.qcloud.tim/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity;S.ext=%7B%22k%22%3A%22it'\''s%22%7D;end'"#
        ]
    );

    let missing = device
        .am_start(&Intent::view("pushscheme://x/NoSuch"))
        .await
        .unwrap();
    assert!(matches!(
        missing.error,
        Some(AmStartError::UnableToResolve { .. })
    ));
    assert!(!missing.succeeded());
}

#[tokio::test]
async fn activity_process_and_screen_queries() {
    let server = ScriptedServer::start();
    let device = server.device(SERIAL);
    assert_eq!(
        device.resumed_activity().await.unwrap(),
        Some(ComponentName::new(
            "com.tencent.qcloud.tim.tuikit",
            "com.tencent.qcloud.tim.demo.chat.ChatActivity"
        ))
    );
    assert_eq!(
        device.pidof("com.tencent.qcloud.tim.tuikit").await.unwrap(),
        vec![4321]
    );
    assert!(
        device.pidof("com.absent").await.unwrap().is_empty(),
        "pidof exits 1 when nothing runs"
    );
    let ui = device.ui_dump().await.unwrap().unwrap();
    let title = ui.find_text("Hello from pushlab").next().unwrap();
    assert_eq!(title.bounds.map(|b| b.center()), Some((60, 40)));
    device.tap(60, 40).await.unwrap();
    device
        .force_stop("com.tencent.qcloud.tim.tuikit")
        .await
        .unwrap();
    device.reverse("tcp:18080", "tcp:18080").await.unwrap();
    let cmds = server.shell_commands();
    assert!(cmds.contains(&"input tap 60 40".to_string()));
    assert!(cmds.contains(&"am force-stop com.tencent.qcloud.tim.tuikit".to_string()));
    assert!(server
        .seen
        .lock()
        .unwrap()
        .contains(&"reverse:forward:tcp:18080;tcp:18080".to_string()));
}

#[tokio::test]
async fn an_unknown_serial_is_a_lost_device() {
    let server = ScriptedServer::start();
    let err = server.device("nosuch").shell("echo hi").await.unwrap_err();
    assert_eq!(err.kind(), DeviceErrorKind::DeviceLost, "{err}");
}

#[tokio::test]
async fn adb_devices_lists_serials_and_states() {
    let server = ScriptedServer::start();
    let list = attached_devices(
        Ipv4Addr::LOCALHOST,
        server.addr.port(),
        std::time::Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(
        list,
        vec![AttachedDevice {
            serial: SERIAL.into(),
            state: "device".into()
        }]
    );
}
