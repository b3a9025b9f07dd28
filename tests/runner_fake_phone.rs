//! The runner end to end against a scripted phone: an adbd on loopback that
//! answers the runner's shell commands the way the companion apps do (log
//! in, keep the IM connection, register with the vendor, report the token,
//! die on `am kill`), talking to the runner's own hub over HTTP. It posts no
//! notifications, so it proves the IM-side FAQ answers, the chain printed
//! on failure, registration refusals as first broken link, and retries of
//! infrastructure failures.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use pushlab::device::{Device, Target};
use pushlab::report::Status;
use pushlab::runner::{run_one, DeviceProvider, ProvidedDevice, ProviderError, RetryPolicy};
use pushlab::scenario::{expand, parse_str, CaseRun};
use serde_json::{json, Value};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

const A_CNXN: u32 = 0x4e58_4e43;
const A_OPEN: u32 = 0x4e45_504f;
const A_OKAY: u32 = 0x5941_4b4f;
const A_CLSE: u32 = 0x4553_4c43;
const A_WRTE: u32 = 0x4554_5257;

fn read_message(s: &mut TcpStream) -> Option<(u32, u32, u32, Vec<u8>)> {
    let mut h = [0u8; 24];
    s.read_exact(&mut h).ok()?;
    let word = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let mut payload = vec![0; word(12) as usize];
    s.read_exact(&mut payload).ok()?;
    Some((word(0), word(4), word(8), payload))
}

fn write_message(s: &mut TcpStream, command: u32, arg0: u32, arg1: u32, payload: &[u8]) {
    let check: u32 = payload.iter().map(|b| u32::from(*b)).sum();
    let mut m = Vec::new();
    for w in [command, arg0, arg1, payload.len() as u32, check, !command] {
        m.extend_from_slice(&w.to_le_bytes());
    }
    m.extend_from_slice(payload);
    let _ = s.write_all(&m);
}

/// Splits a shell command line into words (single quotes as `shell_quote`
/// writes them).
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in cmd.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn extra(w: &[String], key: &str) -> Option<String> {
    w.windows(2).find(|p| p[0] == key).map(|p| p[1].clone())
}

/// What the phone's apps know.
#[derive(Default)]
struct PhoneState {
    hub: String,
    serial: String,
    session: Option<String>,
    im_connection: Option<JoinHandle<()>>,
    gateway_stream: Option<JoinHandle<()>>,
}

/// A notification in the phone's shade.
#[derive(Clone)]
struct Shown {
    message_id: String,
    title: String,
    text: String,
    channel: Option<String>,
    click: Value,
    ext: Option<String>,
}

/// What the screen and the shade show.
#[derive(Default)]
struct Screen {
    shade: Vec<Shown>,
    resumed: String,
}

/// A phone whose apps behave as docs/device-side.md says, minus the
/// notification shade.
struct Phone {
    rt: Handle,
    http: reqwest::Client,
    /// What the push service tells the vendor about the device.
    device_info: Value,
    state: Mutex<PhoneState>,
    screen: Arc<Mutex<Screen>>,
    commands: Mutex<Vec<String>>,
}

/// Posts one device event to the hub's gateway.
async fn report(
    http: &reqwest::Client,
    hub: &str,
    device: &str,
    message_id: &str,
    reporter: &str,
    kind: &str,
    detail: Value,
) {
    let mut event =
        json!({"message_id": message_id, "device": device, "reporter": reporter, "kind": kind});
    if !detail.is_null() {
        event["detail"] = detail;
    }
    let r = http
        .post(format!("{hub}/gateway/v1/events"))
        .json(&event)
        .send()
        .await;
    if let Ok(r) = r {
        if !r.status().is_success() {
            eprintln!("event refused: {:?}", r.text().await);
        }
    }
}

