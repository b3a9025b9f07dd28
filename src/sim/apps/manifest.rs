//! The two companion apps' manifests as data (`docs/device-side.md`,
//! "Packages and components"), so that the framework model installs the
//! same components and intent filters the Java apps declare, and resolves
//! intents to them the way the package manager does.

use crate::android::intent::{ACTION_MAIN, ACTION_VIEW, CATEGORY_BROWSABLE, CATEGORY_LAUNCHER};
use crate::android::{ComponentName, Intent};

use crate::companion::{
    ACTION_COMMAND, ACTION_REGISTER, ACTION_TOKEN, AGENT_COMMAND_RECEIVER,
    AGENT_DATA_CLEARED_RECEIVER, AGENT_LISTENER_SERVICE, AGENT_PACKAGE, AGENT_REGISTER_RECEIVER,
    AGENT_SERVICE, DEMO_ACTION_OPEN_CHAT, DEMO_ACTION_OPEN_CHAT_NO_DEFAULT, DEMO_CHAT_ACTIVITY,
    DEMO_PACKAGE, DEMO_PUSH_RECEIVER, DEMO_SPLASH_ACTIVITY,
};

/// `Intent.CATEGORY_DEFAULT`.
pub const CATEGORY_DEFAULT: &str = "android.intent.category.DEFAULT";

/// An `<intent-filter>`: an intent matches when its action is listed, each
/// of its categories is listed, and its data (if any) has a listed scheme,
/// host and path prefix (empty lists accept anything, as long as the filter
/// names a scheme when the intent has data).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntentFilter {
    pub actions: Vec<&'static str>,
    pub categories: Vec<&'static str>,
    pub schemes: Vec<&'static str>,
    pub hosts: Vec<&'static str>,
    pub path_prefixes: Vec<&'static str>,
}

impl IntentFilter {
    fn actions(actions: &[&'static str]) -> IntentFilter {
        IntentFilter {
            actions: actions.to_vec(),
            ..IntentFilter::default()
        }
    }

    /// Whether `intent` matches, as `IntentFilter.match` decides for
    /// action, categories and data (MIME types are not modelled).
    /// `startActivity` adds `CATEGORY_DEFAULT` to implicit intents; pass
    /// `for_activity` to apply that rule.
    pub fn matches(&self, intent: &Intent, for_activity: bool) -> bool {
        let Some(action) = intent.action.as_deref() else {
            return false;
        };
        if !self.actions.contains(&action) {
            return false;
        }
        let needs_default = for_activity && intent.component.is_none();
        let categories_ok = intent
            .categories
            .iter()
            .map(String::as_str)
            .chain(needs_default.then_some(CATEGORY_DEFAULT))
            .all(|c| self.categories.contains(&c));
        if !categories_ok {
            return false;
        }
        match intent.data.as_deref() {
            None => self.schemes.is_empty(),
            Some(data) => self.matches_data(data),
        }
    }

    fn matches_data(&self, data: &str) -> bool {
        let Ok(uri) = url::Url::parse(data) else {
            return false;
        };
        let listed = |list: &[&str], v: &str| list.is_empty() || list.contains(&v);
        listed(&self.schemes, uri.scheme())
            && !self.schemes.is_empty()
            && listed(&self.hosts, uri.host_str().unwrap_or_default())
            && (self.path_prefixes.is_empty()
                || self.path_prefixes.iter().any(|p| uri.path().starts_with(p)))
    }
}

/// An `<activity>`, `<receiver>` or `<service>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentDecl {
    pub component: ComponentName,
    pub exported: bool,
    pub filters: Vec<IntentFilter>,
}

impl ComponentDecl {
    fn new(package: &str, class: &str, filters: Vec<IntentFilter>) -> ComponentDecl {
        ComponentDecl {
            component: ComponentName::new(package, class),
            exported: true,
            filters,
        }
    }
}

/// One package's manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppManifest {
    pub package: &'static str,
    /// `android:label`.
    pub label: &'static str,
    pub activities: Vec<ComponentDecl>,
    pub receivers: Vec<ComponentDecl>,
    pub services: Vec<ComponentDecl>,
}

impl AppManifest {
    /// The activity an intent starts in this package: explicit by
    /// component, else the first whose filter matches.
    pub fn resolve_activity(&self, intent: &Intent) -> Option<&ComponentDecl> {
        match &intent.component {
            Some(c) => self.activities.iter().find(|a| &a.component == c),
            None => self
                .activities
                .iter()
                .find(|a| a.filters.iter().any(|f| f.matches(intent, true))),
        }
    }

