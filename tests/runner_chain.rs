//! The runner's judgement without a device: the first broken link of a
//! message's chain (journal records built by hand), the retry policy
//! (infrastructure failures only), `--device` parsing, and the `sendmsg`
//! body the runner posts.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use pushlab::diagnosis::Diagnosis;
use pushlab::im::model::{MsgElem, SendMsg};
use pushlab::push::VendorId;
use pushlab::report::Failure;
use pushlab::runner::chain::{first_broken_link, render, summary, Stage};
use pushlab::runner::{same_ext, sendmsg_body, with_retries, CaseError, DeviceSpec, RetryPolicy};
use pushlab::scenario::{expand, parse_str};
use pushlab::services::clock::{Clock, Timestamp};
use pushlab::services::journal::{Event, Journal, MessageId, Record};
use pushlab::wire::protocol::{DeviceEventKind, DeviceRecord, Reporter};

/// A journal that a message travels through, record by record.
struct Story {
    journal: Journal,
    id: MessageId,
}

impl Story {
    fn new() -> Story {
        Story {
            journal: Journal::new(Clock::virtual_at(Timestamp(1_795_314_600_000))),
            id: MessageId::from("msg-1"),
        }
    }

    fn im(&self, e: Event) -> &Self {
        self.journal.append(Some(&self.id), Some("bob"), e);
        self
    }

    fn device(&self, kind: DeviceEventKind) -> &Self {
        self.journal.append(
            Some(&self.id),
            None,
            Event::Device(DeviceRecord {
                device: "emulator-5554".into(),
                reporter: Reporter::PushService,
                kind,
            }),
        );
        self
    }

    fn refusal(&self, code: Diagnosis, vendor_code: &str) -> &Self {
        self.journal.append(
            None,
            None,
            Event::RegistrationRefused {
                device: "emulator-5554".into(),
                vendor: VendorId::Vivo,
                package: "com.pushlab.demo".into(),
                vendor_code: vendor_code.into(),
                message: "this model does not support push".into(),
                code,
            },
        );
        self
    }

    fn records(&self) -> Vec<Arc<Record>> {
        self.journal.all()
    }
}

fn sent() -> Event {
    Event::MessageSent {
        from: "alice".into(),
        to: "bob".into(),
        elements: vec!["TIMTextElem".into()],
        msg_key: "k".into(),
    }
}

fn decided() -> Event {
    Event::PushDecided {
        vendor: VendorId::Xiaomi,
        certificate_id: 10001,
        token: "tok".into(),
        title: "Alice".into(),
        desc: "hello".into(),
    }
}

fn split(records: &[Arc<Record>]) -> (Vec<&Record>, Vec<&Record>) {
    let chain = records
        .iter()
        .map(|r| &**r)
        .filter(|r| r.message_id.is_some())
        .collect();
    let regs = records
        .iter()
        .map(|r| &**r)
        .filter(|r| r.message_id.is_none())
        .collect();
    (chain, regs)
}

#[test]
fn a_vendor_refusal_is_the_first_broken_link() {
    let s = Story::new();
    s.im(sent()).im(decided()).im(Event::PushRejected {
        vendor: VendorId::Xiaomi,
        code: Diagnosis::VendorRateLimited,
        vendor_code: "10027".into(),
        message: "too frequent".into(),
    });
    let records = s.records();
    let (chain, regs) = split(&records);
    let f = first_broken_link(&chain, &regs, Some(Stage::Device)).unwrap();
    assert_eq!(f.diagnosis, Diagnosis::VendorRateLimited);
    assert_eq!(f.stage, Stage::Vendor);
    assert_eq!(f.seq, Some(3));
    assert_eq!(
        summary(&chain, Some(&f)),
        "IM ✓ → vendor ✗ (vendor.rate_limited)"
    );
    assert!(f.advice().contains("frequency control"));
}

