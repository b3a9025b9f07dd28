//! Models of the apps that run inside the simulated device: the push service
//! (the ROM's vendor push service, or the companion agent
//! `com.pushlab.agent` that stands in for it) and the IM demo app
//! `com.pushlab.demo`. They follow `docs/device-side.md`, the contract the
//! Java apps follow on a phone: same packages, components, actions and
//! extras; they speak to the hub over real HTTP through sockets the device
//! opens; they act on the device only through [`DeviceOs`].
//!
//! The framework model owns a [`DeviceApps`] and calls its hooks when one of
//! these packages' components is started or a process dies:
//!
//! - [`DeviceApps::service_started`]: `am start-foreground-service -n
//!   com.pushlab.agent/.AgentService --es hub HUB --es device SERIAL`;
//! - [`DeviceApps::broadcast_received`]: a broadcast delivered to one of the
//!   receivers (`.RegisterReceiver`, `.CommandReceiver`, `.PushReceiver`);
//! - [`DeviceApps::activity_started`]: `.SplashActivity` or
//!   `.chat.ChatActivity` of the demo app started;
//! - [`DeviceApps::process_died`]: `am kill`, `am force-stop`, low memory;
//! - [`DeviceApps::notification_removed`]: the user (or the system) removed
//!   a notification (the agent's NotificationListenerService).
//!
//! A ROM whose own push service serves a vendor starts it with
//! [`DeviceApps::start_rom_push_service`].
//!
//! A notification's content intent is a broadcast PendingIntent to the push
//! service's `.CommandReceiver` with `command=tap`: when the user taps it in
//! the shade, the framework fires it (and auto-cancels the notification,
//! then calls [`DeviceApps::notification_removed`]), and the tap reaches the
//! service exactly as the host's `tap` command does.
//!
//! Hooks never block: each model queues the work on its own task, so the
//! framework may call them with any of its state at hand (but not locked).
//! [`manifest`] declares both packages' components and intent filters for
//! the framework to install.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use pushlab::android::{ComponentName, Intent};
//! use pushlab::sim::apps::{DeviceApps, DeviceOs, AGENT_PACKAGE, AGENT_SERVICE, DEMO_PACKAGE};
//!
//! # fn wire(os: Arc<dyn DeviceOs>) {
//! // Once per device, inside the device's tokio runtime.
//! let apps = DeviceApps::new(os);
//! // `am start-foreground-service -n com.pushlab.agent/.AgentService
//! //  --es hub http://127.0.0.1:8081 --es device SIM01`, resolved by the framework:
//! let intent = Intent::default()
//!     .with_extra("hub", "http://127.0.0.1:8081")
//!     .with_extra("device", "SIM01");
//! apps.service_started(&ComponentName::new(AGENT_PACKAGE, AGENT_SERVICE), &intent);
//! // `am kill com.pushlab.demo`: the app's IM connection closes.
//! apps.process_died(DEMO_PACKAGE);
//! # }
//! ```

pub mod demo;
pub mod ext;
mod extras;
pub mod framework_os;
mod http;
pub mod manifest;
pub mod os;
pub mod push_service;
mod task;

use std::sync::Arc;

use tokio::runtime::Handle;

pub use self::demo::DemoApp;
pub use self::http::{HttpError, HubUrl};
pub use self::manifest::{agent_manifest, demo_manifest, AppManifest, ComponentDecl, IntentFilter};
pub use self::os::{
    ChannelSpec, DeviceIo, DeviceOs, DeviceSocket, LogPriority, OsError, PendingKind, PendingTap,
    PostSpec,
};
pub use self::push_service::{PushService, PushServiceConfig};
use crate::android::{ComponentName, Intent};
pub use crate::companion::*;

/// The app models of one device, and the hooks the framework calls.
pub struct DeviceApps {
    push: PushService,
    demo: DemoApp,
}

impl DeviceApps {
    /// Models on `os`. Must be called within a tokio runtime: the models run
    /// their work on it, whichever thread later calls a hook.
    pub fn new(os: Arc<dyn DeviceOs>) -> DeviceApps {
        let handle = Handle::current();
        DeviceApps {
            push: PushService::new(os.clone(), handle.clone()),
            demo: DemoApp::new(os, handle),
        }
    }

