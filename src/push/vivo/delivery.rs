//! What a vivo device does: `turnOnPush` (and why it fails), and how vivo's
//! system push service shows an accepted message, routes its tap and calls
//! the SDK's click callback.

use super::message::{Message, Skip};
use super::{RECEIVE_ACTION, SYSTEM_CHANNEL};
use crate::diagnosis::Diagnosis;
use crate::push::common::random_string;
use crate::push::VendorId;
use crate::services::journal::MessageId;
use crate::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Extra,
    NotificationSpec, Poster, RegisterError, Rom,
};

/// `turnOnPush` succeeds on FuntouchOS/OriginOS devices with vivo push
/// and hands out a 23-digit regId; elsewhere it reports state 101
/// ("this device or system version does not support vivo push";
/// docs/vendors/vivo.md#device-side).
pub(super) fn register(device: &DeviceInfo) -> Result<String, RegisterError> {
    // vivo's push service is part of FuntouchOS (and its successor
    // OriginOS); not every model supports it (seed 000's requirements
    // table). Either way the SDK's turnOnPush answers state 101.
    let vivo_rom = matches!(device.rom, Rom::Funtouchos | Rom::Originos);
    if !vivo_rom || !device.vendor_push {
        let why = if vivo_rom {
            "this model does not support it".to_string()
        } else {
            format!(
                "it runs {}, not FuntouchOS/OriginOS",
                device.rom.display_name()
            )
        };
        return Err(RegisterError {
            vendor: VendorId::Vivo,
            code: "101".into(),
            message: format!(
                "turnOnPush state 101: vivo push is not supported on {} {}: {why}",
                device.brand, device.model
            ),
            diagnosis: Diagnosis::VivoUnsupportedDevice,
        });
    }
    Ok(format!(
        "{}{}",
        random_string(1, b"123456789"),
        random_string(22, b"0123456789")
    ))
}

/// What vivo's system push service shows for an accepted message, where a
/// tap leads, and the SDK's click callback.
pub(super) fn display_instruction(
    message_id: MessageId,
    package: &str,
    token: &str,
    m: &Message,
) -> DisplayInstruction {
    let click = match &m.skip {
        Skip::App | Skip::Custom(_) => ClickRoute::Launcher,
        Skip::Url(url) => ClickRoute::Url { url: url.clone() },
        // The intent URI's own extras (S.k=v) arrive on the activity when
        // the device parses it.
        Skip::Page(uri) => ClickRoute::IntentUri { uri: uri.clone() },
    };
    let params: Vec<Extra> = m.custom.iter().map(|(k, v)| Extra::string(k, v)).collect();
    // A web page opens in the browser without the app; pass-through (the
    // SDK's click callback) exists for "open app" and "open page" only, as
    // the guide says (UNCONFIRMED for skipType 2 on every ROM version).
    let callbacks = match &m.skip {
        Skip::Url(_) => Vec::new(),
        _ => vec![CallbackBroadcast {
            action: RECEIVE_ACTION.to_string(),
            component: None,
            on: CallbackTrigger::Clicked,
            extras: params,
            include_stopped_packages: true,
        }],
    };
    DisplayInstruction {
        message_id,
        vendor: VendorId::Vivo,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: m.title.clone(),
            text: m.content.clone(),
            channel_id: Some(SYSTEM_CHANNEL.to_string()),
            notify_id: m.notify_id,
            badge_class: None,
            badge_add_num: None,
            badge_set_num: None,
        },
        poster: Poster::SystemService,
        click,
        extras: Vec::new(),
        callbacks,
        ext: m
            .custom
            .iter()
            .find(|(k, _)| k == "ext")
            .map(|(_, v)| v.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(skip: Skip) -> Message {
        Message {
            target: "1".into(),
            title: "t".into(),
            content: "c".into(),
            skip,
            custom: vec![("ext".into(), "x".into())],
            system: false,
            notify_id: None,
        }
    }

    #[test]
    fn web_pages_have_no_click_callback_and_other_skips_do() {
        let id = MessageId::from("m");
        let url = display_instruction(
            id.clone(),
            "p",
            "1",
            &message(Skip::Url("https://x".into())),
        );
        assert!(url.callbacks.is_empty());
        let app = display_instruction(id, "p", "1", &message(Skip::App));
        assert_eq!(app.callbacks.len(), 1);
        assert_eq!(app.callbacks[0].on, CallbackTrigger::Clicked);
        assert_eq!(app.ext.as_deref(), Some("x"));
    }

    #[test]
    fn reg_ids_are_23_digits_and_unsupported_devices_get_state_101() {
        let mut device = DeviceInfo {
            rom: Rom::Funtouchos,
            vendor_push: true,
            ..DeviceInfo::default()
        };
        let id = register(&device).unwrap();
        assert!(
            id.len() == 23 && id.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
        device.rom = Rom::Originos;
        assert!(register(&device).is_ok());
        device.vendor_push = false;
        assert_eq!(register(&device).unwrap_err().code, "101");
        device.vendor_push = true;
        for rom in Rom::ALL
            .into_iter()
            .filter(|r| !matches!(r, Rom::Funtouchos | Rom::Originos))
        {
            device.rom = rom;
            let e = register(&device).unwrap_err();
            assert_eq!(
                (e.code.as_str(), e.diagnosis),
                ("101", Diagnosis::VivoUnsupportedDevice),
                "{rom}"
            );
        }
    }
}
