//! Device side of HMS Push: registration (HMS Core must be recent enough),
//! the push tokens it hands out, intent URIs with extras, and what EMUI's
//! push service shows and opens for an accepted notification.

use serde_json::Value;

use super::validate::{Click, Notification};
use super::MIN_HMS_CORE_VERSION;
use crate::android::ExtraValue;
use crate::diagnosis::Diagnosis;
use crate::push::common::random_string;
use crate::push::VendorId;
use crate::services::journal::MessageId;
use crate::wire::protocol::{
    ClickRoute, DeviceInfo, DisplayInstruction, Extra, NotificationSpec, Poster, RegisterError,
    Requirement,
};

/// A push token in HMS shape: a long string of letters, digits and
/// `-`/`_` that starts with a digit (HMS tokens are about 130–160
/// characters; the exact alphabet is UNCONFIRMED).
pub fn new_push_token() -> String {
    const DIGITS: &[u8] = b"0123456789";
    const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    format!(
        "{}{}",
        random_string(1, DIGITS),
        random_string(135, URLSAFE)
    )
}

/// `HmsInstanceId.getToken` needs HMS Core 20401300 or later. Below that
/// (or without HMS Core) the HMS SDK's availability check fails:
/// `HuaweiApiAvailability.isHuaweiMobileServicesAvailable` answers
/// `SERVICE_VERSION_UPDATE_REQUIRED` (2) for an outdated HMS Core and
/// `SERVICE_MISSING` (1) when it is absent. These are the codes of the
/// availability API, which mirror Google's ConnectionResult; which code
/// `getToken` itself surfaces in that state is UNCONFIRMED.
pub(super) fn register(device: &DeviceInfo) -> Result<String, RegisterError> {
    match device.hms_core_version {
        Some(v) if v >= MIN_HMS_CORE_VERSION => Ok(new_push_token()),
        Some(v) => Err(RegisterError {
            vendor: VendorId::Huawei,
            code: "2".into(),
            message: format!(
                "SERVICE_VERSION_UPDATE_REQUIRED: HMS Core {v} is older than {MIN_HMS_CORE_VERSION}"
            ),
            diagnosis: Diagnosis::HuaweiHmsTooOld,
        }),
        None => Err(RegisterError {
            vendor: VendorId::Huawei,
            code: "1".into(),
            message: format!(
                "SERVICE_MISSING: HMS Core is not installed on {} {} ({})",
                device.brand,
                device.model,
                device.rom.display_name()
            ),
            diagnosis: Diagnosis::HuaweiHmsMissing,
        }),
    }
}

/// `Uri.encode`: keeps `A-Z a-z 0-9 _ - ! . ~ ' ( ) *`, percent-encodes the
/// rest as UTF-8 with upper-case hex.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_-!.~'()*".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The intent URI with string extras added, as `intent.putExtra(k, v)`
/// before `toUri(URI_INTENT_SCHEME)` writes them: `S.<key>=<value>;` after
/// the other items, before a selector and `end`. A plain URI
/// (`pushscheme://host/p`) becomes the `intent:` form of a VIEW intent with
/// that data.
pub fn add_intent_extras(uri: &str, extras: &[(String, String)]) -> String {
    if extras.is_empty() {
        return uri.to_string();
    }
    let items: String = extras
        .iter()
        .map(|(k, v)| format!("S.{}={};", uri_encode(k), uri_encode(v)))
        .collect();
    // Only an `intent:` URI has items: `parseUri` reads anything else as
    // the data of a VIEW intent, fragment included.
    if let Some(frag) = uri.rfind("#Intent;").filter(|_| uri.starts_with("intent:")) {
        let tail = &uri[frag..];
        let at = tail
            .find("SEL;")
            .or_else(|| tail.rfind("end").filter(|&i| i >= "#Intent;".len()))
            .map(|i| frag + i);
        return match at {
            Some(i) => format!("{}{}{}", &uri[..i], items, &uri[i..]),
            None => format!("{uri}{items}end"),
        };
    }
    if let Some(rest) = uri.strip_prefix("intent:") {
        return format!("intent:{rest}#Intent;{items}end");
    }
    // A scheme: letters, digits, `+ . -`, then `:` at a position > 0.
    let scheme_end = uri.find(':').filter(|&i| {
        i > 0
            && uri[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    });
    match scheme_end {
        Some(i) => format!(
            "intent:{}#Intent;scheme={};{items}end",
            &uri[i + 1..],
            uri_encode(&uri[..i])
        ),
        None => format!("intent:{uri}#Intent;{items}end"),
    }
}

/// The key/value pairs an ext stands for: the members of a JSON object
/// (strings as they are, other values as JSON text), or the whole ext under
/// `ext` when it is not a JSON object.
pub(super) fn ext_pairs(ext: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<Value>(ext) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        _ => vec![("ext".to_string(), ext.to_string())],
    }
}

