//! Diagnosis codes: the name of the first broken link in a message's chain,
//! each with the advice a support engineer would give.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! diagnoses {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal => $advice:literal, )*) => {
        /// Why a message did not end as a displayed, working notification.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Diagnosis {
            $( $(#[$doc])* $variant, )*
        }

        impl Diagnosis {
            /// Every code, in declaration order.
            pub const ALL: &'static [Diagnosis] = &[ $( Diagnosis::$variant, )* ];

            /// The stable dotted code, e.g. `im.logged_out`.
            pub fn code(self) -> &'static str {
                match self { $( Diagnosis::$variant => $code, )* }
            }

            /// What a support engineer would tell the customer.
            pub fn advice(self) -> &'static str {
                match self { $( Diagnosis::$variant => $advice, )* }
            }
        }

        impl FromStr for Diagnosis {
            type Err = UnknownDiagnosis;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $code => Ok(Diagnosis::$variant), )*
                    _ => Err(UnknownDiagnosis(s.to_string())),
                }
            }
        }
    };
}

diagnoses! {
    /// The recipient never logged in or called logout.
    ImLoggedOut = "im.logged_out" => "The recipient is logged out (never logged in, or called logout). Offline push only reaches users who are logged in but whose app process is gone; log in again and keep the session.",
    /// A login elsewhere kicked the recipient's device.
    ImKicked = "im.kicked" => "The recipient was kicked offline by a login on another device. A kicked device is treated like a logged-out one: log in again on this device.",
    /// The recipient was online: delivered over the IM connection, no offline push.
    ImOnline = "im.online" => "The recipient's app was online (its IM connection was alive), so the message was delivered online and no offline push was sent. Kill the app (without logging out) to test offline push.",
    /// The sender asked for no offline push (PushFlag 1).
    ImPushDisabled = "im.push_disabled" => "OfflinePushInfo.PushFlag was 1, which disables offline push for this message. Send with PushFlag 0.",
    /// The recipient never reported a push token.
    ImNoToken = "im.no_token" => "The recipient's device never reported a push token to the IM server. Call setOfflinePushConfig(certificate ID, token) after login.",
    /// The reported certificate id is not known to the IM server.
    ImCertificateUnknown = "im.certificate_unknown" => "The certificate ID reported with the token does not exist in the IM console. Check the businessID the app reports against the console's certificate list.",
    /// The certificate was saved less than its delay (10 minutes) ago.
    ImCertificateNotEffective = "im.certificate_not_effective" => "The certificate was saved less than 10 minutes ago (the IM server's certificate delay); certificate information takes effect that long after it is saved. Wait and retry.",
    /// A custom message carried no Desc.
    ImCustomWithoutDesc = "im.custom_without_desc" => "Custom messages are not pushed offline unless OfflinePushInfo.Desc is set. Set desc when sending custom messages.",
    /// The vendor refused the server's credentials or signature.
    VendorAuthFailed = "vendor.auth_failed" => "The vendor refused the credentials or signature. Check AppID/AppKey/AppSecret (or the service account) in the certificate against the vendor console.",
    /// The vendor refused the request's content.
    VendorInvalidRequest = "vendor.invalid_request" => "The vendor rejected the request as invalid (missing or malformed field, size limit, click action). See the vendor's error message in the chain.",
    /// The vendor does not know the device token.
    VendorTokenInvalid = "vendor.token_invalid" => "The vendor does not know this device token (uninstalled, expired or from another app). Make the app report a fresh token after login.",
    /// The vendor app the push goes through was created for another package
    /// than the app that holds the token (or than the certificate names).
    VendorPackageMismatch = "vendor.package_mismatch" => "The vendor app in the vendor's developer console was created for another package than the app on the phone: the device token (or the certificate's package name) belongs to a different app, so the vendor refuses it. Make the package name in the IM console's certificate, the app in the vendor console and the installed app's package the same one.",
    /// The vendor opens only http:// and https:// pages for an open-URL click.
    VendorUrlSchemeUnsupported = "vendor.url_scheme_unsupported" => "The vendor opens only http:// or https:// web pages for an open-URL click and refused this one, although the IM console took it. Change the web page in the IM console's certificate to an http:// or https:// address (for another app or a market link, use an in-app page click instead).",
    /// The vendor's frequency control refused the request.
    VendorRateLimited = "vendor.rate_limited" => "The vendor's frequency control refused the push (too many requests in a short time). Slow down or apply for a higher rate.",
    /// The vendor's daily quota is used up.
    VendorQuotaExceeded = "vendor.quota_exceeded" => "The vendor's daily quota is used up. Apply for the vendor's private/IM message class, which is not capped, or wait for the next day.",
    /// Xiaomi: the device does not run MIUI or HyperOS.
    XiaomiUnsupportedDevice = "xiaomi.unsupported_device" => "Mi Push is a system service of MIUI/HyperOS; on other ROMs its SDK keeps its own connection, which dies with the app, so offline push cannot arrive (registration is refused). Use this device's own vendor channel, or test Mi Push on a Xiaomi/Redmi phone.",
    /// OPPO: the ext was not a JSON object.
    OppoExtNotJson = "oppo.ext_not_json" => "OPPO requires the custom content (ext) to be a JSON object string; anything else makes OPPO refuse the push. Send ext as JSON.",
    /// OPPO: no channel id on Android 8+.
    OppoChannelRequired = "oppo.channel_required" => "On Android 8.0 and later OPPO needs a ChannelID: configure it in the certificate (or OPPOChannelID) and create that channel in the app, or the notification is not displayed.",
    /// OPPO: the device's ColorOS does not support OPPO push.
    OppoUnsupportedDevice = "oppo.unsupported_device" => "OPPO push needs ColorOS, and not every OPPO model or ColorOS version supports it (HeytapPushManager.isSupportPush() is false, so registration fails). Use the channel of the device's own ROM, or test OPPO push on a supported OPPO phone.",
    /// vivo: the device does not support vivo push.
    VivoUnsupportedDevice = "vivo.unsupported_device" => "vivo push needs FuntouchOS or OriginOS, and not every vivo model supports it (turnOnPush answers state 101). Use the channel of the device's own ROM, or test vivo push on a supported vivo phone.",
    /// Meizu: the device has no Flyme push service.
    MeizuUnsupportedDevice = "meizu.unsupported_device" => "Meizu push needs a Flyme (Meizu) device; this device has no Flyme push service, so PushManager.register never yields a pushId. Use another offline channel on this device.",
    /// Huawei: HMS Core is not installed.
    HuaweiHmsMissing = "huawei.hms_missing" => "HMS Core (Huawei Mobile Services, com.huawei.hwid) is not installed, so Huawei push cannot register. Huawei push needs EMUI/HarmonyOS with HMS Core 20401300 or later; install HMS Core from AppGallery or use the device's own vendor channel.",
    /// Huawei: HMS Core is older than 20401300.
    HuaweiHmsTooOld = "huawei.hms_too_old" => "HMS Core on the device is older than 20401300, which Huawei push needs. Update HMS Core from AppGallery.",
    /// Huawei: the device drops pass-through data of notification messages.
    HuaweiPassthroughUnsupported = "huawei.passthrough_unsupported" => "Some Huawei devices cannot receive the content passed through with a notification message: the ext never reaches the app on tap. Carry what the app needs in the click's intent URI extras (or route by the intent URI itself) instead of relying on the pass-through data.",
    /// Huawei: the web page of a click_action type 2 is not HTTPS.
    HuaweiHttpsRequired = "huawei.https_required" => "HMS Push Kit requires an HTTPS URL for click_action type 2 (open a web page) and refuses the push otherwise, even though the IM console accepts an http:// address. Change the web page in the IM console's Huawei certificate to https://.",
    /// FCM: no Google Play services on the device.
    FcmNoPlayServices = "fcm.no_play_services" => "FCM needs Google Play services on the device; this device has none. Use the vendor's own channel on this device.",
    /// FCM: the device is in mainland China.
    FcmRegionBlocked = "fcm.region_blocked" => "FCM is unreachable from mainland China. Use the vendor channels (Mi, Huawei, OPPO, vivo, Meizu) for devices sold in China.",
    /// The app was force-stopped, so its push SDK cannot receive broadcasts.
    DeviceAppStopped = "device.app_stopped" => "The app was force-stopped; Android does not deliver broadcasts to a stopped app until the user opens it, so its push SDK cannot show the message. Kill the process instead (swipe away) or open the app once.",
    /// The user or system blocked the app's notifications.
    DeviceNotificationsDisabled = "device.notifications_disabled" => "Notifications are disabled for the app (app-level block, or POST_NOTIFICATIONS not granted on Android 13+). Enable them in the system settings.",
    /// The target channel does not exist on an API >= 26 device.
    DeviceChannelMissing = "device.channel_missing" => "The notification was posted to a channel the app never created; Android 8+ drops it (\"No Channel found\"). Create the channel in the app before the push arrives.",
    /// The tap target activity does not exist.
    DeviceActivityNotFound = "device.activity_not_found" => "Tapping the notification tried to open an activity the app does not declare (or no intent filter matches). Check the click event's intent URI, activity name or action against the manifest.",
    /// The tap target activity is not exported.
    DeviceActivityNotExported = "device.activity_not_exported" => "The activity the notification opens is not exported, so the push service cannot start it. Set android:exported=\"true\" on it.",
    /// The URL of an open-URL click is invalid.
    DeviceUrlInvalid = "device.url_invalid" => "The URL of the open-URL click event is invalid or no browser can open it. Check the certificate's URL.",
    /// Nothing happened before the deadline.
    DeliveryTimeout = "delivery.timeout" => "Nothing arrived before the deadline. Check that the device's push service is connected and that the chain above shows where the message stopped.",
}

/// A string that is not one of the known diagnosis codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown diagnosis code `{0}`")]
pub struct UnknownDiagnosis(pub String);

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Diagnosis {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Diagnosis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for d in Diagnosis::ALL {
            assert!(seen.insert(d.code()), "duplicate code {}", d.code());
            assert_eq!(d.code().parse::<Diagnosis>().unwrap(), *d);
            assert!(!d.advice().is_empty());
        }
        assert!("im.nope".parse::<Diagnosis>().is_err());
    }
}