#[test]
fn a_registration_refusal_explains_a_missing_token() {
    let s = Story::new();
    s.refusal(Diagnosis::VivoUnsupportedDevice, "101");
    s.im(sent()).im(Event::NotPushed {
        code: Diagnosis::ImNoToken,
        detail: "no push token".into(),
    });
    let records = s.records();
    let (chain, regs) = split(&records);
    let f = first_broken_link(&chain, &regs, None).unwrap();
    assert_eq!(f.diagnosis, Diagnosis::VivoUnsupportedDevice);
    assert_eq!(f.explains, Some(Diagnosis::ImNoToken));
    assert_eq!(f.stage, Stage::Gateway);
    assert_eq!(
        f.to_string(),
        "vivo.unsupported_device at gateway (why the IM server reported im.no_token)"
    );
    // Without a refusal, the IM server's own code stands.
    let f = first_broken_link(&chain, &[], None).unwrap();
    assert_eq!(f.diagnosis, Diagnosis::ImNoToken);
    assert_eq!(f.explains, None);
}

#[test]
fn a_refusal_does_not_explain_other_failures() {
    let s = Story::new();
    s.refusal(Diagnosis::HuaweiHmsTooOld, "907135000");
    s.im(sent()).im(Event::NotPushed {
        code: Diagnosis::ImLoggedOut,
        detail: "logged out".into(),
    });
    let records = s.records();
    let (chain, regs) = split(&records);
    let f = first_broken_link(&chain, &regs, None).unwrap();
    assert_eq!(f.diagnosis, Diagnosis::ImLoggedOut);
}

#[test]
fn the_device_dropping_it_is_found_after_a_healthy_start() {
    let s = Story::new();
    s.im(sent())
        .im(decided())
        .im(Event::PushAccepted {
            vendor: VendorId::Xiaomi,
            vendor_message_id: "scm01".into(),
        })
        .im(Event::InstructionDelivered {
            device: "emulator-5554".into(),
        })
        .device(DeviceEventKind::Received)
        .device(DeviceEventKind::Dropped {
            code: Diagnosis::DeviceChannelMissing,
            detail: "No Channel found for pkg=com.pushlab.demo, channelId=im".into(),
        });
    let records = s.records();
    let (chain, regs) = split(&records);
    let f = first_broken_link(&chain, &regs, Some(Stage::Device)).unwrap();
    assert_eq!(f.diagnosis, Diagnosis::DeviceChannelMissing);
    assert_eq!(f.stage, Stage::Device);
    assert_eq!(
        summary(&chain, Some(&f)),
        "IM ✓ → vendor ✓ → gateway ✓ → device ✗ (device.channel_missing)"
    );
    let lines = render(&chain);
    assert_eq!(lines.len(), 6);
    assert!(
        lines[0].starts_with("#1    IM       message_sent"),
        "{}",
        lines[0]
    );
    assert!(lines[5].contains("dropped"), "{}", lines[5]);
}

#[test]
fn a_chain_that_stops_short_is_a_timeout_at_the_missing_stage() {
    let s = Story::new();
    s.im(sent())
        .im(decided())
        .im(Event::PushAccepted {
            vendor: VendorId::Xiaomi,
            vendor_message_id: "scm01".into(),
        })
        .im(Event::InstructionDelivered {
            device: "emulator-5554".into(),
        })
        .device(DeviceEventKind::Posted {
            title: "Alice".into(),
            text: "hello".into(),
            channel_id: Some("im".into()),
            key: None,
        })
        .device(DeviceEventKind::Clicked);
    let records = s.records();
    let (chain, regs) = split(&records);
    // Everything up to the tap happened; the activity never started.
    let f = first_broken_link(&chain, &regs, Some(Stage::Activity)).unwrap();
    assert_eq!(f.diagnosis, Diagnosis::DeliveryTimeout);
    assert_eq!(f.stage, Stage::Activity);
    assert_eq!(
        summary(&chain, Some(&f)),
        "IM ✓ → vendor ✓ → gateway ✓ → device ✓ → tap ✓ → activity ✗ (delivery.timeout)"
    );
    // Nothing is broken up to the shade.
    assert_eq!(first_broken_link(&chain, &regs, Some(Stage::Device)), None);
    assert_eq!(first_broken_link(&chain, &regs, None), None);
}

#[test]
fn an_online_recipient_is_diagnosed_as_online() {
    let s = Story::new();
    s.im(sent()).im(Event::DeliveredOnline {
        device: "emulator-5554".into(),
    });
    let records = s.records();
    let (chain, regs) = split(&records);
    let f = first_broken_link(&chain, &regs, Some(Stage::Device)).unwrap();
    assert_eq!(f.diagnosis, Diagnosis::ImOnline);
    assert_eq!(f.stage, Stage::Im);
}

