//! Huawei HMS Push: certificate fields, client, simulated endpoint and device-side
//! delivery semantics.
//!
//! PLACEHOLDER: only the certificate fields exist yet.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::common::{random_string, RequestLogs, ALNUM};
use super::{Faults, Push, Rejection, RequestLog, SendOutcome, Services, Vendor, VendorId};
use crate::diagnosis::Diagnosis;
use crate::hub::gateway::protocol::{DeviceInfo, RegisterError};

/// What the Huawei HMS Push console gives the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The AppGallery Connect app id (also the OAuth client id).
    pub app_id: String,
    /// The OAuth client secret.
    pub client_secret: String,
}

pub struct Huawei {
    #[allow(dead_code)]
    services: Services,
    faults: Faults,
    logs: RequestLogs,
}

impl Huawei {
    pub fn new(services: Services) -> Self {
        Self {
            services,
            faults: Faults::default(),
            logs: RequestLogs::default(),
        }
    }
}

#[async_trait]
impl Vendor for Huawei {
    fn id(&self) -> VendorId {
        VendorId::Huawei
    }

    fn hosts(&self) -> &'static [&'static str] {
        &[
            "push-api.cloud.huawei.com",
            "oauth-login.cloud.huawei.com",
            "login.cloud.huawei.com",
            "api.push.hicloud.com",
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
