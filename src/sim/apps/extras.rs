//! Reading an intent's extras the way the companion apps do.

use crate::android::{ExtraValue, Intent};

/// A non-empty string extra of the intent.
pub(crate) fn string_extra(intent: &Intent, key: &str) -> Option<String> {
    intent
        .extras
        .get(key)
        .and_then(ExtraValue::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