// ---- retries ----

fn assertion() -> CaseError {
    CaseError::Assertion(Box::new(Failure {
        step: Some(4),
        step_name: Some("expect_notification".into()),
        message: "no notification within 10s".into(),
        diagnosis: None,
        advice: None,
        chain: vec![],
    }))
}

#[tokio::test]
async fn infrastructure_failures_are_retried_and_assertions_never() {
    let policy = RetryPolicy { retries: 2 };
    // The device drops twice, then the case passes on the third attempt.
    let calls = AtomicU32::new(0);
    let (r, attempts) = with_retries(policy, |n| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if n < 3 {
                Err(CaseError::Infrastructure("device lost".into()))
            } else {
                Ok(())
            }
        }
    })
    .await;
    assert_eq!((r, attempts), (Ok(()), 3));
    // An assertion failure is final at once.
    let (r, attempts) = with_retries(policy, |_| async { Err(assertion()) }).await;
    assert_eq!(attempts, 1);
    assert_eq!(r, Err(assertion()));
    // Retries run out.
    let (r, attempts) = with_retries(policy, |_| async {
        Err(CaseError::Infrastructure("x".into()))
    })
    .await;
    assert_eq!(attempts, 3);
    assert!(matches!(r, Err(CaseError::Infrastructure(_))));
    assert!(!RetryPolicy { retries: 0 }.should_retry(&CaseError::Infrastructure("x".into()), 1));
}

// ---- --device ----

#[test]
fn device_arguments() {
    assert_eq!(
        "sim".parse::<DeviceSpec>(),
        Ok(DeviceSpec::Sim { profile: None })
    );
    assert_eq!(
        "sim:emui-hms-old".parse::<DeviceSpec>(),
        Ok(DeviceSpec::Sim {
            profile: Some("emui-hms-old".into())
        })
    );
    assert!("sim:nokia"
        .parse::<DeviceSpec>()
        .unwrap_err()
        .contains("allowed"));
    assert!(matches!(
        "tcp:127.0.0.1:5555".parse::<DeviceSpec>(),
        Ok(DeviceSpec::Target(pushlab::device::Target::Tcp { .. }))
    ));
    assert!(matches!(
        "adb:emulator-5554".parse::<DeviceSpec>(),
        Ok(DeviceSpec::Target(pushlab::device::Target::AdbServer { serial: Some(s), .. })) if s == "emulator-5554"
    ));
    assert!("usb".parse::<DeviceSpec>().is_err());
}

// ---- what the runner sends ----

#[test]
fn the_sendmsg_body_is_what_the_im_server_reads() {
    let text = r#"
vendor: oppo
certificate:
  credentials: {app_key: k, master_secret: m}
  channel_id: im
cases:
  - name: a
    steps:
      - send:
          custom: {data: '{"type":"order"}', desc: You have a new order}
          offline_push: {title: Shop, desc: New order, ext: '{"a":1}', android_info: {OPPOChannelID: orders}}
"#;
    let s = parse_str("o.yaml", text).unwrap();
    let run = &expand(&s)[0];
    let pushlab::scenario::Step::Send(args) = &run.steps[0] else {
        panic!("a send step")
    };
    let body = sendmsg_body(run, args, 42);
    let msg = SendMsg::parse(body.to_string().as_bytes(), "administrator").unwrap();
    assert_eq!(msg.from, "alice");
    assert_eq!(msg.to, "bob");
    assert_eq!(msg.msg_random, 42);
    assert!(matches!(&msg.body[0], MsgElem::Custom { desc, .. } if desc == "You have a new order"));
    assert_eq!(msg.offline_push.title.as_deref(), Some("Shop"));
    assert_eq!(msg.offline_push.ext.as_deref(), Some(r#"{"a":1}"#));
    assert_eq!(
        msg.offline_push.android.oppo_channel_id.as_deref(),
        Some("orders")
    );
}

#[test]
fn ext_values_compare_as_json_when_they_are_json() {
    assert!(same_ext(r#"{"b":2,"a":1}"#, r#"{"a": 1, "b": 2}"#));
    assert!(!same_ext(r#"{"a":1}"#, r#"{"a":"1"}"#));
    assert!(same_ext("plain", "plain"));
    assert!(!same_ext("plain", "other"));
}
