//! `pushlab bench vendors`: each vendor's send endpoint driven over loopback
//! HTTP by its own client (auth, signing and validation on), with concurrent
//! senders spread over many device tokens.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::{json, Value};

use crate::hub::Hub;
use crate::im::CertificateInput;
use crate::push::{
    fcm, huawei, meizu, oppo, vivo, xiaomi, AndroidInfo, ClickAction, Credentials, Push, VendorId,
};
use crate::services::clock::Clock;
use crate::services::gateway::Registration;
use crate::services::journal::MessageId;
use crate::wire::protocol::DeviceInfo;

/// How hard to drive each vendor.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long each vendor is driven.
    pub duration: Duration,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// Distinct device tokens the sends are spread over.
    pub devices: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            duration: Duration::from_secs(3),
            concurrency: 64,
            devices: 256,
        }
    }
}

/// What one vendor achieved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figures {
    pub vendor: VendorId,
    pub sent: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub seconds: f64,
    pub accepted_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The first rejection seen, to explain a low accepted count.
    pub first_rejection: Option<String>,
}

/// Sets every number in a vendor's limits very high, so the benchmark
/// measures the endpoint rather than its frequency control.
fn lifted(limits: &Value) -> Value {
    match limits {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), lifted(v))).collect()),
        Value::Number(_) => json!(1_000_000_000u64),
        Value::Null => json!(1_000_000_000u64),
        other => other.clone(),
    }
}

fn credentials(vendor: VendorId, fcm_base: &str) -> anyhow::Result<Credentials> {
    Ok(match vendor {
        VendorId::Xiaomi => Credentials::Xiaomi(xiaomi::Credentials {
            app_id: "2882303761517000000".into(),
            app_key: "5601759000000".into(),
            app_secret: "benchSecretXiaomi==".into(),
        }),
        VendorId::Huawei => Credentials::Huawei(huawei::Credentials {
            app_id: "104000000".into(),
            client_secret: "bench-huawei-secret".into(),
        }),
        VendorId::Oppo => Credentials::Oppo(oppo::Credentials {
            app_id: "30000000".into(),
            app_key: "benchoppoappkey".into(),
            app_secret: "benchopposecret".into(),
            master_secret: "benchoppomaster".into(),
        }),
        VendorId::Vivo => Credentials::Vivo(vivo::Credentials {
            app_id: "10000".into(),
            app_key: "bench-vivo-key".into(),
            app_secret: "bench-vivo-secret".into(),
        }),
        VendorId::Meizu => Credentials::Meizu(meizu::Credentials {
            app_id: "110000".into(),
            app_key: "benchmeizukey".into(),
            app_secret: "benchmeizusecret".into(),
        }),
        VendorId::Fcm => {
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
            let pem = key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)?;
            Credentials::Fcm(fcm::Credentials {
                service_account: json!({
                    "type": "service_account",
                    "project_id": "pushlab-bench",
                    "private_key_id": "bench-key-1",
                    "private_key": pem.as_str(),
                    "client_email": "bench@pushlab-bench.iam.gserviceaccount.com",
                    "token_uri": format!("{fcm_base}/token"),
                }),
            })
        }
    })
}

fn device_info(vendor: VendorId) -> DeviceInfo {
    let brand = match vendor {
        VendorId::Xiaomi => "Xiaomi",
        VendorId::Huawei => "HUAWEI",
        VendorId::Oppo => "OPPO",
        VendorId::Vivo => "vivo",
        VendorId::Meizu => "Meizu",
        VendorId::Fcm => "google",
    };
    DeviceInfo {
        brand: brand.into(),
        manufacturer: brand.into(),
        model: "bench".into(),
        api_level: 33,
        region: if vendor == VendorId::Fcm {
            "global"
        } else {
            "cn"
        }
        .into(),
        vendor_push: true,
        hms_core_version: (vendor == VendorId::Huawei).then_some(60_800_300),
        play_services: true,
        drops_huawei_passthrough: false,
    }
}

