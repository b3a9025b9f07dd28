//! What an OPPO device does: the SDK's registration (and why it fails), and
//! how OPPO's system push service shows an accepted notification and routes
//! its tap.

use serde_json::Value;

use super::message::{Notification, OppoClick};
use crate::android::ComponentName;
use crate::diagnosis::Diagnosis;
use crate::push::common::{random_string, HEX};
use crate::push::VendorId;
use crate::services::journal::MessageId;
use crate::wire::protocol::{
    ClickRoute, DeviceInfo, DisplayInstruction, Extra, NotificationSpec, Poster, RegisterError, Rom,
};

/// OPPO's SDK registers on ColorOS devices with OPPO push; elsewhere
/// `HeytapPushManager.isSupportPush()` is false and registration fails.
/// The SDK then reports code -1 ("service currently unavailable" in the
/// SDK's error table; the exact code on such devices is UNCONFIRMED).
pub(super) fn register(device: &DeviceInfo) -> Result<String, RegisterError> {
    // OPPO's push service is part of ColorOS (seed 000's requirements
    // table), and not every ColorOS model supports it.
    if device.rom != Rom::Coloros || !device.vendor_push {
        let why = if device.rom != Rom::Coloros {
            format!("it runs {}, not ColorOS", device.rom.display_name())
        } else {
            "this model does not support it".to_string()
        };
        return Err(RegisterError {
            vendor: VendorId::Oppo,
            code: "-1".into(),
            message: format!(
                "OPPO push is not supported on {} {}: {why} (HeytapPushManager.isSupportPush() is false)",
                device.brand, device.model
            ),
            diagnosis: Diagnosis::OppoUnsupportedDevice,
        });
    }
    // Chinese regIds carry the CN marker (`CN_…`); overseas ones start
    // with `OPPO_` and no CN marker (docs/vendors/oppo.md#device-side).
    let body = random_string(32, HEX);
    if device.region.eq_ignore_ascii_case("cn") || device.region.is_empty() {
        Ok(format!("CN_{body}"))
    } else {
        Ok(format!("OPPO_{body}"))
    }
}

/// Turns an accepted notification for `package` into what the device's
/// OPPO push service does.
pub(super) fn display_instruction(
    message_id: MessageId,
    package: &str,
    token: &str,
    n: &Notification,
) -> DisplayInstruction {
    let params: Vec<(String, String)> = n
        .action_parameters
        .as_ref()
        .map(|(_, m)| {
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    let as_extras = |params: &[(String, String)]| -> Vec<Extra> {
        params.iter().map(|(k, v)| Extra::string(k, v)).collect()
    };
    let (click, extras) = match &n.click {
        OppoClick::LaunchApp => (ClickRoute::Launcher, as_extras(&params)),
        OppoClick::Action(action) => (
            ClickRoute::Action {
                action: action.clone(),
            },
            as_extras(&params),
        ),
        OppoClick::Activity(class) => (
            ClickRoute::Component {
                component: ComponentName::new(package, class.as_str()).flatten_to_string(),
            },
            as_extras(&params),
        ),
        // Web pages get the pairs as query parameters (OPPO doc on
        // action_parameters); a URL that does not parse is passed on as is
        // for the device to fail on.
        OppoClick::Url(url) => (
            ClickRoute::Url {
                url: append_query(url, &params),
            },
            Vec::new(),
        ),
        // An intent-scheme URL is parsed into an intent by the service,
        // which puts the pairs on it as extras like for activities
        // (UNCONFIRMED: OPPO documents the URL behaviour for web pages only).
        OppoClick::IntentScheme(uri) => (
            ClickRoute::IntentUri { uri: uri.clone() },
            as_extras(&params),
        ),
    };
    DisplayInstruction {
        message_id,
        vendor: VendorId::Oppo,
        package: package.to_string(),
        token: token.to_string(),
        notification: NotificationSpec {
            title: n.title.clone(),
            text: n.content.clone(),
            // No channel given: the device decides (not displayed on API 26+).
            channel_id: n.channel_id.clone(),
            notify_id: n.notify_id,
            badge_class: None,
            badge_add_num: None,
            badge_set_num: None,
        },
        poster: Poster::SystemService,
        click,
        extras,
        callbacks: Vec::new(),
        ext: n.action_parameters.as_ref().map(|(raw, _)| raw.clone()),
    }
}

fn append_query(url: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return url.to_string();
    }
    match url::Url::parse(url) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_pages_get_the_parameters_as_query_pairs() {
        let params = [("a".to_string(), "1 2".to_string())];
        assert_eq!(
            append_query("https://example.com/p?x=y", &params),
            "https://example.com/p?x=y&a=1+2"
        );
        assert_eq!(append_query("not a url", &params), "not a url");
        assert_eq!(
            append_query("https://example.com/", &[]),
            "https://example.com/"
        );
    }

    #[test]
    fn region_decides_the_reg_id_prefix_and_unsupported_devices_fail() {
        let mut device = DeviceInfo {
            rom: Rom::Coloros,
            vendor_push: true,
            region: "cn".into(),
            ..DeviceInfo::default()
        };
        assert!(register(&device).unwrap().starts_with("CN_"));
        device.region = "de".into();
        assert!(register(&device).unwrap().starts_with("OPPO_"));
        device.vendor_push = false;
        let model = register(&device).unwrap_err();
        assert_eq!(model.code, "-1");
        assert!(model.message.contains("this model"), "{}", model.message);
        device.vendor_push = true;
        for rom in Rom::ALL.into_iter().filter(|r| *r != Rom::Coloros) {
            device.rom = rom;
            let e = register(&device).unwrap_err();
            assert_eq!(e.diagnosis, Diagnosis::OppoUnsupportedDevice, "{rom}");
            assert!(e.message.contains(rom.display_name()), "{}", e.message);
        }
    }
}
