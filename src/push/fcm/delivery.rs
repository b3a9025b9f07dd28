//! What an FCM device does: the Firebase SDK's registration (and why it
//! fails), the token shape, and how a delivered message turns into the app
//! SDK's notification and the `RECEIVE` wake-up broadcast.

use super::message::Validated;
use super::{FALLBACK_CHANNEL, RECEIVE_ACTION};
use crate::diagnosis::Diagnosis;
use crate::push::common::random_string;
use crate::push::VendorId;
use crate::services::journal::MessageId;
use crate::wire::protocol::{
    CallbackBroadcast, CallbackTrigger, ClickRoute, DeviceInfo, DisplayInstruction, Extra,
    NotificationSpec, Poster, RegisterError,
};

/// `FirebaseMessaging.getToken()`: without Google Play services the
/// Firebase SDK fails with `MISSING_INSTANCEID_SERVICE`; in mainland
/// China Play services cannot reach Google and the call fails with
/// `SERVICE_NOT_AVAILABLE`.
pub(super) fn register(device: &DeviceInfo) -> Result<String, RegisterError> {
    // Play services, and so FCM, need Android 4.1 (API 16) or later.
    let too_old = (1..16).contains(&device.api_level);
    if !device.play_services || too_old {
        let why = if too_old {
            format!(
                "Google Play services need Android 4.1 (API 16) or later; this is API {}",
                device.api_level
            )
        } else {
            "Google Play services are not installed".to_string()
        };
        return Err(RegisterError {
            vendor: VendorId::Fcm,
            code: "MISSING_INSTANCEID_SERVICE".into(),
            message: format!("java.io.IOException: MISSING_INSTANCEID_SERVICE ({why})"),
            diagnosis: Diagnosis::FcmNoPlayServices,
        });
    }
    if device.region.eq_ignore_ascii_case("cn") {
        return Err(RegisterError {
                vendor: VendorId::Fcm,
                code: "SERVICE_NOT_AVAILABLE".into(),
                message: "java.io.IOException: SERVICE_NOT_AVAILABLE (Google services are unreachable from mainland China)".into(),
                diagnosis: Diagnosis::FcmRegionBlocked,
            });
    }
    Ok(new_fcm_token())
}

/// An FCM registration token: 22 characters of instance id, a colon, then
/// `APA91b` and 134 more URL-safe base64 characters (163 in all).
fn new_fcm_token() -> String {
    const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    format!(
        "{}:APA91b{}",
        random_string(22, URLSAFE),
        random_string(134, URLSAFE)
    )
}

/// What the device shows and broadcasts for an accepted message.
pub(super) fn instruction(
    message_id: &MessageId,
    package: &str,
    token: &str,
    vendor_id: &str,
    v: &Validated,
) -> DisplayInstruction {
    let mut extras: Vec<Extra> = v
        .data
        .iter()
        .map(|(k, val)| Extra::string(k.clone(), val.clone()))
        .collect();
    extras.push(Extra::string("google.message_id", vendor_id));
    let click = match &v.click_action {
        Some(action) => ClickRoute::Action {
            action: action.clone(),
        },
        None => ClickRoute::Launcher,
    };
    let wake = CallbackBroadcast {
        action: RECEIVE_ACTION.into(),
        component: None,
        on: CallbackTrigger::Arrived,
        extras: extras.clone(),
        // Google Play services does not reach force-stopped apps.
        include_stopped_packages: false,
    };
    DisplayInstruction {
        message_id: message_id.clone(),
        vendor: VendorId::Fcm,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: v.title.clone(),
            text: v.body.clone(),
            // The FCM SDK posts on the named channel, or on the fallback
            // channel it creates itself when none is named.
            channel_id: Some(
                v.channel_id
                    .clone()
                    .unwrap_or_else(|| FALLBACK_CHANNEL.to_string()),
            ),
            notify_id: None,
            badge_class: None,
            badge_add_num: None,
            badge_set_num: None,
        },
        poster: Poster::AppSdk,
        click,
        extras,
        callbacks: vec![wake],
        ext: v
            .data
            .iter()
            .find(|(k, _)| k == "ext")
            .map(|(_, v)| v.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::fcm::message::is_fcm_token_shaped;

    #[test]
    fn registration_needs_play_services_outside_mainland_china() {
        let mut device = DeviceInfo {
            play_services: true,
            region: "us".into(),
            ..DeviceInfo::default()
        };
        let token = register(&device).unwrap();
        assert!(is_fcm_token_shaped(&token), "{token}");
        device.region = "CN".into();
        assert_eq!(register(&device).unwrap_err().code, "SERVICE_NOT_AVAILABLE");
        device.play_services = false;
        assert_eq!(
            register(&device).unwrap_err().code,
            "MISSING_INSTANCEID_SERVICE"
        );
        // Android 4.1 (API 16) is the oldest FCM serves.
        device.region = "us".into();
        device.play_services = true;
        device.api_level = 16;
        assert!(register(&device).is_ok());
        device.api_level = 15;
        assert_eq!(
            register(&device).unwrap_err().diagnosis,
            Diagnosis::FcmNoPlayServices
        );
    }
}
