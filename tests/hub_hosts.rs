//! A request addressed to a vendor's real API host (a hosts-file or proxy
//! redirect to the hub) reaches that vendor's simulated endpoint: for every
//! vendor and every host it claims, an unauthenticated send at the hub's
//! root answers with the vendor's own "not authenticated" error.

use pushlab::hub::Hub;
use pushlab::push::{fcm, meizu, oppo, vivo, VendorId};
use pushlab::services::clock::{Clock, Timestamp};
use serde_json::Value;

/// The vendor's main send path and a check that the answer is the
/// vendor's own refusal of an unauthenticated send.
fn send_path(vendor: VendorId) -> String {
    match vendor {
        VendorId::Xiaomi => "/v3/message/regid".into(),
        VendorId::Huawei => "/v1/10086/messages:send".into(),
        VendorId::Oppo => oppo::UNICAST_PATH.into(),
        VendorId::Vivo => vivo::SEND_PATH.into(),
        VendorId::Meizu => meizu::PUSH_PATH.into(),
        VendorId::Fcm => fcm::send_path("pushlab-demo"),
    }
}

fn assert_unauthenticated_shape(vendor: VendorId, host: &str, status: u16, v: &Value) {
    let ok = match vendor {
        // `code` 21301 "Authentication failed", HTTP 200.
        VendorId::Xiaomi => status == 200 && v["code"] == 21301 && v["result"] == "error",
        // HMS answers 401 with a string 802xxxxx code.
        VendorId::Huawei => {
            status == 401 && v["code"].as_str().is_some_and(|c| c.starts_with("802"))
        }
        // OPPO: numeric `code` 29 (missing auth_token), HTTP 200.
        VendorId::Oppo => status == 200 && v["code"] == 29,
        // vivo: numeric `result` of its auth family, HTTP 200.
        VendorId::Vivo => status == 200 && v["result"].as_i64().is_some_and(|r| r != 0),
        // Meizu: string `code` other than "200", HTTP 200.
        VendorId::Meizu => status == 200 && v["code"].as_str().is_some_and(|c| c != "200"),
        // Google: 401 UNAUTHENTICATED.
        VendorId::Fcm => status == 401 && v["error"]["status"] == "UNAUTHENTICATED",
    };
    assert!(ok, "{vendor} via Host {host}: HTTP {status} {v}");
}

#[tokio::test]
async fn every_vendor_host_reaches_its_vendor_endpoint() {
    let hub = Hub::new(Clock::virtual_at(Timestamp(1_795_314_600_000)));
    let running = hub
        .start("127.0.0.1:0".parse().expect("address"))
        .await
        .expect("hub starts");
    let http = reqwest::Client::new();
    let mut checked = 0;
    for vendor in VendorId::ALL {
        let hosts = hub.vendors[&vendor].hosts();
        assert!(!hosts.is_empty(), "{vendor} claims no host");
        for host in hosts {
            let content_type = match vendor {
                VendorId::Xiaomi | VendorId::Oppo | VendorId::Meizu => {
                    "application/x-www-form-urlencoded"
                }
                _ => "application/json",
            };
            let body = match vendor {
                VendorId::Xiaomi | VendorId::Oppo | VendorId::Meizu => "a=1",
                _ => "{}",
            };
            let resp = http
                .post(format!("{}{}", running.base_url(), send_path(vendor)))
                .header("host", *host)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("answered");
            let status = resp.status().as_u16();
            let v: Value = resp.json().await.unwrap_or(Value::Null);
            assert_unauthenticated_shape(vendor, host, status, &v);
            checked += 1;
        }
    }
    assert!(checked >= 6);
}

#[test]
fn xiaomi_claims_its_older_dotted_hosts_and_the_sandbox() {
    let hub = Hub::new(Clock::virtual_at(Timestamp(0)));
    let hosts = hub.vendors[&VendorId::Xiaomi].hosts();
    for host in [
        "fr.api.xmpush.global.xiaomi.com",
        "ru.api.xmpush.global.xiaomi.com",
        "idmb.api.xmpush.global.xiaomi.com",
        "sandbox.xmpush.xiaomi.com",
    ] {
        assert!(hosts.contains(&host), "{host}");
    }
}
