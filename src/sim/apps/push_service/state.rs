//! What the push service's handle and its worker share: the running
//! state, the ordered work, and the constants of the service.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::android::{ComponentName, Intent};
use crate::companion::ACTION_TOKEN;
use crate::sim::apps::http::HubUrl;
use crate::sim::apps::os::DeviceOs;
use crate::sim::apps::task::AbortOnDrop;
use crate::wire::protocol::{DisplayInstruction, StreamItem};

pub(super) const TAG: &str = "PushService";
/// `Intent.FLAG_ACTIVITY_NEW_TASK`: activities started from a service.
pub(super) const FLAG_ACTIVITY_NEW_TASK: u32 = 0x1000_0000;
/// `Intent.CATEGORY_DEFAULT`, which `startActivity` adds for resolution.
pub(super) const CATEGORY_DEFAULT: &str = "android.intent.category.DEFAULT";
/// The first wait before reconnecting the stream; doubles up to the cap.
pub(super) const BACKOFF_START: Duration = Duration::from_millis(50);
pub(super) const BACKOFF_CAP: Duration = Duration::from_secs(5);
/// First notification id when the instruction names none.
pub(super) const FIRST_NOTIFY_ID: i32 = 10_000;

/// Where a push service connects, and as whom it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushServiceConfig {
    /// The service's own package (`com.pushlab.agent`, or the ROM's).
    pub package: String,
    /// The receiver a notification's content intent targets: a tap in the
    /// shade comes back to the service as a `tap` command.
    pub command_receiver: ComponentName,
    pub hub: HubUrl,
    /// The device's id on the gateway (its serial).
    pub device: String,
}

impl PushServiceConfig {
    /// A service running as `package` whose command receiver is
    /// `<package>/.CommandReceiver`.
    pub fn new(package: &str, hub: HubUrl, device: &str) -> PushServiceConfig {
        PushServiceConfig {
            package: package.to_string(),
            command_receiver: ComponentName::new(package, ".CommandReceiver"),
            hub,
            device: device.to_string(),
        }
    }
}

/// One item of the service's ordered work.
pub(super) enum Work {
    Stream(StreamItem),
    Register {
        vendor: Option<String>,
        package: Option<String>,
    },
    Removed {
        key: String,
        reason: String,
    },
}

/// A notification the service posted and still tracks. One the framework
/// removed stays known until its tap is handled: SystemUI fires the content
/// intent and auto-cancels at the same time.
pub(super) struct Shown {
    pub(super) key: String,
    pub(super) instruction: DisplayInstruction,
    pub(super) in_shade: bool,
}

pub(super) struct Running {
    pub(super) config: Arc<PushServiceConfig>,
    pub(super) tx: mpsc::UnboundedSender<Work>,
    pub(super) _tasks: [AbortOnDrop; 2],
}

pub(super) struct State {
    pub(super) running: Option<Running>,
    pub(super) shown: Vec<Shown>,
    pub(super) next_notify_id: i32,
    /// The badge number HMS Core last set per app (it adds `add_num` to it).
    pub(super) badge_numbers: std::collections::BTreeMap<String, u32>,
}

pub(super) struct Inner {
    pub(super) os: Arc<dyn DeviceOs>,
    pub(super) handle: Handle,
    pub(super) state: Mutex<State>,
}

/// The TOKEN broadcast to the app's `.PushReceiver`, without its outcome.
pub(super) fn token_reply(package: &str, vendor: &str) -> Intent {
    let mut reply =
        Intent::new(ACTION_TOKEN).with_component(ComponentName::new(package, ".PushReceiver"));
    reply.extras.insert("vendor", vendor);
    reply
}