/// The push service: reads the gateway stream and shows what it is told.
fn push_service(
    rt: &Handle,
    http: &reqwest::Client,
    hub: String,
    device: String,
    screen: Arc<Mutex<Screen>>,
) -> JoinHandle<()> {
    let http = http.clone();
    rt.spawn(async move {
        let Ok(mut r) = http
            .get(format!("{hub}/gateway/v1/stream?device={device}"))
            .send()
            .await
        else {
            return;
        };
        let mut buf = Vec::new();
        while let Ok(Some(chunk)) = r.chunk().await {
            buf.extend_from_slice(&chunk);
            while let Some(i) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=i).collect();
                let Ok(item) = serde_json::from_slice::<Value>(&line) else {
                    continue;
                };
                if item["type"] != "display" {
                    continue;
                }
                let ins = &item["instruction"];
                let shown = Shown {
                    message_id: ins["message_id"].as_str().unwrap_or_default().to_string(),
                    title: ins["notification"]["title"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    text: ins["notification"]["text"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    channel: ins["notification"]["channel_id"]
                        .as_str()
                        .map(str::to_string),
                    click: ins["click"].clone(),
                    ext: ins["ext"].as_str().map(str::to_string),
                };
                let id = shown.message_id.clone();
                report(
                    &http,
                    &hub,
                    &device,
                    &id,
                    "push_service",
                    "received",
                    Value::Null,
                )
                .await;
                screen.lock().unwrap().shade.push(shown.clone());
                report(
                    &http,
                    &hub,
                    &device,
                    &id,
                    "push_service",
                    "posted",
                    json!({"title": shown.title, "text": shown.text, "channel_id": shown.channel}),
                )
                .await;
            }
        }
    })
}

/// Holds a streaming GET open until aborted (an app's connection).
fn hold(rt: &Handle, http: &reqwest::Client, url: String) -> JoinHandle<()> {
    let http = http.clone();
    rt.spawn(async move {
        if let Ok(mut r) = http.get(url).send().await {
            while let Ok(Some(_)) = r.chunk().await {}
        }
    })
}

impl Phone {
    fn post(&self, url: String, body: Value) -> Value {
        let http = self.http.clone();
        self.rt.block_on(async move {
            match http.post(url).json(&body).send().await {
                Ok(r) => r.json::<Value>().await.unwrap_or(Value::Null),
                Err(_) => Value::Null,
            }
        })
    }

    fn stop_app(&self) {
        let mut s = self.state.lock().unwrap();
        if let Some(c) = s.im_connection.take() {
            c.abort();
        }
    }

