//! Broadcast delivery to manifest receivers: the stopped state and the
//! API 26 background limits.

use std::sync::Arc;

use super::intents::intent_string;
use super::model::{AndroidModel, Event, FLAG_EXCLUDE_STOPPED_PACKAGES};
use super::packages::ComponentKind;
use super::types::{BroadcastOutcome, Caller};
use crate::android::LogLevel;
use crate::android::{ComponentName, Intent, LaunchFlags};

impl AndroidModel {
    /// Sends a broadcast as `caller` to manifest receivers. Stopped
    /// packages are skipped unless the intent has
    /// `FLAG_INCLUDE_STOPPED_PACKAGES`; on API 26+ an implicit broadcast
    /// (no component, no package) reaches no manifest receiver.
    pub fn send_broadcast(self: &Arc<Self>, caller: &Caller, intent: &Intent) -> BroadcastOutcome {
        let mut events = Vec::new();
        let mut out = BroadcastOutcome::default();
        {
            let mut st = self.state.lock();
            let flags = intent.launch_flags.0;
            let include_stopped = flags & LaunchFlags::INCLUDE_STOPPED_PACKAGES != 0
                && flags & FLAG_EXCLUDE_STOPPED_PACKAGES == 0;
            let mut targets: Vec<(ComponentName, bool)> = Vec::new();
            if let Some(c) = &intent.component {
                if let Some(r) = st
                    .packages
                    .get(&c.package)
                    .and_then(|p| p.manifest.component(ComponentKind::Receiver, &c.class))
                {
                    targets.push((ComponentName::new(&c.package, &r.class), r.exported));
                }
            } else {
                for p in st.packages.values() {
                    if intent.package.as_ref().is_some_and(|w| w != p.name()) {
                        continue;
                    }
                    for r in &p.manifest.receivers {
                        if r.filters.iter().any(|f| f.matches(intent, false)) {
                            targets.push((ComponentName::new(p.name(), &r.class), r.exported));
                        }
                    }
                }
            }
            let implicit = intent.component.is_none() && intent.package.is_none();
            for (cmp, exported) in targets {
                if !exported && caller.package() != Some(cmp.package.as_str()) {
                    continue;
                }
                let stopped = st.packages.get(&cmp.package).is_some_and(|p| p.stopped);
                if stopped && !include_stopped {
                    out.skipped_stopped.push(cmp);
                    continue;
                }
                if implicit && self.api() >= 26 {
                    let mut shown = intent.clone();
                    shown.launch_flags = LaunchFlags(flags | 0x10);
                    self.log_system(
                        LogLevel::Warn,
                        "BroadcastQueue",
                        &format!(
                            "Background execution not allowed: receiving {} to {}",
                            intent_string(&shown),
                            cmp.flatten_to_short_string()
                        ),
                    );
                    out.background_blocked.push(cmp);
                    continue;
                }
                self.ensure_process(&mut st, &cmp.package, "broadcast", &cmp);
                events.push(Event::Broadcast(
                    cmp.package.clone(),
                    cmp.clone(),
                    intent.clone(),
                ));
                out.delivered.push(cmp);
            }
        }
        self.dispatch(events);
        out
    }
}
