//! `pushlab sim` as a user runs it: prints where it listens and the
//! `adb connect` line, serves adb there, and refuses non-loopback
//! addresses unless told otherwise.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const DEADLINE: Duration = Duration::from_secs(20);

fn pushlab() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pushlab"));
    c.stdin(Stdio::null()).kill_on_drop(true);
    c
}

#[tokio::test]
async fn sim_prints_the_adb_connect_line_and_serves_there() {
    let mut child = pushlab()
        .args(["sim", "--profile", "coloros-android10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn pushlab sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let (first, second) = tokio::time::timeout(DEADLINE, async {
        let a = lines.next_line().await.expect("read").expect("first line");
        let b = lines.next_line().await.expect("read").expect("second line");
        (a, b)
    })
    .await
    .expect("sim printed its address in time");
    assert!(
        first.starts_with(
            "simulated device coloros-android10 (OPPO PCLM10, API 29) listening on 127.0.0.1:"
        ),
        "{first}"
    );
    let addr = second
        .strip_prefix("adb connect ")
        .unwrap_or_else(|| panic!("unexpected line {second:?}"));
    assert!(first.ends_with(addr));

    // Something answers the adb handshake there.
    use pushlab::sim::wire::{Command as Cmd, FrameDecoder, Message, A_VERSION, MAX_PAYLOAD};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(addr).await.expect("connect");
    sock.write_all(&Message::new(Cmd::Cnxn, A_VERSION, MAX_PAYLOAD, &b"host::"[..]).encode())
        .await
        .expect("send");
    let mut dec = FrameDecoder::new(MAX_PAYLOAD);
    let reply = tokio::time::timeout(DEADLINE, async {
        let mut buf = [0u8; 1024];
        loop {
            if let Some(m) = dec.next_message().expect("frame") {
                return m;
            }
            let n = sock.read(&mut buf).await.expect("read");
            assert_ne!(n, 0, "sim closed the connection");
            dec.feed(&buf[..n]);
        }
    })
    .await
    .expect("handshake reply in time");
    assert_eq!(reply.command, Cmd::Auth);
    child.kill().await.expect("stop sim");
}

#[tokio::test]
async fn sim_refuses_a_non_loopback_listen_address_without_allow_remote() {
    let out = tokio::time::timeout(
        DEADLINE,
        pushlab().args(["sim", "--listen", "0.0.0.0:0"]).output(),
    )
    .await
    .expect("exits in time")
    .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--allow-remote"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn sim_rejects_an_unknown_profile() {
    let out = tokio::time::timeout(
        DEADLINE,
        pushlab()
            .args(["sim", "--profile", "nokia-android10"])
            .output(),
    )
    .await
    .expect("exits in time")
    .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown ROM"));
}

#[tokio::test]
async fn list_profiles_prints_the_grammar_and_every_example_that_boots() {
    let out = tokio::time::timeout(
        DEADLINE,
        pushlab().args(["sim", "--list-profiles"]).output(),
    )
    .await
    .expect("in time")
    .expect("run pushlab sim --list-profiles");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("<rom>-<version>[-<region>][-<hms>][-<gms>][-<quirk>...]"),
        "{text}"
    );
    let examples: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "Examples:")
        .skip(1)
        .collect();
    assert_eq!(
        examples.len(),
        pushlab::profile::EXAMPLE_PROFILES.len(),
        "{text}"
    );
    for line in examples {
        let mut words = line.split_whitespace();
        let name = words.next().expect("a name");
        assert!(words.next().is_some(), "{line}: a description follows");
        let profile = pushlab::profile::Profile::parse(name).expect("the example parses");
        assert_eq!(profile.name, name);
    }
    // A name outside the grammar is refused with the bad segment named.
    let bad = tokio::time::timeout(
        DEADLINE,
        pushlab()
            .args(["sim", "--profile", "coloros-android8-eu"])
            .output(),
    )
    .await
    .expect("in time")
    .expect("run pushlab sim");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("unknown segment `eu`"), "{err}");
}
