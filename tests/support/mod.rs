//! Shared test helpers: a hub on loopback, HTTP helpers, JSON-lines readers,
//! and an in-tree test vendor that plays a push vendor in hub tests.
#![allow(dead_code)]

pub mod test_vendor;

use std::time::Duration;

use pushlab::hub::{Hub, RunningHub};
use pushlab::services::clock::{Clock, Timestamp};
use serde_json::Value;

/// 2026-01-01T00:00:00Z: tests run on a virtual clock from here.
pub const T0: Timestamp = Timestamp(1_767_225_600_000);

/// The deadline for anything a test waits on.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A hub on 127.0.0.1:0 whose only vendor is the test vendor.
pub async fn test_hub() -> RunningHub {
    let hub = Hub::with_vendors(Clock::virtual_at(T0), |s| {
        vec![std::sync::Arc::new(test_vendor::TestVendor::new(s.clone()))]
    });
    hub.start("127.0.0.1:0".parse().unwrap())
        .await
        .expect("hub starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(DEADLINE)
        .build()
        .unwrap()
}

pub async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = client()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn get(base: &str, path: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Reads a chunked JSON-lines response line by line.
pub struct Lines {
    resp: reqwest::Response,
    buf: Vec<u8>,
}

impl Lines {
    pub async fn open(url: String) -> Lines {
        let resp = reqwest::Client::new()
            .get(url)
            .send()
            .await
            .expect("stream opens");
        assert!(
            resp.status().is_success(),
            "stream status {}",
            resp.status()
        );
        Lines {
            resp,
            buf: Vec::new(),
        }
    }

    /// The next line as JSON, waiting at most [`DEADLINE`].
    pub async fn next(&mut self) -> Value {
        tokio::time::timeout(DEADLINE, async {
            loop {
                if let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = self.buf.drain(..=i).collect();
                    return serde_json::from_slice(&line).expect("a JSON line");
                }
                let chunk = self
                    .resp
                    .chunk()
                    .await
                    .expect("stream readable")
                    .expect("stream still open");
                self.buf.extend_from_slice(&chunk);
            }
        })
        .await
        .expect("a line before the deadline")
    }

    /// The next line whose `type` is `ty`, skipping pings.
    pub async fn next_of(&mut self, ty: &str) -> Value {
        loop {
            let v = self.next().await;
            if v["type"] == ty {
                return v;
            }
        }
    }
}
