//! Xiaomi Mi Push: certificate fields, client, simulated endpoint and device-side
//! delivery semantics.
//!
//! PLACEHOLDER: only the certificate fields exist yet.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::common::{random_string, RequestLogs, ALNUM};
use super::{Faults, Push, Rejection, RequestLog, SendOutcome, Services, Vendor, VendorId};
use crate::diagnosis::Diagnosis;
use crate::hub::gateway::protocol::{DeviceInfo, RegisterError};

/// What the Xiaomi Mi Push console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The app's AppID in the Mi console.
    pub app_id: String,
    pub app_key: String,
    /// Sent as `Authorization: key=<AppSecret>`.
    pub app_secret: String,
}

pub struct Xiaomi {
    #[allow(dead_code)]
    services: Services,
    faults: Faults,
    logs: RequestLogs,
}

impl Xiaomi {
    pub fn new(services: Services) -> Self {
        Self {
            services,
            faults: Faults::default(),
            logs: RequestLogs::default(),
        }
    }
}

#[async_trait]
impl Vendor for Xiaomi {
    fn id(&self) -> VendorId {
        VendorId::Xiaomi
    }

    fn hosts(&self) -> &'static [&'static str] {
        &[
            "api.xmpush.xiaomi.com",
            "sgp-api.xmpush.global.xiaomi.com",
            "api.xmpush.global.xiaomi.com",
        ]
    }

    fn register(&self, _device: &DeviceInfo, _package: &str) -> Result<String, RegisterError> {
        Ok(random_string(44, ALNUM))
    }

    fn router(&self) -> axum::Router {
        axum::Router::new()
    }

    async fn send(&self, _http: &reqwest::Client, _base_url: &str, _push: &Push) -> SendOutcome {
        SendOutcome {
            request: None,
            result: Err(Rejection {
                code: Diagnosis::VendorInvalidRequest,
                vendor_code: "unimplemented".into(),
                message: "not implemented yet".into(),
            }),
        }
    }

    fn requests(&self) -> Vec<RequestLog> {
        self.logs.list()
    }

    fn faults(&self) -> &Faults {
        &self.faults
    }

    fn limits(&self) -> serde_json::Value {
        serde_json::json!({})
    }

    fn set_limits(&self, _limits: serde_json::Value) -> Result<(), String> {
        Err("no limits yet".into())
    }

    fn reset(&self) {
        self.logs.clear();
        self.faults.clear();
    }
}
