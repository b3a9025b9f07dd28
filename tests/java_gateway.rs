//! The companion agent's plain-Java gateway client against a live `pushlab
//! serve`: the Java side registers a Xiaomi token and holds the stream; the
//! IM side logs in, reports that token and sends a message; the Java side
//! receives the DisplayInstruction, reports `received` and `posted`, then a
//! host tap makes it report the click, the Mi callback and the ext. The
//! journal shows the whole chain.
//!
//! Needs a JDK (`javac`, `java`); `android-app/build.sh core` compiles the
//! Java classes.

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{json, Value};
use support::{get, post};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// How long to wait for a step of the JVM or the hub (JVM start included).
const STEP: Duration = Duration::from_secs(60);
const PKG: &str = "com.pushlab.demo";
const DEVICE: &str = "emulator-5554";
const EXT: &str = "{\"action\":\"jump to denny\"}";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles the Java core and its probe once per test run (the tests run in
/// parallel and must not rebuild under each other); fails loudly without a JDK.
fn build_java() -> PathBuf {
    static CLASSES: OnceLock<PathBuf> = OnceLock::new();
    CLASSES.get_or_init(compile_java).clone()
}

fn compile_java() -> PathBuf {
    let script = repo().join("android-app/build.sh");
    let out = std::process::Command::new(&script)
        .arg("core")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "android-app/build.sh core failed (a JDK with javac is required; run scripts/setup-test-deps.sh):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    repo().join("android-app/build/core/classes")
}

/// `pushlab serve` on a loopback port of its choosing with a virtual clock;
/// its base URL is read from the line it prints once it listens.
async fn serve() -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pushlab"))
        .args(["serve", "--listen", "127.0.0.1:0", "--clock", "virtual"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("pushlab serve starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let base = tokio::time::timeout(STEP, async {
        loop {
            let line = out
                .next_line()
                .await
                .expect("serve stdout readable")
                .expect("pushlab serve exited before listening");
            if let Some(url) = line.strip_prefix("pushlab hub listening on ") {
                return url.trim().trim_end_matches('/').to_string();
            }
        }
    })
    .await
    .expect("pushlab serve listens");
    // Keep draining its stdout so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = out.next_line().await {} });
    (child, base)
}

/// The Java probe's stdout, line by line.
struct Probe {
    _child: Child,
    out: Lines<BufReader<ChildStdout>>,
}

impl Probe {
    fn spawn(classes: &PathBuf, hub: &str) -> Probe {
        let mut child = Command::new("java")
            .arg("-cp")
            .arg(classes)
            .args(["com.pushlab.probe.GatewayProbe", hub, DEVICE, "xiaomi", PKG])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("java runs (a JDK is required)");
        let out = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Probe { _child: child, out }
    }

    /// The next line starting with `prefix` (other lines are skipped), without the prefix.
    async fn expect(&mut self, prefix: &str) -> String {
        tokio::time::timeout(STEP, async {
            loop {
                let line = self
                    .out
                    .next_line()
                    .await
                    .expect("probe stdout readable")
                    .unwrap_or_else(|| panic!("probe exited before printing '{prefix}'"));
                if let Some(rest) = line.strip_prefix(prefix) {
                    return rest.trim().to_string();
                }
                assert!(!line.starts_with("error"), "probe: {line}");
            }
        })
        .await
        .unwrap_or_else(|_| panic!("probe printed no '{prefix}' line"))
    }
}

/// The message's chain as the journal has it now, checked to hold `kinds`.
/// The gateway journals events before it answers their POST, and the probe
/// prints its line only after that answer, so no waiting is needed.
async fn chain_with(base: &str, id: &str, kinds: &[&str]) -> Vec<Value> {
    let (status, chain) = get(base, &format!("/journal/messages/{id}")).await;
    assert_eq!(status, 200, "{chain}");
    let records = chain.as_array().cloned().unwrap_or_default();
    for k in kinds {
        assert!(
            records.iter().any(|r| r["kind"] == *k),
            "{k} missing from the journal of {id}: {chain}"
        );
    }
    records
}

/// A hub with a Xiaomi certificate for the demo app (clicking as `click`),
/// the Java probe registered and streaming, and the user logged in with the
/// probe's token reported, offline, after the certificate took effect.
struct Setup {
    _hub: Child,
    base: String,
    probe: Probe,
}

async fn setup(click: Value) -> Setup {
    let classes = build_java();
    let (hub, base) = serve().await;

    let (status, cert) = post(
        &base,
        "/admin/v1/certificates",
        json!({
            "package": PKG,
            "credentials": {"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret"},
            "click": click,
            "channel_id": "im"
        }),
    )
    .await;
    assert_eq!(status, 201, "{cert}");
    let cert_id = cert["id"].as_u64().expect("certificate id");

    // The Java push service registers and opens its stream.
    let mut probe = Probe::spawn(&classes, &base);
    let token = probe.expect("token ").await;
    assert_eq!(probe.expect("connected ").await, DEVICE);
    let (_, regs) = get(&base, "/gateway/v1/registrations").await;
    assert!(
        regs.to_string().contains(&token),
        "registration journaled: {regs}"
    );

    // The app logs in, reports the token and is not online: offline push.
    let (_, login) = post(
        &base,
        "/im/v1/login",
        json!({"user": "vinson", "device": DEVICE}),
    )
    .await;
    assert_eq!(login["ActionStatus"], "OK", "{login}");
    let session = login["session"].as_str().expect("session");
    let (_, reported) = post(
        &base,
        "/im/v1/push-token",
        json!({"session": session, "certificate_id": cert_id, "token": token}),
    )
    .await;
    assert_eq!(reported["ActionStatus"], "OK", "{reported}");
    let (status, _) = post(&base, "/admin/v1/clock/advance", json!({"seconds": 600})).await;
    assert_eq!(status, 200);
    Setup {
        _hub: hub,
        base,
        probe,
    }
}

/// Sends denny's message to vinson; returns its message id.
async fn send(base: &str) -> String {
    let (_, sent) = post(
        base,
        "/v4/openim/sendmsg",
        json!({"From_Account": "denny", "To_Account": "vinson", "MsgRandom": 1,
               "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi vinson"}}],
               "OfflinePushInfo": {"Title": "Denny", "Ext": EXT}}),
    )
    .await;
    assert_eq!(sent["ActionStatus"], "OK", "{sent}");
    sent["MessageId"].as_str().expect("message id").to_string()
}

