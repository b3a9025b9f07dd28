//! The offline-push decision table: every combination docs/vendors/tim.md#when-an-offline-push-is-sent describes
//! yields a push or the right diagnosis code.

use pushlab::diagnosis::Diagnosis;
use pushlab::im::decision::{decide, Decision, RecipientState, DEFAULT_TITLE};
use pushlab::im::model::SendMsg;
use pushlab::push::{xiaomi, Certificate, ClickAction, Credentials};
use pushlab::services::clock::Timestamp;
use serde_json::json;

const SAVED: Timestamp = Timestamp(1_000_000);
const CERT_ID: u64 = 10_001;

fn cert() -> Certificate {
    Certificate {
        id: CERT_ID,
        package: "com.example.im".into(),
        credentials: Credentials::Xiaomi(xiaomi::Credentials {
            app_id: "2882303761517".into(),
            app_key: "5601759".into(),
            app_secret: "secret==".into(),
        }),
        click: ClickAction::OpenApp,
        channel_id: None,
        badge_class: None,
        saved_at: SAVED,
        delay_secs: pushlab::push::CERTIFICATE_DELAY_SECS,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Body {
    Text,
    CustomWithoutDesc,
    CustomWithPushDesc,
    CustomWithElemDesc,
}

fn msg(body: Body, push_flag: i64, title: Option<&str>) -> SendMsg {
    let elem = match body {
        Body::Text => json!({"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello"}}),
        Body::CustomWithElemDesc => {
            json!({"MsgType": "TIMCustomElem", "MsgContent": {"Data": "x", "Desc": "elem desc"}})
        }
        _ => json!({"MsgType": "TIMCustomElem", "MsgContent": {"Data": "x"}}),
    };
    let mut opi = json!({"PushFlag": push_flag});
    if body == Body::CustomWithPushDesc {
        opi["Desc"] = json!("push desc");
    }
    if let Some(t) = title {
        opi["Title"] = json!(t);
    }
    let req = json!({"From_Account": "denny", "To_Account": "vinson", "MsgRandom": 7,
        "MsgBody": [elem], "OfflinePushInfo": opi});
    SendMsg::parse(req.to_string().as_bytes(), "admin").unwrap()
}

fn offline() -> RecipientState {
    RecipientState::Offline {
        token: Some((CERT_ID, "regid-1".into())),
    }
}

fn effective_now() -> Timestamp {
    Timestamp(SAVED.0 + 600_000)
}

fn code(d: Decision) -> Option<Diagnosis> {
    match d {
        Decision::NotPushed { code, .. } => Some(code),
        Decision::Online => Some(Diagnosis::ImOnline),
        Decision::Push(_) => None,
    }
}

#[test]
fn a_killed_app_with_a_reported_token_gets_the_push() {
    let d = decide(
        &offline(),
        &msg(Body::Text, 0, Some("Denny")),
        Some(&cert()),
        effective_now(),
    );
    let Decision::Push(plan) = d else {
        panic!("expected a push, got {d:?}")
    };
    assert_eq!(plan.title, "Denny");
    assert_eq!(plan.desc, "hello");
    assert_eq!(plan.token, "regid-1");
}

#[test]
fn the_default_title_is_a_new_message() {
    let d = decide(
        &offline(),
        &msg(Body::Text, 0, None),
        Some(&cert()),
        effective_now(),
    );
    let Decision::Push(plan) = d else {
        panic!("{d:?}")
    };
    assert_eq!(plan.title, DEFAULT_TITLE);
    assert_eq!(plan.title, "a new message");
}

/// name, recipient, message, certificate, now, expected code (None: push).
type Row<'a> = (
    &'static str,
    RecipientState,
    SendMsg,
    Option<&'a Certificate>,
    Timestamp,
    Option<Diagnosis>,
);

