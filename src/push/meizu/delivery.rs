//! Device side of Meizu push: registration (Flyme only), the pushIds it
//! hands out, and what the Flyme push service shows and sends for an
//! accepted notification (the click route, the tap broadcast the SDK turns
//! into `onNotificationClicked`).

use serde_json::{Map, Value};

use super::request::{Click, Notice};
use super::{MESSAGE_ACTION, NOTIFICATION_CHANNEL};
use crate::diagnosis::Diagnosis;
use crate::push::common::{random_string, HEX};
use crate::push::VendorId;
use crate::services::journal::MessageId;
use crate::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Extra,
    NotificationSpec, Poster, RegisterError, Rom,
};

/// A plausible Meizu pushId: three characters of prefix then 42 lower-case
/// hex digits, 45 in all, like the doc's `RA50c6348036344485d0177677…` and
/// `J0476035d625e6c64567f7148…`.
fn new_push_id() -> String {
    let prefix = random_string(1, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        + &random_string(2, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    prefix + &random_string(42, HEX)
}

/// Whether a string has the shape of a pushId (else `110003`). Meizu does
/// not publish the grammar; this accepts any 20–64 ASCII letters and digits.
pub(super) fn is_push_id_shaped(s: &str) -> bool {
    (20..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Meizu push needs Flyme: the SDK's `PushManager.register` talks to the
/// Flyme system push service, and the TIM guide lists Flyme as the
/// system requirement. So only devices whose brand or manufacturer is
/// Meizu get a pushId; elsewhere `onRegisterStatus` never brings one.
pub(super) fn register(device: &DeviceInfo) -> Result<String, RegisterError> {
    // Meizu's push service is part of Flyme (seed 000's requirements table).
    if device.rom != Rom::Flyme {
        return Err(RegisterError {
            vendor: VendorId::Meizu,
            code: "UNSUPPORTED_DEVICE".into(),
            message: format!(
                "Meizu push needs Flyme; {} {} runs {} and has no Flyme push service",
                device.brand,
                device.model,
                device.rom.display_name()
            ),
            diagnosis: Diagnosis::MeizuUnsupportedDevice,
        });
    }
    Ok(new_push_id())
}

/// Extras the opened activity gets from `parameters`: each key as a string
/// extra (non-string values as their JSON text).
fn parameter_extras(parameters: &Map<String, Value>) -> Vec<Extra> {
    parameters
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => Extra::string(k.clone(), s.clone()),
            other => Extra::string(k.clone(), other.to_string()),
        })
        .collect()
}

/// Where a tap goes, and the extras the opened activity gets (a web page
/// gets none).
fn click_route(package: &str, notice: &Notice) -> (ClickRoute, Vec<Extra>) {
    let extras = || {
        notice
            .parameters
            .as_ref()
            .map(parameter_extras)
            .unwrap_or_default()
    };
    match &notice.click {
        Click::OpenApp | Click::Custom => (ClickRoute::Launcher, extras()),
        Click::Activity(activity) => (
            ClickRoute::Component {
                component: format!("{package}/{activity}"),
            },
            extras(),
        ),
        Click::Url(url) => (ClickRoute::Url { url: url.clone() }, Vec::new()),
    }
}

/// The tap broadcast the SDK turns into onNotificationClicked: action
/// MESSAGE with `method=private`. The real intent carries the message as
/// a parcelable `pushMessage`; its selfDefineContentString (the
/// parameters JSON) is flattened into a string extra of that name.
fn clicked_broadcast(parameters: Option<&Map<String, Value>>) -> CallbackBroadcast {
    let self_define = parameters
        .map(|p| Value::Object(p.clone()).to_string())
        .unwrap_or_default();
    CallbackBroadcast {
        action: MESSAGE_ACTION.into(),
        component: None,
        on: CallbackTrigger::Clicked,
        extras: vec![
            Extra::string("method", "private"),
            Extra::string("selfDefineContentString", self_define),
        ],
        include_stopped_packages: true,
    }
}

/// The device-side instruction for one accepted pushId.
pub(super) fn instruction(
    message_id: &MessageId,
    package: &str,
    token: &str,
    notice: &Notice,
) -> DisplayInstruction {
    let (click, extras) = click_route(package, notice);
    let ext = notice
        .parameters
        .as_ref()
        .and_then(|p| p.get("ext"))
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        });
    DisplayInstruction {
        message_id: message_id.clone(),
        vendor: VendorId::Meizu,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: notice.title.clone(),
            text: notice.content.clone(),
            channel_id: Some(NOTIFICATION_CHANNEL.to_string()),
            notify_id: None,
            badge_class: None,
            badge_add_num: None,
            badge_set_num: None,
        },
        poster: Poster::SystemService,
        click,
        extras,
        callbacks: vec![clicked_broadcast(notice.parameters.as_ref())],
        ext,
    }
}

#[cfg(test)]
mod requirement_tests {
    use super::*;

    #[test]
    fn meizu_push_registers_on_flyme_only() {
        for rom in Rom::ALL {
            let device = DeviceInfo {
                brand: "meizu".into(),
                rom,
                ..DeviceInfo::default()
            };
            let got = register(&device);
            if rom == Rom::Flyme {
                assert!(got.is_ok(), "{got:?}");
            } else {
                let e = got.unwrap_err();
                assert_eq!(e.diagnosis, Diagnosis::MeizuUnsupportedDevice, "{rom}");
            }
        }
    }
}