    /// The push service model.
    pub fn push_service(&self) -> &PushService {
        &self.push
    }

    /// The demo app model.
    pub fn demo(&self) -> &DemoApp {
        &self.demo
    }

    /// Whether `package` is one of the modelled packages (the push service's
    /// current package counts once started).
    pub fn owns_package(&self, package: &str) -> bool {
        package == AGENT_PACKAGE
            || package == DEMO_PACKAGE
            || self.push.package().as_deref() == Some(package)
    }

    /// A service of a modelled package was started with `intent`. Returns
    /// false for a component the models do not know.
    pub fn service_started(&self, component: &ComponentName, intent: &Intent) -> bool {
        if component.package == AGENT_PACKAGE && component.class == AGENT_SERVICE {
            self.push.start_from_intent(AGENT_PACKAGE, intent);
            return true;
        }
        if component.package == AGENT_PACKAGE && component.class == AGENT_LISTENER_SERVICE {
            return true;
        }
        false
    }

    /// The ROM's own push service starts at boot as `package`, connected to
    /// the hub at `hub` for device `device`.
    pub fn start_rom_push_service(&self, package: &str, hub: HubUrl, device: &str) {
        self.push
            .start(PushServiceConfig::new(package, hub, device));
    }

    /// A broadcast reached a receiver of a modelled package. Returns false
    /// for a receiver the models do not know.
    pub fn broadcast_received(&self, receiver: &ComponentName, intent: &Intent) -> bool {
        if receiver.package == DEMO_PACKAGE && receiver.class == DEMO_PUSH_RECEIVER {
            self.demo.broadcast_received(intent);
            return true;
        }
        // The agent's receivers, or the same receivers of the ROM service
        // the model runs as.
        let ours = receiver.package == AGENT_PACKAGE
            || self.push.package().as_deref() == Some(receiver.package.as_str());
        let class = receiver.class.rsplit('.').next().unwrap_or_default();
        match (ours, class) {
            (true, "RegisterReceiver") => {
                self.push.register_requested(intent);
                true
            }
            (true, "CommandReceiver") => {
                self.push.command_received(intent);
                true
            }
            _ => false,
        }
    }

    /// An activity of a modelled package was started (resumed) with
    /// `intent`. Returns false for an activity the models do not know.
    pub fn activity_started(&self, component: &ComponentName, intent: &Intent) -> bool {
        if component.package == DEMO_PACKAGE
            && (component.class == DEMO_SPLASH_ACTIVITY || component.class == DEMO_CHAT_ACTIVITY)
        {
            self.demo.activity_started(component, intent);
            return true;
        }
        false
    }

    /// A process died (killed, force-stopped, crashed): its connections
    /// close and its in-memory state is gone.
    pub fn process_died(&self, package: &str) {
        if package == DEMO_PACKAGE {
            self.demo.process_died();
        }
        if self.push.package().as_deref() == Some(package) {
            self.push.stop();
        }
    }

    /// The package's data was wiped (`pm clear`, uninstall): what the app
    /// kept across process deaths (its SharedPreferences) is gone.
    /// The push service hears of it as `PACKAGE_DATA_CLEARED`.
    pub fn data_cleared(&self, package: &str) {
        if package == DEMO_PACKAGE {
            self.demo.data_cleared();
        }
        self.push.package_data_cleared(package);
    }

    /// A notification left the shade for a reason of the user's or the
    /// system's (swiped away, app uninstalled...): the push service's
    /// listener reports `removed` for its own notifications.
    pub fn notification_removed(&self, key: &str, reason: &str) {
        self.push.notification_removed(key, reason);
    }

    /// Stops every model: streams and connections close.
    pub fn shutdown(&self) {
        self.push.stop();
        self.demo.process_died();
    }
}

impl Drop for DeviceApps {
    /// The models' tasks hold the models: stop them with their device.
    fn drop(&mut self) {
        self.shutdown();
    }
}
