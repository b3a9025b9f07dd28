//! The embedded hub: composes the IM server, the vendor endpoints and the
//! device gateway on one HTTP server, with one journal and one clock.

pub mod admin;
pub mod gateway_api;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::im::ImServer;
use crate::push::common::AppRegistry;
use crate::push::{Services, Vendor, VendorApp, VendorId};
use crate::services::clock::Clock;
use crate::services::gateway::Gateway;
use crate::services::journal::Journal;

/// The hub's parts; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    pub services: Services,
    pub im: ImServer,
    pub vendors: Arc<BTreeMap<VendorId, Arc<dyn Vendor>>>,
}

impl Hub {
    /// A hub with the six vendors on `clock`.
    pub fn new(clock: Clock) -> Hub {
        Hub::with_vendors(clock, crate::push::all)
    }

    /// A hub whose vendors are built by `vendors` (tests swap in their own).
    pub fn with_vendors(
        clock: Clock,
        vendors: impl FnOnce(&Services) -> Vec<Arc<dyn Vendor>>,
    ) -> Hub {
        let journal = Journal::new(clock.clone());
        let gateway = Gateway::new(journal.clone());
        let services = Services::new(clock, journal, gateway, AppRegistry::default());
        let list = vendors(&services);
        let im = ImServer::new(services.clone(), list.clone());
        Hub {
            services,
            im,
            vendors: Arc::new(list.into_iter().map(|v| (v.id(), v)).collect()),
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.services.clock
    }

    pub fn journal(&self) -> &Journal {
        &self.services.journal
    }

    pub fn gateway(&self) -> &Gateway {
        &self.services.gateway
    }

    /// Registers an app in its vendor's developer console (what
    /// `POST /admin/v1/vendors/{vendor}/apps` does): from then on that
    /// vendor authenticates against its registered apps only, not against
    /// the certificates saved in the IM console.
    pub fn register_vendor_app(&self, app: VendorApp) {
        self.services.apps.register(app);
    }

    /// Forgets all state: accounts, certificates, tokens, journal, vendor
    /// logs, counters and faults. The clock keeps its time.
    pub fn reset(&self) {
        self.im.reset();
        self.services.apps.clear();
        self.services.gateway.reset();
        self.services.journal.clear();
        for v in self.vendors.values() {
            v.reset();
        }
    }

    /// Every route, by path. Vendor endpoints live under `/<vendor>/`.
    pub fn router(&self) -> Router {
        let mut router = Router::new()
            .merge(crate::im::api::router(self.im.clone()))
            .merge(crate::hub::gateway_api::router(
                self.gateway().clone(),
                self.vendors.clone(),
            ))
            .merge(admin::router(self.clone()));
        for (id, v) in self.vendors.iter() {
            router = router.nest(&format!("/{}", id.name()), v.router());
        }
        router
    }

    /// Which vendor a request's `Host` header names, if any.
    fn vendor_for_host(&self, host: &str) -> Option<VendorId> {
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        self.vendors
            .values()
            .find(|v| v.hosts().iter().any(|h| *h == host))
            .map(|v| v.id())
    }

    /// Binds the hub on `addr` and serves it in the background. Vendor
    /// clients are pointed at this hub's own endpoints.
    pub async fn start(&self, addr: SocketAddr) -> std::io::Result<RunningHub> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        for id in self.vendors.keys() {
            if self.im.base_url(*id).is_none() {
                self.im.set_base_url(*id, format!("{base}/{}", id.name()));
            }
        }
        let router = self.router();
        let hub = self.clone();
        // A request addressed to a vendor's real host (hosts-file or proxy
        // redirect) is routed as if it had the `/<vendor>` prefix.
        let app = tower::ServiceBuilder::new()
            .map_request(move |mut req: Request| {
                let host = req
                    .headers()
                    .get(axum::http::header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_string)
                    .or_else(|| req.uri().host().map(str::to_string));
                if let Some(vendor) = host.as_deref().and_then(|h| hub.vendor_for_host(h)) {
                    let pq = req
                        .uri()
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/");
                    if let Ok(uri) = format!("/{}{}", vendor.name(), pq).parse() {
                        *req.uri_mut() = uri;
                    }
                }
                req
            })
            .service(router);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            let make = tower::make::Shared::new(app);
            axum::serve(listener, make)
                .with_graceful_shutdown(shutdown)
                .await
        });
        Ok(RunningHub {
            addr,
            hub: self.clone(),
            shutdown: Some(tx),
            task,
        })
    }
}

/// A hub serving on a socket. Dropping it stops the server.
pub struct RunningHub {
    pub addr: SocketAddr,
    pub hub: Hub,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningHub {
    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Each API the hub serves, with its base URL, for people to read.
    pub fn endpoints(&self) -> Vec<(String, String)> {
        let base = self.base_url();
        let mut v = vec![
            (
                "IM server (TIM REST)".to_string(),
                format!("{base}/v4/openim/sendmsg"),
            ),
            ("IM device API".to_string(), format!("{base}/im/v1")),
            ("device gateway".to_string(), format!("{base}/gateway/v1")),
            ("admin".to_string(), format!("{base}/admin/v1")),
            ("journal".to_string(), format!("{base}/journal")),
        ];
        for (id, vendor) in self.hub.vendors.iter() {
            let name = vendor.id().display_name();
            v.push((name.to_string(), format!("{base}/{}", id.name())));
        }
        v
    }

    /// Stops serving: in-flight requests get a moment to finish; streams
    /// (gateway, IM connections), which never finish on their own, are then
    /// cut.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match tokio::time::timeout(std::time::Duration::from_secs(2), &mut self.task).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(std::io::Error::other(e)),
            Err(_) => {
                self.task.abort();
                Ok(())
            }
        }
    }

    /// Waits until the server ends (it does not on its own).
    pub async fn wait(mut self) -> std::io::Result<()> {
        match (&mut self.task).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}
