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
    fcm, huawei, meizu, oppo, vivo, xiaomi, AndroidInfo, Certificate, ClickAction, Credentials,
    Push, Vendor, VendorId,
};
use crate::services::clock::Clock;
use crate::services::gateway::Registration;
use crate::services::journal::MessageId;
use crate::wire::protocol::{DeviceInfo, Rom};

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
        rom: match vendor {
            VendorId::Xiaomi => Rom::Miui,
            VendorId::Huawei => Rom::Emui,
            VendorId::Oppo => Rom::Coloros,
            VendorId::Vivo => Rom::Funtouchos,
            VendorId::Meizu => Rom::Flyme,
            VendorId::Fcm => Rom::Aosp,
        },
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

const PKG: &str = "com.pushlab.demo";

/// Drives one vendor for `cfg.duration` and returns its figures.
pub async fn run_one(vendor: VendorId, cfg: &Config) -> anyhow::Result<Figures> {
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
    let (tokens, drains) = open_devices(&hub, &*v, vendor, cfg.devices)?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(cfg.concurrency)
        .timeout(Duration::from_secs(10))
        .build()?;
    let load = Load {
        vendor: v,
        http,
        base,
        cert,
        tokens: Arc::new(tokens),
    };
    load.warm_up(vendor).await?;
    let figures = load.drive(vendor, cfg).await?;
    for d in drains {
        d.abort();
    }
    running.stop().await?;
    Ok(figures)
}

/// Registers `n` devices and opens their streams, each drained by a task so
/// nothing piles up. Returns their tokens and the drain tasks.
fn open_devices(
    hub: &Hub,
    v: &dyn Vendor,
    vendor: VendorId,
    n: usize,
) -> anyhow::Result<(Vec<String>, Vec<tokio::task::JoinHandle<()>>)> {
    let info = device_info(vendor);
    let mut tokens = Vec::with_capacity(n);
    let mut drains = Vec::new();
    for i in 0..n {
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
    Ok((tokens, drains))
}

/// What every sending worker shares.
#[derive(Clone)]
struct Load {
    vendor: Arc<dyn Vendor>,
    http: reqwest::Client,
    base: String,
    cert: Certificate,
    tokens: Arc<Vec<String>>,
}

/// What one worker counted.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    accepted: u64,
    rejected: u64,
}

impl Load {
    fn push(&self, id: String, n: u64, desc: String, ext: Option<String>) -> Push {
        Push {
            message_id: MessageId(id),
            certificate: self.cert.clone(),
            token: self.tokens[n as usize % self.tokens.len()].clone(),
            title: "pushlab".into(),
            desc,
            ext,
            android: AndroidInfo::default(),
        }
    }

    /// One send that fetches and caches the client's auth token.
    async fn warm_up(&self, vendor: VendorId) -> anyhow::Result<()> {
        let warm = self.push("bench-warmup".into(), 0, "warm-up".into(), None);
        if let Err(r) = self.vendor.send(&self.http, &self.base, &warm).await.result {
            anyhow::bail!(
                "{vendor} warm-up send was refused: {} {}",
                r.vendor_code,
                r.message
            );
        }
        Ok(())
    }

    /// `cfg.concurrency` workers sending back to back for `cfg.duration`.
    async fn drive(&self, vendor: VendorId, cfg: &Config) -> anyhow::Result<Figures> {
        let stop = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(AtomicU64::new(0));
        let first_rejection = Arc::new(Mutex::new(None::<String>));
        let started = Instant::now();
        let workers: Vec<_> = (0..cfg.concurrency)
            .map(|w| {
                let (load, stop, counter, first) = (
                    self.clone(),
                    stop.clone(),
                    counter.clone(),
                    first_rejection.clone(),
                );
                tokio::spawn(async move { load.work(w, &stop, &counter, &first).await })
            })
            .collect();
        tokio::time::sleep(cfg.duration).await;
        stop.store(true, Ordering::Relaxed);
        let mut all = Tally::default();
        for w in workers {
            let t = w.await?;
            all.latencies.extend(t.latencies);
            all.accepted += t.accepted;
            all.rejected += t.rejected;
        }
        let seconds = started.elapsed().as_secs_f64();
        let first_rejection = first_rejection.lock().clone();
        Ok(figures(vendor, all, seconds, first_rejection))
    }

    async fn work(
        &self,
        w: usize,
        stop: &AtomicBool,
        counter: &AtomicU64,
        first_rejection: &Mutex<Option<String>>,
    ) -> Tally {
        let mut tally = Tally::default();
        while !stop.load(Ordering::Relaxed) {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let push = self.push(
                format!("bench-{w}-{n}"),
                n,
                format!("message {n}"),
                Some("{\"k\":\"v\"}".into()),
            );
            let t = Instant::now();
            let outcome = self.vendor.send(&self.http, &self.base, &push).await;
            tally.latencies.push(t.elapsed());
            match outcome.result {
                Ok(_) => tally.accepted += 1,
                Err(r) => {
                    tally.rejected += 1;
                    first_rejection
                        .lock()
                        .get_or_insert_with(|| format!("{} {}", r.vendor_code, r.message));
                }
            }
        }
        tally
    }
}

fn figures(
    vendor: VendorId,
    mut all: Tally,
    seconds: f64,
    first_rejection: Option<String>,
) -> Figures {
    all.latencies.sort();
    let pct = |p: f64| -> f64 {
        if all.latencies.is_empty() {
            return 0.0;
        }
        let i = ((all.latencies.len() as f64 - 1.0) * p).round() as usize;
        all.latencies[i].as_secs_f64() * 1000.0
    };
    Figures {
        vendor,
        sent: all.accepted + all.rejected,
        accepted: all.accepted,
        rejected: all.rejected,
        seconds,
        accepted_per_sec: all.accepted as f64 / seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        first_rejection,
    }
}
