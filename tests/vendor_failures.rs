//! One diagnosis for the same failure in all six vendor clients: a request
//! that gets no answer is `delivery.timeout` with vendor code `transport`;
//! an HTTP 5xx that is not the vendor's flow control is `delivery.timeout`
//! with vendor code `http_<status>`; real flow control (Huawei's 503 that
//! says so, FCM's 429) is `vendor.rate_limited`.

use pushlab::diagnosis::Diagnosis;
use pushlab::push::{fcm, huawei, meizu, xiaomi, Rejection};

mod vendor_support;

fn diagnosis(r: Result<String, Rejection>) -> (Diagnosis, String) {
    let e = r.expect_err("a refusal");
    (e.code, e.vendor_code)
}

fn timeout(status: u16) -> (Diagnosis, String) {
    (Diagnosis::DeliveryTimeout, format!("http_{status}"))
}

#[test]
fn server_errors_are_delivery_timeouts_in_every_client() {
    for status in [500u16, 502, 503, 504] {
        assert_eq!(
            diagnosis(xiaomi::interpret_response(status, b"Server Error")),
            timeout(status),
            "xiaomi {status}"
        );
        assert_eq!(
            diagnosis(huawei::interpret_send_response(status, b"Server Error")),
            timeout(status),
            "huawei {status}"
        );
        assert_eq!(
            diagnosis(meizu::interpret_response(status, "Server Error", "t")),
            timeout(status),
            "meizu {status}"
        );
        let google = format!(
            r#"{{"error":{{"code":{status},"message":"Internal error.","status":"INTERNAL"}}}}"#
        );
        assert_eq!(
            diagnosis(fcm::interpret_response(status, &google)),
            timeout(status),
            "fcm {status}"
        );
    }
}

#[test]
fn only_real_flow_control_is_rate_limited() {
    let hms = br#"{"code":"503","msg":"Traffic control","requestId":"r"}"#;
    assert_eq!(
        diagnosis(huawei::interpret_send_response(503, hms)).0,
        Diagnosis::VendorRateLimited
    );
    let google = r#"{"error":{"code":429,"message":"Quota exceeded.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"QUOTA_EXCEEDED"}]}}"#;
    assert_eq!(
        diagnosis(fcm::interpret_response(429, google)).0,
        Diagnosis::VendorRateLimited
    );
}

mod transport {
    use super::vendor_support::services;
    use super::*;
    use pushlab::push::{
        oppo, vivo, AndroidInfo, Certificate, ClickAction, Credentials, Push, VendorId,
    };
    use pushlab::services::clock::Timestamp;
    use pushlab::services::journal::MessageId;

    fn push(credentials: Credentials) -> Push {
        Push {
            message_id: MessageId::from("m-1"),
            certificate: Certificate {
                id: 1,
                package: "com.example.app".into(),
                credentials,
                click: ClickAction::OpenApp,
                channel_id: None,
                badge_class: None,
                saved_at: Timestamp(0),
                delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
            },
            token: "token".into(),
            title: "t".into(),
            desc: "d".into(),
            ext: None,
            android: AndroidInfo::default(),
        }
    }

    /// A loopback address where nothing listens.
    async fn closed_base() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn an_unanswered_request_is_a_delivery_timeout_in_every_client() {
        let services = services();
        let (a, k, s) = ("1", "key", "secret");
        let pushes = [
            push(Credentials::Xiaomi(xiaomi::Credentials {
                app_id: a.into(),
                app_key: k.into(),
                app_secret: s.into(),
            })),
            push(Credentials::Huawei(huawei::Credentials {
                app_id: a.into(),
                client_secret: s.into(),
            })),
            push(Credentials::Oppo(oppo::Credentials {
                app_id: a.into(),
                app_key: k.into(),
                app_secret: s.into(),
                master_secret: s.into(),
            })),
            push(Credentials::Vivo(vivo::Credentials {
                app_id: a.into(),
                app_key: k.into(),
                app_secret: s.into(),
            })),
            push(Credentials::Meizu(meizu::Credentials {
                app_id: a.into(),
                app_key: k.into(),
                app_secret: s.into(),
            })),
        ];
        let base = closed_base().await;
        let http = reqwest::Client::new();
        for (vendor, p) in pushlab::push::all(&services).iter().zip(pushes) {
            assert_eq!(vendor.id(), p.certificate.vendor());
            assert_ne!(vendor.id(), VendorId::Fcm);
            let e = vendor
                .send(&http, &base, &p)
                .await
                .result
                .expect_err("nothing listens");
            assert_eq!(
                (e.code, e.vendor_code.as_str()),
                (Diagnosis::DeliveryTimeout, "transport"),
                "{}",
                vendor.id()
            );
        }
    }
}