    fn shell(&self, cmd: &str) -> String {
        self.commands.lock().unwrap().push(cmd.to_string());
        let w = words(cmd);
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        match w.as_slice() {
            ["getprop", "ro.build.version.sdk"] => "33\n".into(),
            ["am", "force-stop", "com.pushlab.demo"] | ["am", "kill", "com.pushlab.demo"] => {
                self.stop_app();
                String::new()
            }
            ["pm", "clear", _] => {
                self.screen.lock().unwrap().shade.clear();
                "Success\n".into()
            }
            ["dumpsys", "notification", "--noredact"] => {
                let screen = self.screen.lock().unwrap();
                let mut out = String::from("  Notification List:\n");
                for (i, n) in screen.shade.iter().enumerate() {
                    out.push_str(&format!(
                        "    NotificationRecord(0x0abc{i}: pkg=com.pushlab.demo user=UserHandle{{0}} id={i} tag=null importance=3 key=0|com.pushlab.demo|{i}|null|10123: Notification(channel={} shortcut=null flags=0x10 vis=PRIVATE))\n      uid=10123 userId=0\n      notification=\n            extras={{\n                android.title=String ({})\n                android.text=String ({})\n            }}\n",
                        n.channel.clone().unwrap_or_else(|| "null".into()), n.title, n.text
                    ));
                }
                out.push_str("  Snoozed notifications:\n");
                out
            }
            ["dumpsys", "activity", "activities"] => {
                let resumed = self.screen.lock().unwrap().resumed.clone();
                if resumed.is_empty() {
                    String::new()
                } else {
                    format!("ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\n  ResumedActivity: ActivityRecord{{1f72345 u0 {resumed} t12}}\n")
                }
            }
            ["am", "broadcast", "-n", "com.pushlab.agent/.CommandReceiver", rest @ ..] => {
                let all: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
                let id = extra(&all, "message_id").unwrap_or_default();
                let shown = self
                    .screen
                    .lock()
                    .unwrap()
                    .shade
                    .iter()
                    .find(|n| n.message_id == id)
                    .cloned();
                let (hub, serial) = {
                    let s = self.state.lock().unwrap();
                    (s.hub.clone(), s.serial.clone())
                };
                if let Some(n) = shown {
                    let http = self.http.clone();
                    let screen = self.screen.clone();
                    self.rt.block_on(async move {
                        report(
                            &http,
                            &hub,
                            &serial,
                            &id,
                            "push_service",
                            "clicked",
                            Value::Null,
                        )
                        .await;
                        match n.click["type"].as_str() {
                            Some("url") => {
                                let url = n.click["url"].as_str().unwrap_or_default().to_string();
                                screen.lock().unwrap().resumed =
                                    "com.android.chrome/com.google.android.apps.chrome.Main".into();
                                report(
                                    &http,
                                    &hub,
                                    &serial,
                                    &id,
                                    "push_service",
                                    "url_opened",
                                    json!({"url": url, "package": "com.android.chrome"}),
                                )
                                .await;
                            }
                            route => {
                                let component = match route {
                                    Some("intent_uri") => n.click["uri"]
                                        .as_str()
                                        .unwrap_or_default()
                                        .split(';')
                                        .find_map(|p| p.strip_prefix("component="))
                                        .unwrap_or("com.pushlab.demo/.SplashActivity")
                                        .to_string(),
                                    _ => "com.pushlab.demo/.SplashActivity".to_string(),
                                };
                                screen.lock().unwrap().resumed = component.clone();
                                report(
                                    &http,
                                    &hub,
                                    &serial,
                                    &id,
                                    "app",
                                    "activity_started",
                                    json!({"component": component}),
                                )
                                .await;
                                if let Some(ext) = n.ext {
                                    report(
                                        &http,
                                        &hub,
                                        &serial,
                                        &id,
                                        "app",
                                        "ext_received",
                                        json!({"via": "intent_extra", "value": ext}),
                                    )
                                    .await;
                                }
                            }
                        }
                    });
                }
                "Broadcast completed: result=0\n".into()
            }
            ["pidof", "com.pushlab.demo"] => {
                let running = self.state.lock().unwrap().im_connection.is_some();
                if running {
                    "4242\n".into()
                } else {
                    String::new()
                }
            }
            ["am", "start-foreground-service", ..] => {
                let all: Vec<String> = w.iter().map(|s| s.to_string()).collect();
                let hub = extra(&all, "hub").unwrap_or_default();
                let serial = extra(&all, "device").unwrap_or_default();
                let stream = push_service(
                    &self.rt,
                    &self.http,
                    hub.clone(),
                    serial.clone(),
                    self.screen.clone(),
                );
                let mut s = self.state.lock().unwrap();
                s.hub = hub;
                s.serial = serial;
                s.gateway_stream = Some(stream);
                "Starting service\n".into()
            }
            ["am", "start", "-W", "-n", "com.pushlab.demo/.SplashActivity", rest @ ..] => {
                let all: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
                let (hub, serial) = {
                    let s = self.state.lock().unwrap();
                    (s.hub.clone(), s.serial.clone())
                };
                match extra(&all, "pushlab.command").as_deref() {
                    Some("login") => {
                        let user = extra(&all, "pushlab.user").unwrap_or_default();
                        let r = self.post(
                            format!("{hub}/im/v1/login"),
                            json!({"user": user, "device": serial}),
                        );
                        let session = r["session"].as_str().unwrap_or_default().to_string();
                        let conn = hold(
                            &self.rt,
                            &self.http,
                            format!("{hub}/im/v1/connection?session={session}"),
                        );
                        let mut s = self.state.lock().unwrap();
                        s.session = Some(session);
                        s.im_connection = Some(conn);
                    }
                    Some("report_token") => {
                        let vendor = extra(&all, "pushlab.vendor").unwrap_or_default();
                        let cert: u64 = extra(&all, "pushlab.certificate_id")
                            .and_then(|c| c.parse().ok())
                            .unwrap_or(0);
                        let r = self.post(
                            format!("{hub}/gateway/v1/register"),
                            json!({"device": serial, "vendor": vendor, "package": "com.pushlab.demo", "device_info": self.device_info}),
                        );
                        if let Some(token) = r["token"].as_str() {
                            let session = self
                                .state
                                .lock()
                                .unwrap()
                                .session
                                .clone()
                                .unwrap_or_default();
                            self.post(
                                format!("{hub}/im/v1/push-token"),
                                json!({"session": session, "certificate_id": cert, "token": token}),
                            );
                        }
                        // The app's registration callback ran.
                        self.post(
                            format!("{hub}/gateway/v1/events"),
                            json!({"device": serial, "reporter": "app", "kind": "callback_received",
                                   "detail": {"action": "com.pushlab.agent.TOKEN"}}),
                        );
                    }
                    Some("logout") => {
                        let session = self
                            .state
                            .lock()
                            .unwrap()
                            .session
                            .clone()
                            .unwrap_or_default();
                        self.post(format!("{hub}/im/v1/logout"), json!({"session": session}));
                    }
                    _ => {}
                }
                "Status: ok\nActivity: com.pushlab.demo/.SplashActivity\nComplete\n".into()
            }
            _ => String::new(),
        }
    }
}

