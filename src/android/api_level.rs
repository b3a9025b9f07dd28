//! Android API levels (`ro.build.version.sdk`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An SDK level such as 33 (Android 13). Behaviour that changed between
/// releases (notification channels, web-intent verification, the resumed
/// activity line in `dumpsys activity`) is keyed on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiLevel(pub u32);

impl ApiLevel {
    /// Android 8.0: notification channels are required (targetSdk ≥ 26).
    pub const O: ApiLevel = ApiLevel(26);
    pub const P: ApiLevel = ApiLevel(28);
    pub const Q: ApiLevel = ApiLevel(29);
    pub const R: ApiLevel = ApiLevel(30);
    /// Android 12: generic web intents open the browser unless the app is verified.
    pub const S: ApiLevel = ApiLevel(31);
    /// Android 13: `POST_NOTIFICATIONS` runtime permission.
    pub const TIRAMISU: ApiLevel = ApiLevel(33);
    pub const UPSIDE_DOWN_CAKE: ApiLevel = ApiLevel(34);
    pub const VANILLA_ICE_CREAM: ApiLevel = ApiLevel(35);
    pub const BAKLAVA: ApiLevel = ApiLevel(36);

    /// Reads `getprop ro.build.version.sdk` output.
    pub fn parse(s: &str) -> Option<ApiLevel> {
        s.trim().parse().ok().map(ApiLevel)
    }

    /// Whether apps must post to an existing channel (API 26+).
    pub fn has_notification_channels(self) -> bool {
        self >= Self::O
    }

    /// The marketing version, e.g. "13" for 33, when known.
    pub fn release(self) -> Option<&'static str> {
        Some(match self.0 {
            16 => "4.1",
            17 => "4.2",
            18 => "4.3",
            19 => "4.4",
            20 => "4.4W",
            21 => "5.0",
            22 => "5.1",
            23 => "6.0",
            24 => "7.0",
            25 => "7.1",
            26 => "8.0",
            27 => "8.1",
            28 => "9",
            29 => "10",
            30 => "11",
            31 => "12",
            32 => "12L",
            33 => "13",
            34 => "14",
            35 => "15",
            36 => "16",
            _ => return None,
        })
    }
}

impl fmt::Display for ApiLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.release() {
            Some(r) => write!(f, "API {} (Android {r})", self.0),
            None => write!(f, "API {}", self.0),
        }
    }
}