/// Taps the message's notification through the hub's command endpoint.
async fn tap(base: &str, id: &str) {
    let (status, _) = post(
        base,
        &format!("/gateway/v1/devices/{DEVICE}/commands"),
        json!({"type": "tap", "message_id": id}),
    )
    .await;
    assert_eq!(status, 202);
}

fn record<'a>(chain: &'a [Value], kind: &str) -> &'a Value {
    chain
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {chain:?}"))
}

#[tokio::test]
async fn the_java_gateway_client_carries_a_xiaomi_push_through_a_live_hub() {
    let Setup {
        _hub,
        base,
        mut probe,
    } = setup(json!({"type": "open_app"})).await;
    let id = send(&base).await;

    // The Java side parsed the DisplayInstruction and planned it.
    let display = probe.expect("display ").await;
    assert_eq!(display, format!("{id} launcher POST"));
    assert_eq!(probe.expect(&format!("reported {id}")).await, "2");
    let chain = chain_with(&base, &id, &["received", "posted"]).await;
    let posted = record(&chain, "posted");
    assert_eq!(posted["detail"]["title"], "Denny");
    assert_eq!(posted["detail"]["text"], "hi vinson");
    assert_eq!(posted["detail"]["channel_id"], "im");
    assert_eq!(posted["link"], "device");

    // A host tap through the hub reaches the Java side on its stream.
    tap(&base, &id).await;
    assert_eq!(probe.expect(&format!("tapped {id}")).await, "3");
    let chain = chain_with(
        &base,
        &id,
        &["clicked", "callback_received", "ext_received"],
    )
    .await;
    let kinds: Vec<&str> = chain.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"message_sent"));
    for k in [
        "push_accepted",
        "instruction_delivered",
        "received",
        "posted",
        "clicked",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let callback = record(&chain, "callback_received");
    assert_eq!(
        callback["detail"]["action"],
        "com.xiaomi.mipush.RECEIVE_MESSAGE"
    );
    assert_eq!(callback["link"], "app");
    let ext = record(&chain, "ext_received");
    // onNotificationMessageClicked(context, miPushMessage).
    assert_eq!(ext["detail"]["via"], "mipush_message");
    assert_eq!(ext["detail"]["value"], EXT);
}

#[tokio::test]
async fn an_intent_uri_from_the_hub_opens_the_chat_page_with_the_mi_message() {
    let uri = "intent://com.pushlab.demo/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.pushlab.demo/.chat.ChatActivity;end";
    let Setup {
        _hub,
        base,
        mut probe,
    } = setup(json!({"type": "open_page", "page": {"intent_uri": uri}})).await;
    let id = send(&base).await;

    assert_eq!(
        probe.expect("display ").await,
        format!("{id} intent_uri POST")
    );
    assert_eq!(probe.expect(&format!("reported {id}")).await, "2");
    tap(&base, &id).await;
    assert_eq!(probe.expect(&format!("tapped {id}")).await, "3");
    let chain = chain_with(&base, &id, &["clicked", "activity_started", "ext_received"]).await;
    assert_eq!(
        record(&chain, "activity_started")["detail"]["component"],
        "com.pushlab.demo/com.pushlab.demo.chat.ChatActivity"
    );
    let ext = record(&chain, "ext_received");
    assert_eq!(ext["detail"]["via"], "mipush_message");
    assert_eq!(ext["detail"]["value"], EXT);
    assert!(chain.iter().all(|r| r["kind"] != "callback_received"));
}