fn serve(mut s: TcpStream, phone: Arc<Phone>) {
    let mut next_id = 100;
    while let Some((command, arg0, _arg1, payload)) = read_message(&mut s) {
        match command {
            A_CNXN => write_message(
                &mut s,
                A_CNXN,
                0x0100_0001,
                1 << 20,
                b"device::ro.product.name=phone;features=cmd",
            ),
            A_OPEN => {
                let service = String::from_utf8_lossy(&payload)
                    .trim_end_matches('\0')
                    .to_string();
                next_id += 1;
                let (local, remote) = (next_id, arg0);
                write_message(&mut s, A_OKAY, local, remote, &[]);
                let reply = service
                    .strip_prefix("shell:")
                    .map(|c| phone.shell(c))
                    .unwrap_or_default();
                if !reply.is_empty() {
                    write_message(&mut s, A_WRTE, local, remote, reply.as_bytes());
                    match read_message(&mut s) {
                        Some((c, _, a1, _)) if c == A_OKAY && a1 == local => {}
                        _ => return,
                    }
                }
                write_message(&mut s, A_CLSE, local, remote, &[]);
            }
            _ => {}
        }
    }
}

/// Hands out the scripted phone (or, with `None`, a port nobody answers).
struct PhoneProvider {
    addr: SocketAddr,
}

#[async_trait]
impl DeviceProvider for PhoneProvider {
    async fn acquire(&self, _profile: &str) -> Result<ProvidedDevice, ProviderError> {
        Ok(ProvidedDevice {
            device: Device::new(Target::tcp(self.addr)),
            serial: self.addr.to_string(),
            virtual_clock: true,
            keep_alive: Box::new(()),
        })
    }
}

fn phone(device_info: Value) -> (SocketAddr, Arc<Phone>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().unwrap();
    let phone = Arc::new(Phone {
        rt: Handle::current(),
        http: reqwest::Client::new(),
        device_info,
        state: Mutex::default(),
        screen: Arc::default(),
        commands: Mutex::default(),
    });
    let p = phone.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let p = p.clone();
            std::thread::spawn(move || serve(s, p));
        }
    });
    (addr, phone)
}

