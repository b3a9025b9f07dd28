//! `pushlab serve` as a person or a backend starts it: the certificate
//! delay it is given is the one the IM console applies, and the banner says
//! so.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const STEP: Duration = Duration::from_secs(30);

/// `pushlab serve` with `args` on a loopback port of its choosing and a
/// virtual clock: its base URL and the lines it printed up to "Press
/// Ctrl-C".
async fn serve(args: &[&str]) -> (Child, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pushlab"))
        .args(["serve", "--listen", "127.0.0.1:0", "--clock", "virtual"])
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("pushlab serve starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let banner = tokio::time::timeout(STEP, async {
        let mut lines = Vec::new();
        loop {
            let line = out
                .next_line()
                .await
                .expect("serve stdout readable")
                .expect("pushlab serve exited before it was ready");
            let done = line.starts_with("Press Ctrl-C");
            lines.push(line);
            if done {
                return lines;
            }
        }
    })
    .await
    .expect("pushlab serve prints its banner");
    tokio::spawn(async move { while let Ok(Some(_)) = out.next_line().await {} });
    let base = banner
        .iter()
        .find_map(|l| l.strip_prefix("pushlab hub listening on "))
        .expect("the listening line")
        .trim()
        .trim_end_matches('/')
        .to_string();
    (child, base, banner)
}

/// Saves a Mi certificate; returns (saved_at, effective_at) in milliseconds.
async fn save_certificate(base: &str) -> (i64, i64) {
    let v: Value = reqwest::Client::new()
        .post(format!("{base}/admin/v1/certificates"))
        .json(&json!({"package": "com.pushlab.demo",
            "credentials": {"vendor": "xiaomi", "app_id": "2882303761517", "app_key": "5601759", "app_secret": "s3cret=="}}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let secs = |k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"));
    (secs("saved_at"), secs("effective_at"))
}

#[tokio::test]
async fn the_certificate_delay_given_to_serve_is_the_one_applied() {
    let (_default, base, banner) = serve(&[]).await;
    let (saved, effective) = save_certificate(&base).await;
    assert_eq!(
        effective - saved,
        600_000,
        "the guides' 10 minutes by default"
    );
    assert!(
        banner.iter().any(|l| l.contains("take effect 600s after")),
        "{banner:?}"
    );

    let (_short, base, banner) = serve(&["--certificate-delay", "90s"]).await;
    let (saved, effective) = save_certificate(&base).await;
    assert_eq!(effective - saved, 90_000);
    assert!(
        banner.iter().any(|l| l.contains("take effect 90s after")),
        "{banner:?}"
    );
    assert!(
        banner.iter().any(|l| l.contains("\"seconds\":90")),
        "{banner:?}"
    );

    let (_now, base, banner) = serve(&["--certificate-delay", "0s"]).await;
    let (saved, effective) = save_certificate(&base).await;
    assert_eq!(effective, saved);
    assert!(
        banner
            .iter()
            .any(|l| l.contains("as soon as they are saved")),
        "{banner:?}"
    );
}