/// Drives one vendor for `cfg.duration` and returns its figures.
pub async fn run_one(vendor: VendorId, cfg: &Config) -> anyhow::Result<Figures> {
    const PKG: &str = "com.pushlab.demo";
    let hub = Hub::new(Clock::real());
    let running = hub.start("127.0.0.1:0".parse()?).await?;
    let base = format!("{}/{}", running.base_url(), vendor.name());
    let v = hub
        .vendors
        .get(&vendor)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("vendor {vendor} is not served"))?;
    v.set_limits(lifted(&v.limits()))
        .map_err(|e| anyhow::anyhow!("lifting {vendor} limits: {e}"))?;
    let cert = hub.im.save_certificate(CertificateInput {
        id: None,
        package: PKG.into(),
        credentials: credentials(vendor, &base)?,
        click: ClickAction::OpenApp,
        channel_id: Some("im".into()),
        badge_class: None,
    });

    // Devices with open streams, drained so nothing piles up.
    let info = device_info(vendor);
    let mut tokens = Vec::with_capacity(cfg.devices);
    let mut drains = Vec::new();
    for i in 0..cfg.devices {
        let device = format!("bench-{i}");
        let token = v
            .register(&info, PKG)
            .map_err(|e| anyhow::anyhow!("registering a {vendor} device: {e}"))?;
        hub.gateway().add_registration(Registration {
            device: device.clone(),
            vendor,
            package: PKG.into(),
            token: token.clone(),
            device_info: info.clone(),
        });
        let (mut rx, guard) = hub.gateway().open_stream(&device);
        drains.push(tokio::spawn(async move {
            let _guard = guard;
            while rx.recv().await.is_some() {}
        }));
        tokens.push(token);
    }
    let tokens = Arc::new(tokens);

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(cfg.concurrency)
        .timeout(Duration::from_secs(10))
        .build()?;
    // One warm-up send fetches and caches the client's auth token.
    let warm = Push {
        message_id: MessageId("bench-warmup".into()),
        certificate: cert.clone(),
        token: tokens[0].clone(),
        title: "pushlab".into(),
        desc: "warm-up".into(),
        ext: None,
        android: AndroidInfo::default(),
    };
    if let Err(r) = v.send(&http, &base, &warm).await.result {
        anyhow::bail!(
            "{vendor} warm-up send was refused: {} {}",
            r.vendor_code,
            r.message
        );
    }

    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let first_rejection = Arc::new(Mutex::new(None::<String>));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..cfg.concurrency {
        let (v, http, base, cert, tokens, stop, counter, first_rejection) = (
            v.clone(),
            http.clone(),
            base.clone(),
            cert.clone(),
            tokens.clone(),
            stop.clone(),
            counter.clone(),
            first_rejection.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut accepted, mut rejected) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let push = Push {
                    message_id: MessageId(format!("bench-{w}-{n}")),
                    certificate: cert.clone(),
                    token: tokens[n as usize % tokens.len()].clone(),
                    title: "pushlab".into(),
                    desc: format!("message {n}"),
                    ext: Some("{\"k\":\"v\"}".into()),
                    android: AndroidInfo::default(),
                };
                let t = Instant::now();
                let outcome = v.send(&http, &base, &push).await;
                latencies.push(t.elapsed());
                match outcome.result {
                    Ok(_) => accepted += 1,
                    Err(r) => {
                        rejected += 1;
                        first_rejection
                            .lock()
                            .get_or_insert_with(|| format!("{} {}", r.vendor_code, r.message));
                    }
                }
            }
            (latencies, accepted, rejected)
        }));
    }
    tokio::time::sleep(cfg.duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for w in workers {
        let (l, a, r) = w.await?;
        latencies.extend(l);
        accepted += a;
        rejected += r;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies[i].as_secs_f64() * 1000.0
    };
    let figures = Figures {
        vendor,
        sent: accepted + rejected,
        accepted,
        rejected,
        seconds,
        accepted_per_sec: accepted as f64 / seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        first_rejection: first_rejection.lock().clone(),
    };
    for d in drains {
        d.abort();
    }
    running.stop().await?;
    Ok(figures)
}