/// The extras the notification's `data` becomes on the tap intent: the whole
/// data under `ext` (what Tencent's guide reads, `getString("ext")`) and,
/// for a JSON object, each member under its own key (as Huawei's guide
/// iterates the extras). All of them only where the device hands
/// notification data over.
fn data_extras(data: &str) -> Vec<Extra> {
    let mut extras = vec![Extra {
        key: "ext".into(),
        value: ExtraValue::String(data.to_string()),
        requires: Some(Requirement::HuaweiPassthrough),
    }];
    if let Ok(Value::Object(_)) = serde_json::from_str::<Value>(data) {
        for (k, v) in ext_pairs(data) {
            if k != "ext" {
                extras.push(Extra {
                    key: k,
                    value: ExtraValue::String(v),
                    requires: Some(Requirement::HuaweiPassthrough),
                });
            }
        }
    }
    extras
}

pub(super) fn instruction(
    message_id: &MessageId,
    package: &str,
    token: &str,
    n: &Notification,
    data: Option<&str>,
) -> DisplayInstruction {
    let click = match &n.click {
        Click::Intent(uri) => ClickRoute::IntentUri { uri: uri.clone() },
        Click::Action(action) => ClickRoute::Action {
            action: action.clone(),
        },
        Click::Url(url) => ClickRoute::Url { url: url.clone() },
        Click::App => ClickRoute::Launcher,
    };
    // Data does not travel with a URL click: the browser opens, not the app.
    let extras = match (&n.click, data) {
        (Click::Url(_), _) | (_, None) => vec![],
        (_, Some(d)) => data_extras(d),
    };
    DisplayInstruction {
        message_id: message_id.clone(),
        vendor: VendorId::Huawei,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: n.title.clone(),
            text: n.body.clone(),
            channel_id: n.channel_id.clone(),
            notify_id: n.notify_id,
            badge_class: n.badge_class.clone(),
            badge_add_num: n.badge_add_num,
            badge_set_num: n.badge_set_num,
        },
        poster: Poster::SystemService,
        click,
        extras,
        callbacks: vec![],
        ext: data.map(str::to_string),
    }
}

#[cfg(test)]
mod requirement_tests {
    use super::*;

    fn with_hms(v: Option<u64>) -> Result<String, RegisterError> {
        register(&DeviceInfo {
            hms_core_version: v,
            ..DeviceInfo::default()
        })
    }

    #[test]
    fn hms_core_must_be_installed_and_at_least_20401300() {
        assert!(with_hms(Some(MIN_HMS_CORE_VERSION)).is_ok());
        assert!(with_hms(Some(60_800_312)).is_ok());
        let old = with_hms(Some(MIN_HMS_CORE_VERSION - 1)).unwrap_err();
        assert_eq!(
            (old.code.as_str(), old.diagnosis),
            ("2", Diagnosis::HuaweiHmsTooOld)
        );
        let missing = with_hms(None).unwrap_err();
        assert_eq!(
            (missing.code.as_str(), missing.diagnosis),
            ("1", Diagnosis::HuaweiHmsMissing)
        );
    }
}
