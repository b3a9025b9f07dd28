//! The settings provider (`settings get/put/delete`); the listener list
//! is the notification manager's.

use super::model::{AndroidModel, ENABLED_LISTENERS};

impl AndroidModel {
    /// A `settings` value. `secure enabled_notification_listeners` is the
    /// allowed listeners, as on a phone (from API 18, which has them).
    pub fn setting(&self, namespace: &str, key: &str) -> Option<String> {
        let st = self.state.lock();
        if (namespace, key) == ("secure", ENABLED_LISTENERS) && self.has_listeners() {
            let v: Vec<String> = st.listeners.iter().map(|c| c.flatten_to_string()).collect();
            return (!v.is_empty()).then(|| v.join(":"));
        }
        st.settings
            .get(&(namespace.to_string(), key.to_string()))
            .cloned()
    }

    /// `settings put` (`None`: `settings delete`). Unparsable listener
    /// entries are ignored, as the notification manager ignores them.
    pub fn set_setting(&self, namespace: &str, key: &str, value: Option<&str>) {
        let mut st = self.state.lock();
        if (namespace, key) == ("secure", ENABLED_LISTENERS) && self.has_listeners() {
            st.listeners = value
                .unwrap_or_default()
                .split(':')
                .filter_map(|c| c.parse().ok())
                .collect();
            return;
        }
        let k = (namespace.to_string(), key.to_string());
        match value {
            Some(v) => st.settings.insert(k, v.to_string()),
            None => st.settings.remove(&k),
        };
    }
}
