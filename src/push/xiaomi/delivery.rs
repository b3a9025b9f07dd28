//! Device side of Mi Push: the regIds the SDK hands out, and what MIUI's
//! push service shows and does for an accepted notification (the click
//! route by `notify_effect`, the `MiPushMessage` the app reads).

use serde_json::{json, Map, Value};

use super::request::{Form, Message};
use super::ACTION_RECEIVE_MESSAGE;
use crate::diagnosis::Diagnosis;
use crate::push::common::random_string;
use crate::push::VendorId;
use crate::services::journal::MessageId;
use crate::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Extra,
    NotificationSpec, Poster, RegisterError, Rom,
};

/// Mi Push registration on `device`. Mi Push is a system service of MIUI
/// (and HyperOS); the IM channel supports it there only (seed 000's
/// requirements table). Elsewhere the SDK would keep its own connection in
/// the app's process, which dies with the app, so no offline push could
/// arrive: the registration is refused. The SDK's `onReceiveRegisterResult`
/// code for it is pushlab's choice (UNCONFIRMED).
pub(super) fn register(device: &DeviceInfo) -> Result<String, RegisterError> {
    if !matches!(device.rom, Rom::Miui | Rom::Hyperos) {
        return Err(RegisterError {
            vendor: VendorId::Xiaomi,
            code: "ERROR_SERVICE_UNAVAILABLE".into(),
            message: format!(
                "Mi Push needs MIUI or HyperOS; {} {} runs {}",
                device.brand,
                device.model,
                device.rom.display_name()
            ),
            diagnosis: Diagnosis::XiaomiUnsupportedDevice,
        });
    }
    Ok(new_reg_id())
}

/// A regId in Mi's shape: 64 characters of standard base64 (with `+` and
/// `/`), as `onReceiveRegisterResult` hands them out (observed lengths vary
/// between SDK versions; UNCONFIRMED).
pub fn new_reg_id() -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    random_string(64, B64)
}

/// The `MiPushMessage` the SDK hands to the app, as the JSON string the
/// device side carries under `key_message`: the app reads `extra.ext`.
fn mi_push_message(msg_id: &str, m: &Message, form: &Form) -> String {
    let extra: Map<String, Value> = form
        .extras
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "messageId": msg_id,
        "messageType": 0,
        "content": m.payload.clone().unwrap_or_default(),
        "alias": "",
        "topic": "",
        "userAccount": "",
        "passThrough": 0,
        "notifyType": m.notify_type,
        "notifyId": m.notify_id.unwrap_or(0),
        "isNotified": true,
        "description": m.description,
        "title": m.title,
        "category": Value::Null,
        "extra": extra,
    })
    .to_string()
}

/// `PushMessageHelper.KEY_MESSAGE`: the extra that carries the
/// `MiPushMessage` to the opened activity and the SDK receiver.
pub const KEY_MESSAGE: &str = "key_message";

/// The device-side instruction for one accepted notification to one regId.
pub(super) fn instruction(
    message_id: &MessageId,
    vendor_message_id: &str,
    package: &str,
    token: &str,
    m: &Message,
    form: &Form,
) -> DisplayInstruction {
    let mi_message = mi_push_message(vendor_message_id, m, form);
    let (click, extras, callbacks) = match form.extra("notify_effect") {
        Some("2") => {
            // Validation guarantees an intent URI.
            let click = ClickRoute::IntentUri {
                uri: form.extra("intent_uri").unwrap_or_default().to_string(),
            };
            (click, vec![Extra::string(KEY_MESSAGE, mi_message)], vec![])
        }
        Some("3") => (
            ClickRoute::Url {
                url: form.extra("web_uri").unwrap_or_default().to_string(),
            },
            vec![],
            vec![],
        ),
        // Open app: launcher, plus `onNotificationMessageClicked`. MIUI's
        // push service reaches force-stopped apps.
        _ => (
            ClickRoute::Launcher,
            vec![],
            vec![CallbackBroadcast {
                action: ACTION_RECEIVE_MESSAGE.into(),
                component: None,
                on: CallbackTrigger::Clicked,
                extras: vec![Extra::string(KEY_MESSAGE, mi_message)],
                include_stopped_packages: true,
            }],
        ),
    };
    DisplayInstruction {
        message_id: message_id.clone(),
        vendor: VendorId::Xiaomi,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: m.title.clone(),
            text: m.description.clone(),
            channel_id: form.extra("channel_id").map(str::to_string),
            notify_id: m.notify_id,
            badge_class: None,
            badge_add_num: None,
            badge_set_num: None,
        },
        poster: Poster::SystemService,
        click,
        extras,
        callbacks,
        ext: form.extra("ext").map(str::to_string),
    }
}

#[cfg(test)]
mod requirement_tests {
    use super::*;

    #[test]
    fn mi_push_registers_on_miui_and_hyperos_only() {
        for rom in Rom::ALL {
            let device = DeviceInfo {
                rom,
                ..DeviceInfo::default()
            };
            match (rom, register(&device)) {
                (Rom::Miui | Rom::Hyperos, Ok(id)) => assert_eq!(id.len(), 64),
                (Rom::Miui | Rom::Hyperos, Err(e)) => panic!("{rom}: {e:?}"),
                (_, Ok(id)) => panic!("{rom} registered as {id}"),
                (_, Err(e)) => {
                    assert_eq!(e.diagnosis, Diagnosis::XiaomiUnsupportedDevice, "{rom}");
                    assert!(e.message.contains(rom.display_name()), "{}", e.message);
                }
            }
        }
    }
}