#[test]
fn each_broken_link_has_its_code() {
    let now = effective_now();
    let c = cert();
    let rows: Vec<Row> = vec![
        (
            "logged out",
            RecipientState::LoggedOut,
            msg(Body::Text, 0, None),
            Some(&c),
            now,
            Some(Diagnosis::ImLoggedOut),
        ),
        (
            "kicked",
            RecipientState::Kicked,
            msg(Body::Text, 0, None),
            Some(&c),
            now,
            Some(Diagnosis::ImKicked),
        ),
        (
            "app alive",
            RecipientState::Online,
            msg(Body::Text, 0, None),
            Some(&c),
            now,
            Some(Diagnosis::ImOnline),
        ),
        (
            "push flag 1",
            offline(),
            msg(Body::Text, 1, None),
            Some(&c),
            now,
            Some(Diagnosis::ImPushDisabled),
        ),
        (
            "custom without desc",
            offline(),
            msg(Body::CustomWithoutDesc, 0, None),
            Some(&c),
            now,
            Some(Diagnosis::ImCustomWithoutDesc),
        ),
        (
            "custom with push desc",
            offline(),
            msg(Body::CustomWithPushDesc, 0, None),
            Some(&c),
            now,
            None,
        ),
        (
            "custom with element desc",
            offline(),
            msg(Body::CustomWithElemDesc, 0, None),
            Some(&c),
            now,
            None,
        ),
        (
            "no token",
            RecipientState::Offline { token: None },
            msg(Body::Text, 0, None),
            Some(&c),
            now,
            Some(Diagnosis::ImNoToken),
        ),
        (
            "unknown certificate",
            offline(),
            msg(Body::Text, 0, None),
            None,
            now,
            Some(Diagnosis::ImCertificateUnknown),
        ),
        (
            "certificate just saved",
            offline(),
            msg(Body::Text, 0, None),
            Some(&c),
            SAVED,
            Some(Diagnosis::ImCertificateNotEffective),
        ),
        (
            "certificate 9m59s old",
            offline(),
            msg(Body::Text, 0, None),
            Some(&c),
            Timestamp(SAVED.0 + 599_999),
            Some(Diagnosis::ImCertificateNotEffective),
        ),
        (
            "certificate 10m old",
            offline(),
            msg(Body::Text, 0, None),
            Some(&c),
            now,
            None,
        ),
    ];
    for (name, state, m, cert, at, want) in rows {
        assert_eq!(code(decide(&state, &m, cert, at)), want, "{name}");
    }
}

/// Every combination: a push happens exactly when every condition holds, and
/// otherwise the code names the first broken link in the chain's order.
#[test]
fn every_combination_matches_the_rules() {
    let c = cert();
    let states = [
        RecipientState::LoggedOut,
        RecipientState::Kicked,
        RecipientState::Online,
        RecipientState::Offline { token: None },
        offline(),
    ];
    let bodies = [
        Body::Text,
        Body::CustomWithoutDesc,
        Body::CustomWithPushDesc,
        Body::CustomWithElemDesc,
    ];
    let mut pushes = 0;
    for state in &states {
        for body in bodies {
            for flag in [0, 1] {
                for cert in [None, Some(&c)] {
                    for at in [SAVED, effective_now()] {
                        let got = code(decide(state, &msg(body, flag, None), cert, at));
                        let mut broken = vec![];
                        match state {
                            RecipientState::LoggedOut => broken.push(Diagnosis::ImLoggedOut),
                            RecipientState::Kicked => broken.push(Diagnosis::ImKicked),
                            RecipientState::Online => broken.push(Diagnosis::ImOnline),
                            _ => {}
                        }
                        if flag == 1 {
                            broken.push(Diagnosis::ImPushDisabled);
                        }
                        if body == Body::CustomWithoutDesc {
                            broken.push(Diagnosis::ImCustomWithoutDesc);
                        }
                        let has_token = matches!(state, RecipientState::Offline { token: Some(_) });
                        if !has_token {
                            broken.push(Diagnosis::ImNoToken);
                        }
                        if cert.is_none() {
                            broken.push(Diagnosis::ImCertificateUnknown);
                        } else if at < effective_now() {
                            broken.push(Diagnosis::ImCertificateNotEffective);
                        }
                        assert_eq!(
                            got,
                            broken.first().copied(),
                            "{state:?} {body:?} flag={flag} cert={} at={at:?}",
                            cert.is_some()
                        );
                        if got.is_none() {
                            pushes += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(
        pushes, 3,
        "text, custom with push desc, custom with element desc"
    );
}