    /// The receivers a broadcast reaches in this package.
    pub fn resolve_receivers(&self, intent: &Intent) -> Vec<&ComponentDecl> {
        match &intent.component {
            Some(c) => self
                .receivers
                .iter()
                .filter(|r| &r.component == c)
                .collect(),
            None => self
                .receivers
                .iter()
                .filter(|r| r.filters.iter().any(|f| f.matches(intent, false)))
                .collect(),
        }
    }
}

/// `com.pushlab.agent`.
pub fn agent_manifest() -> AppManifest {
    let p = AGENT_PACKAGE;
    AppManifest {
        package: p,
        label: "pushlab agent",
        activities: Vec::new(),
        receivers: vec![
            ComponentDecl::new(
                p,
                AGENT_REGISTER_RECEIVER,
                vec![IntentFilter::actions(&[ACTION_REGISTER])],
            ),
            ComponentDecl::new(
                p,
                AGENT_COMMAND_RECEIVER,
                vec![IntentFilter::actions(&[ACTION_COMMAND])],
            ),
            ComponentDecl::new(
                p,
                AGENT_DATA_CLEARED_RECEIVER,
                vec![IntentFilter {
                    actions: vec!["android.intent.action.PACKAGE_DATA_CLEARED"],
                    schemes: vec!["package"],
                    ..IntentFilter::default()
                }],
            ),
        ],
        services: vec![
            ComponentDecl::new(p, AGENT_SERVICE, Vec::new()),
            ComponentDecl::new(
                p,
                AGENT_LISTENER_SERVICE,
                vec![IntentFilter::actions(&[
                    "android.service.notification.NotificationListenerService",
                ])],
            ),
        ],
    }
}

/// The vendor SDK callback actions the demo app's `.PushReceiver` declares,
/// plus pushlab's TOKEN answer.
pub const DEMO_RECEIVER_ACTIONS: &[&str] = &[
    crate::wire::sdk::xiaomi::ACTION_RECEIVE_MESSAGE,
    crate::wire::sdk::vivo::RECEIVE_ACTION,
    crate::wire::sdk::meizu::MESSAGE_ACTION,
    crate::wire::sdk::huawei::MESSAGING_EVENT_ACTION,
    crate::wire::sdk::fcm::RECEIVE_ACTION,
    ACTION_TOKEN,
];

/// `com.pushlab.demo`.
pub fn demo_manifest() -> AppManifest {
    let p = DEMO_PACKAGE;
    AppManifest {
        package: p,
        label: "pushlab demo",
        activities: vec![
            ComponentDecl::new(
                p,
                DEMO_SPLASH_ACTIVITY,
                vec![IntentFilter {
                    actions: vec![ACTION_MAIN],
                    categories: vec![CATEGORY_LAUNCHER],
                    ..IntentFilter::default()
                }],
            ),
            ComponentDecl::new(
                p,
                DEMO_CHAT_ACTIVITY,
                vec![
                    IntentFilter {
                        actions: vec![ACTION_VIEW],
                        categories: vec![CATEGORY_DEFAULT, CATEGORY_BROWSABLE],
                        schemes: vec!["pushscheme"],
                        hosts: vec![DEMO_PACKAGE],
                        path_prefixes: vec!["/detail"],
                    },
                    IntentFilter {
                        actions: vec![DEMO_ACTION_OPEN_CHAT],
                        categories: vec![CATEGORY_DEFAULT],
                        ..IntentFilter::default()
                    },
                    // VIEW with DEFAULT and no data: what the OPPO guide
                    // declares for opening a page by intent action.
                    IntentFilter {
                        actions: vec![ACTION_VIEW],
                        categories: vec![CATEGORY_DEFAULT],
                        ..IntentFilter::default()
                    },
                    // An action without the DEFAULT category, which an
                    // implicit start never matches.
                    IntentFilter {
                        actions: vec![DEMO_ACTION_OPEN_CHAT_NO_DEFAULT],
                        ..IntentFilter::default()
                    },
                ],
            ),
        ],
        receivers: vec![ComponentDecl::new(
            p,
            DEMO_PUSH_RECEIVER,
            vec![IntentFilter::actions(DEMO_RECEIVER_ACTIONS)],
        )],
        services: Vec::new(),
    }
}