fn runs(yaml: &str) -> Vec<CaseRun> {
    expand(&parse_str("phone.yaml", yaml).unwrap_or_else(|e| panic!("{e}")))
}

const MI: &str = r#"
vendor: xiaomi
certificate:
  credentials: {app_id: "2882303761500000000", app_key: "5500000000000", app_secret: FAKE-secret}
  channel_id: im
devices: miui-android13
defaults: {within: 5s}
cases:
  - name: token never reported
    steps:
      - login
      - kill_app
      - send: {text: hello}
      - expect_no_notification: {reason: im.no_token}
  - name: app still alive
    steps:
      - login
      - report_token
      - send: {text: hello}
      - expect_no_notification: {reason: im.online}
  - name: logged out
    steps:
      - login
      - report_token
      - logout
      - kill_app
      - send: {text: hello}
      - expect_no_notification: {reason: im.logged_out}
  - name: expects a notification that cannot come
    steps:
      - login
      - kill_app
      - send: {text: hello}
      - expect_notification: {text: hello}
"#;

fn miui() -> Value {
    json!({"brand": "Xiaomi", "manufacturer": "Xiaomi", "model": "23049PCD8G", "api_level": 33, "rom": "miui", "region": "cn", "vendor_push": true, "play_services": false})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn im_side_answers_pass_on_a_scripted_phone() {
    let (addr, phone) = phone(miui());
    let provider = PhoneProvider { addr };
    for run in runs(MI).iter().take(3) {
        let report = run_one(run, &provider, RetryPolicy::default()).await;
        assert_eq!(
            report.status,
            Status::Passed,
            "{}: {:#?}",
            run.case,
            report.failure
        );
        assert_eq!(report.attempts, 1);
    }
    let commands = phone.commands.lock().unwrap().clone();
    // A fresh app for every case, the push service pointed at the hub.
    assert!(commands.iter().any(|c| c == "pm clear com.pushlab.demo"));
    assert!(commands.iter().any(|c| c.starts_with(
        "am start-foreground-service -n com.pushlab.agent/.AgentService --es hub http://127.0.0.1:"
    )));
    assert!(commands.iter().any(|c| c
        .contains("--es pushlab.command report_token --es pushlab.hub http://127.0.0.1:")
        && c.contains("--es pushlab.vendor xiaomi --es pushlab.certificate_id ")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_case_prints_the_chain_and_the_first_broken_link() {
    let (addr, _phone) = phone(miui());
    let provider = PhoneProvider { addr };
    let run = &runs(MI)[3];
    let report = run_one(run, &provider, RetryPolicy::default()).await;
    assert_eq!(report.status, Status::Failed);
    assert_eq!(report.attempts, 1, "assertion failures are not retried");
    let f = report.failure.expect("a failure");
    assert_eq!(f.step, Some(3));
    assert_eq!(f.step_name.as_deref(), Some("expect_notification"));
    assert_eq!(
        f.message,
        "no notification: the chain broke with im.no_token"
    );
    assert_eq!(f.diagnosis.as_deref(), Some("im.no_token"));
    assert!(f.advice.unwrap().contains("setOfflinePushConfig"));
    assert_eq!(f.chain[0], "IM ✗ (im.no_token)");
    assert!(
        f.chain.iter().any(|l| l.contains("message_sent")),
        "{:#?}",
        f.chain
    );
    assert!(
        f.chain.iter().any(|l| l.contains("not_pushed")),
        "{:#?}",
        f.chain
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_without_vendor_push_is_named_instead_of_the_missing_token() {
    let yaml = r#"
vendor: vivo
certificate:
  credentials: {app_id: "10000", app_key: fake-vivo-app-key, app_secret: fake-vivo-app-secret}
devices: funtouch-nopush-android11
defaults: {within: 5s}
cases:
  - name: vivo device without push support
    steps:
      - login
      - report_token
      - kill_app
      - send: {text: hello}
      - expect_no_notification: {reason: vivo.unsupported_device}
"#;
    let info = json!({"brand": "vivo", "manufacturer": "vivo", "model": "V1730EA", "api_level": 30, "rom": "funtouchos", "region": "cn", "vendor_push": false, "play_services": false});
    let (addr, _phone) = phone(info);
    let provider = PhoneProvider { addr };
    let report = run_one(&runs(yaml)[0], &provider, RetryPolicy::default()).await;
    assert_eq!(report.status, Status::Passed, "{:#?}", report.failure);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_is_not_there_is_an_infrastructure_error_retried() {
    // A port that was bound and released: nobody answers.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let provider = PhoneProvider { addr };
    let run = &runs(MI)[0];
    let report = run_one(run, &provider, RetryPolicy { retries: 2 }).await;
    assert_eq!(report.status, Status::Error);
    assert_eq!(report.attempts, 3);
}

const MI_TAPS: &str = r#"
vendor: xiaomi
certificate:
  credentials: {app_id: "2882303761500000000", app_key: "5500000000000", app_secret: FAKE-secret}
  channel_id: im
devices: miui-android13
defaults: {within: 5s}
cases:
  - name: open app
    steps:
      - login
      - report_token
      - kill_app
      - send: {text: hello, offline_push: {title: Alice, desc: hello, ext: '{"conversation":"c2c_alice"}'}}
      - expect_notification: {title: Alice, text: hello, channel: im}
      - tap_notification
      - expect_activity: {component: com.pushlab.demo/.SplashActivity}
      - expect_ext: {value: '{ "conversation": "c2c_alice" }', via: intent_extra}
  - name: open page
    certificate:
      click: {open_page: {intent_uri: "intent://com.pushlab.demo/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.pushlab.demo/com.pushlab.demo.chat.ChatActivity;end"}}
    steps:
      - login
      - report_token
      - kill_app
      - send: {text: hello}
      - expect_notification: {title: a new message, text: hello}
      - tap_notification
      - expect_activity: {component: com.pushlab.demo/com.pushlab.demo.chat.ChatActivity}
  - name: open url
    certificate:
      click: {open_url: "https://pushlab.example/landing"}
    steps:
      - login
      - report_token
      - kill_app
      - send: {text: hello}
      - expect_notification: {text: hello}
      - tap_notification
      - expect_url: {url: "https://pushlab.example/landing"}
  - name: wrong title
    steps:
      - login
      - report_token
      - kill_app
      - send: {text: hello, offline_push: {title: Alice}}
      - expect_notification: {title: Bob}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn notifications_taps_activities_urls_and_ext_through_the_whole_chain() {
    let (addr, phone) = phone(miui());
    let provider = PhoneProvider { addr };
    let all = runs(MI_TAPS);
    for run in &all[..3] {
        let report = run_one(run, &provider, RetryPolicy::default()).await;
        assert_eq!(
            report.status,
            Status::Passed,
            "{}: {:#?}",
            run.case,
            report.failure
        );
    }
    let commands = phone.commands.lock().unwrap().clone();
    assert!(commands
        .iter()
        .any(|c| c == "dumpsys notification --noredact"));
    assert!(commands.iter().any(|c| c == "dumpsys activity activities"));
    assert!(commands.iter().any(|c| c.starts_with("am broadcast -n com.pushlab.agent/.CommandReceiver -a com.pushlab.agent.COMMAND --es command tap --es message_id ")));

    let report = run_one(&all[3], &provider, RetryPolicy::default()).await;
    assert_eq!(report.status, Status::Failed);
    let f = report.failure.unwrap();
    assert_eq!(
        f.message,
        "the notification was posted with title `Alice` (expected `Bob`)"
    );
    assert!(
        f.chain.iter().any(|l| l.contains("posted")),
        "{:#?}",
        f.chain
    );
}
