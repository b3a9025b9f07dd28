//! Push vendors: one module per vendor, each with its certificate fields,
//! the request the IM server builds for it (the client), its simulated HTTP
//! endpoint and its device-side delivery semantics.
//!
//! Shared here: the [`Vendor`] interface the hub and the IM server use, the
//! certificate model, and the machinery every simulated endpoint needs
//! (the vendor console's app registry, request logs for retrospection, fault
//! injection, rate windows on the hub clock).

pub mod common;
pub mod endpoint;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::diagnosis::Diagnosis;
use crate::services::clock::Timestamp;
use crate::wire::protocol::{DeviceInfo, RegisterError};
pub use crate::wire::{MessageId, UnknownVendor, VendorId};

pub use common::{Faults, RequestLog, Services};
pub use endpoint::{EndpointControl, EndpointState};

/// "Open specified in-app page", as each vendor lets you name the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageTarget {
    /// An intent URI (Mi, Huawei, vivo).
    IntentUri(String),
    /// A fully qualified activity class (Meizu, OPPO).
    Activity(String),
    /// An intent action (OPPO, Huawei).
    Action(String),
}

/// The certificate's click event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClickAction {
    /// Open the app (the default).
    #[default]
    OpenApp,
    /// Open a web page.
    OpenUrl { url: String },
    /// Open a specific in-app page.
    OpenPage { page: PageTarget },
}

/// The vendor credentials of a certificate, one shape per vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "vendor", rename_all = "lowercase")]
pub enum Credentials {
    Xiaomi(xiaomi::Credentials),
    Huawei(huawei::Credentials),
    Oppo(oppo::Credentials),
    Vivo(vivo::Credentials),
    Meizu(meizu::Credentials),
    Fcm(fcm::Credentials),
}

impl Credentials {
    /// Reads `vendor`'s credentials from its own fields (e.g. Mi: `app_id`,
    /// `app_key`, `app_secret`). A key the vendor's fields do not read back
    /// is refused as a typo, naming the allowed ones.
    pub fn from_fields(
        vendor: VendorId,
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Credentials, String> {
        let mut m = map.clone();
        m.insert(
            "vendor".into(),
            serde_json::Value::String(vendor.name().into()),
        );
        let creds: Credentials =
            serde_json::from_value(serde_json::Value::Object(m)).map_err(|e| e.to_string())?;
        if let Ok(serde_json::Value::Object(known)) = serde_json::to_value(&creds) {
            if let Some(k) = map.keys().find(|k| !known.contains_key(*k)) {
                let mut allowed: Vec<&str> = known
                    .keys()
                    .map(String::as_str)
                    .filter(|k| *k != "vendor")
                    .collect();
                allowed.sort_unstable();
                return Err(format!(
                    "unknown field `{k}` (allowed: {})",
                    allowed.join(", ")
                ));
            }
        }
        Ok(creds)
    }

    /// Fills in what a scenario may leave out because the simulated vendor
    /// never checks it against a real account: today the private key of an
    /// FCM service account (see [`fcm::Credentials::complete_for_simulation`]).
    pub fn complete_for_simulation(&mut self) -> Result<(), String> {
        match self {
            Credentials::Fcm(c) => c.complete_for_simulation(),
            _ => Ok(()),
        }
    }

    pub fn vendor(&self) -> VendorId {
        match self {
            Credentials::Xiaomi(_) => VendorId::Xiaomi,
            Credentials::Huawei(_) => VendorId::Huawei,
            Credentials::Oppo(_) => VendorId::Oppo,
            Credentials::Vivo(_) => VendorId::Vivo,
            Credentials::Meizu(_) => VendorId::Meizu,
            Credentials::Fcm(_) => VendorId::Fcm,
        }
    }
}

/// An offline-push certificate as uploaded to the IM console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// The certificate id (`businessID`) the app reports with its token.
    pub id: u64,
    /// The app's package name.
    pub package: String,
    pub credentials: Credentials,
    #[serde(default)]
    pub click: ClickAction,
    /// The console's channel id; `AndroidInfo` may override it per message.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// Huawei badge: the app's entry activity class.
    #[serde(default)]
    pub badge_class: Option<String>,
    /// When this version was saved.
    pub saved_at: Timestamp,
    /// How long after saving it takes effect (the IM server's certificate
    /// delay when it was saved; 600 s unless configured otherwise).
    #[serde(default = "default_delay_secs")]
    pub delay_secs: u64,
}

