//! Before the first step: the hub's certificate and accounts, and a fresh
//! device state (no app data, no process, no notifications) with the push
//! agent connected to the hub's gateway.

use std::time::Duration;

use super::{infra, Exec};
use crate::companion::DEMO_CHANNEL_ID;
use crate::runner::CaseError;

/// How long the push service may take to open its gateway stream.
const CONNECT_WITHIN: Duration = Duration::from_secs(20);

impl Exec<'_> {
    /// A fresh app and push service, the certificate saved (and in effect
    /// unless the case tests the delay), accounts created.
    pub(super) async fn setup(&mut self) -> Result<(), CaseError> {
        self.setup_hub()?;
        self.setup_device().await
    }

    /// The vendor's limits, the certificate and both accounts.
    fn setup_hub(&mut self) -> Result<(), CaseError> {
        let run = self.run;
        if let Some(limits) = &run.limits {
            if let Some(v) = self.hub.vendors.get(&run.vendor) {
                v.set_limits(limits.clone())
                    .map_err(|e| self.fail(format!("vendor limits: {e}"), None))?;
            }
        }
        if let Some(app) = &run.console {
            // The vendor's developer console, through the hub's own admin
            // path (POST /admin/v1/vendors/{vendor}/apps).
            let mut app = app.clone();
            app.credentials.complete_for_simulation().map_err(infra)?;
            self.hub.register_vendor_app(app);
        }
        self.hub.im.set_certificate_delay(run.certificate_delay);
        let mut input = run.certificate.clone();
        input.credentials.complete_for_simulation().map_err(infra)?;
        let cert = self.hub.im.save_certificate(input.clone());
        self.certificate_id = cert.id;
        self.certificate = input;
        if run.certificate_effective {
            self.hub.clock().advance(run.certificate_delay);
        }
        self.hub.im.import_account(&run.user);
        self.hub.im.import_account(&run.sender);
        Ok(())
    }

    /// No app data, no process, no notifications; the agent connected; the
    /// app's channel as the case wants it.
    async fn setup_device(&self) -> Result<(), CaseError> {
        let apps = &self.apps;
        let dev_err = |e| self.dev_err(e);
        apps.stop_app().await.map_err(dev_err)?;
        apps.stop_agent().await.map_err(dev_err)?;
        apps.clear_app_data().await.map_err(dev_err)?;
        self.dev.logcat_clear().await.map_err(dev_err)?;
        let api = self
            .dev
            .api_level()
            .await
            .map_err(dev_err)?
            .map(|a| a.0)
            .unwrap_or(26);
        if api >= 33 {
            // Clearing the data revoked the runtime permissions.
            apps.allow_app_notifications().await.map_err(dev_err)?;
        }
        apps.start_agent(api).await.map_err(dev_err)?;
        let connected = self
            .hub
            .gateway()
            .wait_connected(&self.serial, true, CONNECT_WITHIN)
            .await;
        connected.then_some(()).ok_or_else(|| {
            infra(format!(
                "the push service on {} did not connect to the hub's gateway within {CONNECT_WITHIN:?}",
                self.serial
            ))
        })?;
        let app = &self.run.app;
        if app.channel_id.is_some() || !app.create_channel {
            let channel = app
                .channel_id
                .clone()
                .unwrap_or_else(|| DEMO_CHANNEL_ID.into());
            apps.configure(&channel, app.create_channel)
                .await
                .map_err(dev_err)?;
        }
        Ok(())
    }
}
