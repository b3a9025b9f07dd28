//! The simulated device seen through the real `adb` binary: it connects,
//! lists with its model, runs shell commands with exit codes and separate
//! streams, round-trips files, records reverse forwards, and authenticates
//! hosts like a secure adbd.

mod sim_support;

use pushlab::sim::{AdbPublicKey, AuthPolicy, Profile, SimDevice, SimHandle};
use sim_support::{text, AdbServer, DEADLINE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn sim(profile: &str) -> SimHandle {
    SimDevice::spawn(
        Profile::parse(profile).expect("profile"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("spawn sim")
}

/// A sim connected to a private adb server.
async fn connected(profile: &str) -> (SimHandle, AdbServer, String) {
    let sim = sim(profile).await;
    let adb = AdbServer::start().await;
    let serial = sim.serial();
    adb.connect(&serial).await;
    (sim, adb, serial)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adb_devices_lists_the_sim_as_a_device_with_its_model() {
    let (_sim, adb, serial) = connected("miui-android13").await;
    let out = adb.adb(&["devices", "-l"]).await;
    let listing = text(&out.stdout);
    let line = listing
        .lines()
        .find(|l| l.starts_with(&serial))
        .unwrap_or_else(|| panic!("{serial} not in:\n{listing}"));
    assert!(line.contains(" device "), "{line}");
    assert!(
        line.contains("product:fuxi model:2211133C device:fuxi"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getprop_reports_the_profiles_api_level() {
    let (_sim, adb, serial) = connected("emui-android10").await;
    let out = adb
        .adb_s(&serial, &["shell", "getprop", "ro.build.version.sdk"])
        .await;
    assert_eq!(text(&out.stdout), "29\n");
    assert!(out.status.success());

    let out = adb.adb_s(&serial, &["shell", "getprop"]).await;
    assert!(text(&out.stdout).contains("[ro.build.version.emui]: [EmotionUI_10.1.0]\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_exit_codes_and_streams_behave_like_a_device() {
    let (_sim, adb, serial) = connected("aosp-gms-android13").await;

    let out = adb.adb_s(&serial, &["shell", "exit 3"]).await;
    assert_eq!(out.status.code(), Some(3));

    let out = adb
        .adb_s(&serial, &["shell", "echo out; echo err >&2"])
        .await;
    assert_eq!(text(&out.stdout), "out\n");
    assert_eq!(text(&out.stderr), "err\n");
    assert_eq!(out.status.code(), Some(0));

    let out = adb.adb_s(&serial, &["shell", "nosuchcmd"]).await;
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(text(&out.stderr), "/system/bin/sh: nosuchcmd: not found\n");
    assert_eq!(text(&out.stdout), "");

    // The client joins argv with spaces; the device's shell re-splits it.
    let out = adb
        .adb_s(
            &serial,
            &[
                "shell", "echo", "'a  b'", "&&", "false", "||", "echo", "fallback",
            ],
        )
        .await;
    assert_eq!(text(&out.stdout), "a  b\nfallback\n");

    // exec-out is raw: no shell protocol, streams merged.
    let out = adb
        .adb_s(&serial, &["exec-out", "getprop ro.product.model"])
        .await;
    assert_eq!(text(&out.stdout), "Pixel 7\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_then_pull_round_trips_a_mebibyte_byte_exact() {
    let (sim, adb, serial) = connected("aosp-gms-android13").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data: Vec<u8> = (0..1024 * 1024).map(|_| rand::random::<u8>()).collect();
    let local = dir.path().join("random.bin");
    std::fs::write(&local, &data).expect("write");

    let out = adb
        .adb_s(
            &serial,
            &[
                "push",
                local.to_str().expect("utf8"),
                "/sdcard/Download/random.bin",
            ],
        )
        .await;
    assert!(out.status.success(), "push: {}", text(&out.stderr));
    assert_eq!(
        sim.device()
            .fs()
            .stat("/sdcard/Download/random.bin")
            .expect("stat")
            .size,
        1024 * 1024
    );

    let back = dir.path().join("back.bin");
    let out = adb
        .adb_s(
            &serial,
            &[
                "pull",
                "/sdcard/Download/random.bin",
                back.to_str().expect("utf8"),
            ],
        )
        .await;
    assert!(out.status.success(), "pull: {}", text(&out.stderr));
    assert!(
        std::fs::read(&back).expect("read") == data,
        "pulled bytes differ"
    );

    let out = adb
        .adb_s(&serial, &["shell", "ls", "/sdcard/Download"])
        .await;
    assert_eq!(text(&out.stdout), "random.bin\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reverse_forwards_are_listed_and_carry_device_connections_to_the_host() {
    let (sim, adb, serial) = connected("aosp-gms-android13").await;
    // The host side of the forward: a loopback echo-with-prefix server.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let host_port = listener.local_addr().expect("addr").port();
    let host = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.expect("accept");
        let mut buf = [0u8; 4];
        sock.read_exact(&mut buf).await.expect("read");
        sock.write_all(b"pong:").await.expect("write");
        sock.write_all(&buf).await.expect("write");
    });

    let host_spec = format!("tcp:{host_port}");
    let out = adb
        .adb_s(&serial, &["reverse", "tcp:8081", &host_spec])
        .await;
    assert!(out.status.success(), "reverse: {}", text(&out.stderr));

    let out = adb.adb_s(&serial, &["reverse", "--list"]).await;
    // The client prints the device's listing followed by its own newline.
    assert_eq!(text(&out.stdout), format!("host tcp:8081 {host_spec}\n\n"));

    let out = adb
        .adb_s(&serial, &["reverse", "--no-rebind", "tcp:8081", "tcp:1"])
        .await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("cannot rebind existing socket"));

    // Device-side code connects to its tcp:8081 and reaches the host server.
    let mut conn = tokio::time::timeout(DEADLINE, sim.device().connect_tcp(8081))
        .await
        .expect("connect in time")
        .expect("reverse connection");
    conn.write_all(b"ping").await.expect("write");
    let mut reply = Vec::new();
    tokio::time::timeout(DEADLINE, conn.read_to_end(&mut reply))
        .await
        .expect("reply in time")
        .expect("read");
    assert_eq!(reply, b"pong:ping");
    host.await.expect("host side");

    // tcp:0 lets the device pick a port, which the client prints.
    let out = adb.adb_s(&serial, &["reverse", "tcp:0", &host_spec]).await;
    assert!(out.status.success(), "reverse tcp:0: {}", text(&out.stderr));
    let port: u16 = text(&out.stdout).trim().parse().expect("a port number");
    assert!(sim
        .device()
        .reverse_forwards()
        .iter()
        .any(|f| f.device.as_str() == format!("tcp:{port}")));

    let out = adb.adb_s(&serial, &["reverse", "--remove-all"]).await;
    assert!(out.status.success());
    assert!(sim.device().reverse_forwards().is_empty());
}

fn keygen(dir: &std::path::Path) -> std::path::PathBuf {
    let key = dir.join("adbkey");
    let status = std::process::Command::new(sim_support::adb_binary())
        .arg("keygen")
        .arg(&key)
        .env("HOME", dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("adb keygen");
    assert!(status.success(), "adb keygen failed");
    key
}

async fn secure_sim(trusted_pub: &std::path::Path) -> SimHandle {
    let keys = AdbPublicKey::load_file(trusted_pub).expect("adb_keys");
    SimDevice::builder(Profile::default())
        .auth(AuthPolicy::Keys(keys))
        .spawn("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("spawn")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_adb_keys_a_foreign_host_stays_unauthorized() {
    let keys = tempfile::tempdir().expect("tempdir");
    let trusted = keygen(keys.path());
    let sim = secure_sim(&trusted.with_extension("pub")).await;
    // This server only has the key it generates in its own fresh HOME.
    let adb = AdbServer::start().await;
    let serial = sim.serial();
    let _ = adb.adb(&["connect", &serial]).await;
    adb.wait_for_state(&serial, "unauthorized").await;
    let out = adb.adb_s(&serial, &["shell", "echo", "hi"]).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("unauthorized"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_adb_keys_a_listed_host_key_is_accepted() {
    let keys = tempfile::tempdir().expect("tempdir");
    let trusted = keygen(keys.path());
    let sim = secure_sim(&trusted.with_extension("pub")).await;
    let adb = AdbServer::start_with_env(vec![(
        "ADB_VENDOR_KEYS".into(),
        trusted.display().to_string(),
    )])
    .await;
    let serial = sim.serial();
    adb.connect(&serial).await;
    let out = adb.adb_s(&serial, &["shell", "echo", "trusted"]).await;
    assert_eq!(text(&out.stdout), "trusted\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_registered_after_spawn_answer_adb_shell_with_stdin() {
    use futures::FutureExt;
    use tokio::process::Command;

    let (sim, adb, serial) = connected("aosp-nogms-android13").await;
    sim.device().commands().register_fn("pidof", |ctx| {
        async move {
            match ctx.argv.get(1).map(String::as_str) {
                Some("com.example.app") => pushlab::sim::CommandOutput::ok("4242\n"),
                _ => pushlab::sim::CommandOutput::code(1),
            }
        }
        .boxed()
    });
    let out = adb
        .adb_s(&serial, &["shell", "pidof", "com.example.app"])
        .await;
    assert_eq!(
        (text(&out.stdout).as_str(), out.status.code()),
        ("4242\n", Some(0))
    );
    let out = adb.adb_s(&serial, &["shell", "pidof", "com.other"]).await;
    assert_eq!(
        (text(&out.stdout).as_str(), out.status.code()),
        ("", Some(1))
    );

    // stdin travels as shell-protocol packets and ends with close-stdin.
    let mut cmd = Command::new(sim_support::adb_binary());
    cmd.args(["-P", &adb.port.to_string(), "-s", &serial, "shell", "cat"])
        .env("HOME", adb.home.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn adb");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"through stdin\n").await.expect("write");
    drop(stdin);
    let out = tokio::time::timeout(DEADLINE, child.wait_with_output())
        .await
        .expect("adb shell cat finished")
        .expect("output");
    assert_eq!(text(&out.stdout), "through stdin\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_commands_reach_the_host_live_and_learn_when_it_hangs_up() {
    use futures::FutureExt;
    use tokio::io::AsyncBufReadExt;
    use tokio::process::Command;

    let (sim, adb, serial) = connected("aosp-gms-android13").await;
    let (hung_up_tx, hung_up_rx) = tokio::sync::oneshot::channel::<()>();
    let hung_up_tx = std::sync::Mutex::new(Some(hung_up_tx));
    sim.device().commands().register_fn("follow", move |ctx| {
        let notify = hung_up_tx.lock().ok().and_then(|mut g| g.take());
        async move {
            let Some(live) = ctx.live else {
                return pushlab::sim::CommandOutput::fail(1, "not live\n");
            };
            live.stdout("first event\n");
            live.closed().await;
            if let Some(n) = notify {
                let _ = n.send(());
            }
            pushlab::sim::CommandOutput::code(0)
        }
        .boxed()
    });

    let mut child = Command::new(sim_support::adb_binary())
        .args([
            "-P",
            &adb.port.to_string(),
            "-s",
            &serial,
            "shell",
            "follow",
        ])
        .env("HOME", adb.home.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn adb");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = tokio::time::timeout(DEADLINE, lines.next_line())
        .await
        .expect("first line in time")
        .expect("read");
    assert_eq!(first.as_deref(), Some("first event"));

    // Ctrl-C on the host: the adb client dies, the server closes the stream.
    child.kill().await.expect("kill adb client");
    tokio::time::timeout(DEADLINE, hung_up_rx)
        .await
        .expect("command saw the hang-up in time")
        .expect("notified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interactive_shell_without_a_terminal_runs_lines_until_exit() {
    use tokio::process::Command;

    let (_sim, adb, serial) = connected("miui-android13").await;
    let mut child = Command::new(sim_support::adb_binary())
        .args(["-P", &adb.port.to_string(), "-s", &serial, "shell"])
        .env("HOME", adb.home.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn adb");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"echo one\ngetprop ro.miui.ui.version.name\nexit 7\n")
        .await
        .expect("write");
    drop(stdin);
    let out = tokio::time::timeout(DEADLINE, child.wait_with_output())
        .await
        .expect("adb shell finished")
        .expect("output");
    assert_eq!(text(&out.stdout), "fuxi:/ $ one\nfuxi:/ $ V140\nfuxi:/ $ ");
    assert_eq!(out.status.code(), Some(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adb_forward_reaches_a_socket_device_side_code_listens_on() {
    let (sim, adb, serial) = connected("aosp-gms-android13").await;
    let mut listener = sim.device().listen("tcp:7100").expect("listen");
    let device_side = tokio::spawn(async move {
        let mut conn = listener.accept().await.expect("a connection");
        let mut buf = [0u8; 5];
        conn.read_exact(&mut buf).await.expect("read");
        conn.write_all(b"device got ").await.expect("write");
        conn.write_all(&buf).await.expect("write");
        conn.shutdown().await.expect("close");
    });

    let out = adb.adb_s(&serial, &["forward", "tcp:0", "tcp:7100"]).await;
    assert!(out.status.success(), "forward: {}", text(&out.stderr));
    let host_port: u16 = text(&out.stdout).trim().parse().expect("host port");

    let mut sock = tokio::net::TcpStream::connect(("127.0.0.1", host_port))
        .await
        .expect("connect to the forward");
    sock.write_all(b"hello").await.expect("write");
    let mut reply = Vec::new();
    tokio::time::timeout(DEADLINE, sock.read_to_end(&mut reply))
        .await
        .expect("reply in time")
        .expect("read");
    assert_eq!(reply, b"device got hello");
    device_side.await.expect("device side");

    // Nobody listens on tcp:7101: the connection is refused (closed at once).
    let out = adb.adb_s(&serial, &["forward", "tcp:0", "tcp:7101"]).await;
    let port: u16 = text(&out.stdout).trim().parse().expect("host port");
    let mut sock = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to the forward");
    let mut rest = Vec::new();
    let n = tokio::time::timeout(DEADLINE, sock.read_to_end(&mut rest))
        .await
        .expect("closed in time");
    assert!(
        n.map(|n| n == 0).unwrap_or(true),
        "expected an immediate close"
    );
}