fn default_delay_secs() -> u64 {
    CERTIFICATE_DELAY_SECS
}

impl Certificate {
    pub fn vendor(&self) -> VendorId {
        self.credentials.vendor()
    }

    /// Certificate information takes effect its delay after it is saved
    /// (by default 10 minutes: seed 000 and 001, every vendor's "Configuring
    /// the push certificate"; see docs/vendors/tim.md).
    pub fn effective_at(&self) -> Timestamp {
        self.saved_at
            .plus(std::time::Duration::from_secs(self.delay_secs))
    }
}

/// How long a saved certificate takes to take effect by default (the
/// guides' 10 minutes; a hub may be configured otherwise, see
/// [`crate::im::ImServer::set_certificate_delay`]).
pub const CERTIFICATE_DELAY_SECS: u64 = 600;

/// An app as a vendor's own developer console holds it: the package it was
/// created for and the credentials the console issued. The IM certificate is
/// the user's copy of these values; where the copy is wrong (a typo in the
/// AppSecret, another app's AppId, another package), the vendor refuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorApp {
    /// The package the vendor app was created for.
    pub package: String,
    pub credentials: Credentials,
}

impl VendorApp {
    pub fn vendor(&self) -> VendorId {
        self.credentials.vendor()
    }

    /// The app a certificate describes, as if the console held exactly the
    /// certificate's values.
    pub fn of_certificate(cert: &Certificate) -> VendorApp {
        VendorApp {
            package: cert.package.clone(),
            credentials: cert.credentials.clone(),
        }
    }
}

/// `OfflinePushInfo.AndroidInfo` of Tencent IM: per-vendor channel ids and
/// classification fields. Field names are TIM's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AndroidInfo {
    #[serde(rename = "Sound", skip_serializing_if = "Option::is_none")]
    pub sound: Option<String>,
    #[serde(rename = "HuaWeiChannelID", skip_serializing_if = "Option::is_none")]
    pub huawei_channel_id: Option<String>,
    #[serde(rename = "XiaoMiChannelID", skip_serializing_if = "Option::is_none")]
    pub xiaomi_channel_id: Option<String>,
    #[serde(rename = "OPPOChannelID", skip_serializing_if = "Option::is_none")]
    pub oppo_channel_id: Option<String>,
    #[serde(rename = "GoogleChannelID", skip_serializing_if = "Option::is_none")]
    pub google_channel_id: Option<String>,
    /// "0" operational, "1" system.
    #[serde(rename = "VIVOClassification", skip_serializing_if = "Option::is_none")]
    pub vivo_classification: Option<serde_json::Value>,
    #[serde(rename = "VIVOCategory", skip_serializing_if = "Option::is_none")]
    pub vivo_category: Option<String>,
    #[serde(rename = "HuaWeiImportance", skip_serializing_if = "Option::is_none")]
    pub huawei_importance: Option<String>,
    #[serde(rename = "HuaWeiCategory", skip_serializing_if = "Option::is_none")]
    pub huawei_category: Option<String>,
    /// 1: pass Ext as intent parameters; 0: as action parameters.
    #[serde(
        rename = "ExtAsHuaweiIntentParam",
        skip_serializing_if = "Option::is_none"
    )]
    pub ext_as_huawei_intent_param: Option<i64>,
    #[serde(rename = "OPPOCategory", skip_serializing_if = "Option::is_none")]
    pub oppo_category: Option<String>,
    #[serde(rename = "OPPONotifyLevel", skip_serializing_if = "Option::is_none")]
    pub oppo_notify_level: Option<i64>,
    #[serde(
        rename = "OPPOPrivateMsgTemplateId",
        skip_serializing_if = "Option::is_none"
    )]
    pub oppo_private_msg_template_id: Option<String>,
    #[serde(rename = "HonorImportance", skip_serializing_if = "Option::is_none")]
    pub honor_importance: Option<String>,
    /// 0 public, 1 private.
    #[serde(rename = "MeiZuNoticeMsgType", skip_serializing_if = "Option::is_none")]
    pub meizu_notice_msg_type: Option<i64>,
}

/// One push the IM server asks a vendor client to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Push {
    /// The journal id of the IM message; sent as [`MESSAGE_ID_HEADER`].
    pub message_id: MessageId,
    pub certificate: Certificate,
    /// The recipient's device token.
    pub token: String,
    /// The notification title (already defaulted by the IM server).
    pub title: String,
    /// The notification text.
    pub desc: String,
    /// `OfflinePushInfo.Ext`, verbatim.
    pub ext: Option<String>,
    pub android: AndroidInfo,
}

/// Header that carries the IM message id to the simulated endpoint so the
/// journal links both halves of the chain. Real vendors ignore it.
pub const MESSAGE_ID_HEADER: &str = "x-pushlab-message-id";

/// Why a vendor did not accept a push, in its own words and as a diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub code: Diagnosis,
    /// The vendor's own code as it wrote it.
    pub vendor_code: String,
    pub message: String,
}

/// What a vendor client's send came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendOutcome {
    /// The send request (method and full URL), when one was made.
    pub request: Option<(String, String)>,
    /// The vendor's message id, or why it refused.
    pub result: Result<String, Rejection>,
}

/// Everything pushlab knows about one vendor. One implementation per module.
#[async_trait]
pub trait Vendor: Send + Sync + 'static {
    fn id(&self) -> VendorId;

    /// The vendor's real API hosts; a request whose `Host` header names one
    /// is routed to this vendor's simulated endpoint.
    fn hosts(&self) -> &'static [&'static str];

    /// Device side: the vendor's device SDK registers `package` on a device
    /// and gets a token in the vendor's shape, or is refused as the real SDK
    /// would be (vivo state 101, HMS Core too old, no Play services...).
    fn register(&self, device: &DeviceInfo, package: &str) -> Result<String, RegisterError>;

    /// The simulated endpoint, at the vendor's real paths (relative to its
    /// base URL).
    fn router(&self) -> axum::Router;

    /// Client side: send `push` to the vendor API at `base_url` (the
    /// simulator by default, the real vendor when configured).
    async fn send(&self, http: &reqwest::Client, base_url: &str, push: &Push) -> SendOutcome;

    /// The simulated endpoint's shared state: request log, faults, limits.
    fn endpoint(&self) -> &dyn EndpointControl;

    /// Accepted and rejected requests the simulated endpoint has seen.
    fn requests(&self) -> Vec<RequestLog> {
        self.endpoint().requests()
    }

    /// Fault injection for the simulated endpoint.
    fn faults(&self) -> &Faults {
        self.endpoint().faults()
    }

    /// The endpoint's quota and frequency-control settings, as JSON (each
    /// vendor has its own shape; defaults come from the vendor's docs).
    fn limits(&self) -> serde_json::Value {
        self.endpoint().limits()
    }

    /// Replaces some or all of the limits; unknown keys are an error.
    fn set_limits(&self, limits: serde_json::Value) -> Result<(), String> {
        self.endpoint().set_limits(limits)
    }

    /// Forgets requests, tokens issued, quota counters and faults.
    fn reset(&self) {
        self.endpoint().reset()
    }
}

/// The six vendors, built on the hub's services.
pub fn all(services: &Services) -> Vec<Arc<dyn Vendor>> {
    vec![
        Arc::new(xiaomi::Xiaomi::new(services.clone())),
        Arc::new(huawei::Huawei::new(services.clone())),
        Arc::new(oppo::Oppo::new(services.clone())),
        Arc::new(vivo::Vivo::new(services.clone())),
        Arc::new(meizu::Meizu::new(services.clone())),
        Arc::new(fcm::Fcm::new(services.clone())),
    ]
}

pub mod fcm;
pub mod huawei;
pub mod meizu;
pub mod oppo;
pub mod vivo;
pub mod xiaomi;
