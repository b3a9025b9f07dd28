//! The package manager's records: manifests (components, intent filters,
//! permissions), install state, and the packages a ROM ships with.

use std::collections::{BTreeMap, BTreeSet};

use crate::android::{ComponentName, Intent};
use crate::sim::profile::{Profile, Rom};

/// `android.permission.POST_NOTIFICATIONS` (runtime permission on API 33+).
pub const POST_NOTIFICATIONS: &str = "android.permission.POST_NOTIFICATIONS";
/// `android.intent.category.DEFAULT`.
pub const CATEGORY_DEFAULT: &str = "android.intent.category.DEFAULT";
/// `android.intent.category.HOME`.
pub const CATEGORY_HOME: &str = "android.intent.category.HOME";

/// Permissions granted at install time (normal protection level); every
/// other requested permission is a runtime one that needs `pm grant`.
const INSTALL_TIME: &[&str] = &[
    "android.permission.INTERNET",
    "android.permission.ACCESS_NETWORK_STATE",
    "android.permission.FOREGROUND_SERVICE",
    "android.permission.WAKE_LOCK",
    "android.permission.RECEIVE_BOOT_COMPLETED",
    "android.permission.VIBRATE",
    "android.permission.FOREGROUND_SERVICE_REMOTE_MESSAGING",
    "android.permission.FOREGROUND_SERVICE_DATA_SYNC",
];

/// Whether a permission is granted at install time.
pub fn is_install_time_permission(p: &str) -> bool {
    INSTALL_TIME.contains(&p) || p.starts_with("com.") || p.ends_with(".C2D_MESSAGE")
}

/// A path pattern of an intent filter's `<data>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// `android:path`.
    Literal(String),
    /// `android:pathPrefix`.
    Prefix(String),
    /// `android:pathPattern` (`.*` and `*` as Android's simple glob).
    Pattern(String),
}

impl PathMatch {
    fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Literal(p) => path == p,
            PathMatch::Prefix(p) => path.starts_with(p.as_str()),
            PathMatch::Pattern(p) => simple_glob(p, path),
        }
    }
}

/// Android's `PatternMatcher.PATTERN_SIMPLE_GLOB`: `.` any char, `*` zero or
/// more of the preceding char, `.*` anything.
fn simple_glob(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    fn go(p: &[char], t: &[char]) -> bool {
        match p {
            [] => t.is_empty(),
            [c, '*', rest @ ..] => {
                let mut i = 0;
                loop {
                    if go(rest, &t[i..]) {
                        return true;
                    }
                    if i < t.len() && (*c == '.' || t[i] == *c) {
                        i += 1;
                    } else {
                        return false;
                    }
                }
            }
            ['\\', c, rest @ ..] => t.first() == Some(c) && go(rest, &t[1..]),
            [c, rest @ ..] => !t.is_empty() && (*c == '.' || t[0] == *c) && go(rest, &t[1..]),
        }
    }
    go(&p, &t)
}

/// One `<intent-filter>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntentFilter {
    pub actions: Vec<String>,
    pub categories: Vec<String>,
    pub schemes: Vec<String>,
    pub hosts: Vec<String>,
    pub paths: Vec<PathMatch>,
    pub mime_types: Vec<String>,
}

impl IntentFilter {
    /// A filter for one action with the given categories.
    pub fn action(action: &str, categories: &[&str]) -> Self {
        IntentFilter {
            actions: vec![action.to_string()],
            categories: categories.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        }
    }

    /// Adds `<data android:scheme android:host android:path…>`.
    pub fn with_data(mut self, scheme: &str, host: Option<&str>, path: Option<PathMatch>) -> Self {
        self.schemes.push(scheme.to_string());
        if let Some(h) = host {
            self.hosts.push(h.to_string());
        }
        if let Some(p) = path {
            self.paths.push(p);
        }
        self
    }

    /// `IntentFilter.match` for action, categories and data. `need_default`
    /// is set for implicit activity resolution (`MATCH_DEFAULT_ONLY`).
    pub fn matches(&self, intent: &Intent, need_default: bool) -> bool {
        match &intent.action {
            Some(a) if !self.actions.iter().any(|x| x == a) => return false,
            None if self.actions.is_empty() => return false,
            _ => {}
        }
        if intent
            .categories
            .iter()
            .any(|c| !self.categories.contains(c))
        {
            return false;
        }
        if need_default && !self.categories.iter().any(|c| c == CATEGORY_DEFAULT) {
            return false;
        }
        self.matches_data(intent)
    }

    fn matches_data(&self, intent: &Intent) -> bool {
        let has_type = intent.mime_type.is_some();
        if self.schemes.is_empty() && self.mime_types.is_empty() {
            return intent.data.is_none() && !has_type;
        }
        if has_type {
            let t = intent.mime_type.as_deref().unwrap_or("");
            let ok = self.mime_types.iter().any(|m| {
                m == t
                    || m == "*/*"
                    || m.strip_suffix("/*")
                        .is_some_and(|p| t.split('/').next() == Some(p))
            });
            if !ok {
                return false;
            }
        } else if !self.mime_types.is_empty() && self.schemes.is_empty() {
            return false;
        }
        let Some(data) = intent.data.as_deref() else {
            return self.schemes.is_empty();
        };
        let parsed = ParsedUri::parse(data);
        if !self
            .schemes
            .iter()
            .any(|s| Some(s.as_str()) == parsed.scheme.as_deref())
        {
            return false;
        }
        if self.hosts.is_empty() {
            return true;
        }
        let host_ok = self.hosts.iter().any(|h| {
            let host = parsed.host.as_deref().unwrap_or("");
            h == "*"
                || h.eq_ignore_ascii_case(host)
                || h.strip_prefix('*')
                    .is_some_and(|suffix| host.ends_with(suffix))
        });
        if !host_ok {
            return false;
        }
        self.paths.is_empty() || self.paths.iter().any(|p| p.matches(&parsed.path))
    }
}

/// The parts of a data URI an intent filter looks at.
#[derive(Debug, Clone, Default)]
pub struct ParsedUri {
    pub scheme: Option<String>,
    pub host: Option<String>,
    pub path: String,
}

impl ParsedUri {
    /// Splits `scheme://host:port/path?query#frag`.
    pub fn parse(s: &str) -> Self {
        let Some((scheme, rest)) = crate::android::uri::split_scheme(s) else {
            return ParsedUri::default();
        };
        let rest = rest.split('#').next().unwrap_or("");
        let rest = rest.split('?').next().unwrap_or("");
        let (host, path) = match rest.strip_prefix("//") {
            Some(auth) => {
                let (a, p) = match auth.find('/') {
                    Some(i) => (&auth[..i], &auth[i..]),
                    None => (auth, ""),
                };
                let a = a.rsplit('@').next().unwrap_or(a);
                let host = a.split(':').next().unwrap_or(a);
                (Some(host.to_ascii_lowercase()), p.to_string())
            }
            None => (None, String::new()),
        };
        ParsedUri {
            scheme: Some(scheme.to_ascii_lowercase()),
            host,
            path,
        }
    }
}

/// What kind of component a manifest entry declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    Activity,
    Receiver,
    Service,
}

/// An `<activity>`, `<receiver>` or `<service>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentInfo {
    /// The fully qualified class name.
    pub class: String,
    pub exported: bool,
    pub filters: Vec<IntentFilter>,
    /// `android:permission` the caller needs.
    pub permission: Option<String>,
    /// `android:label`, shown in the simulated UI.
    pub label: Option<String>,
    /// `android:launchMode="singleTop"` (activities): an intent for the
    /// instance on top of its task is delivered to it (`onNewIntent`).
    pub single_top: bool,
}

impl ComponentInfo {
    /// A component with filters; exported defaults to "has filters", as
    /// before API 31.
    pub fn new(class: impl Into<String>, filters: Vec<IntentFilter>) -> Self {
        let exported = !filters.is_empty();
        ComponentInfo {
            class: class.into(),
            exported,
            filters,
            permission: None,
            label: None,
            single_top: false,
        }
    }

    /// Sets `android:exported`.
    pub fn exported(mut self, exported: bool) -> Self {
        self.exported = exported;
        self
    }

    /// Sets `android:launchMode="singleTop"`.
    pub fn single_top(mut self) -> Self {
        self.single_top = true;
        self
    }

    /// Sets `android:permission`.
    pub fn permission(mut self, p: &str) -> Self {
        self.permission = Some(p.to_string());
        self
    }

    /// Whether a filter has MAIN + LAUNCHER.
    pub fn is_launcher(&self) -> bool {
        self.filters.iter().any(|f| {
            f.actions
                .iter()
                .any(|a| a == crate::android::intent::ACTION_MAIN)
                && f.categories
                    .iter()
                    .any(|c| c == crate::android::intent::CATEGORY_LAUNCHER)
        })
    }
}

/// An `AndroidManifest.xml` as far as the model needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub package: String,
    pub version_code: i64,
    pub version_name: String,
    pub min_sdk: u32,
    pub target_sdk: u32,
    /// `android:label` of `<application>`.
    pub label: String,
    pub activities: Vec<ComponentInfo>,
    pub receivers: Vec<ComponentInfo>,
    pub services: Vec<ComponentInfo>,
    pub requested_permissions: Vec<String>,
}

impl Manifest {
    /// An empty manifest for a package.
    pub fn new(package: &str, label: &str) -> Self {
        Manifest {
            package: package.to_string(),
            version_code: 1,
            version_name: "1.0".into(),
            min_sdk: 21,
            target_sdk: 33,
            label: label.to_string(),
            activities: Vec::new(),
            receivers: Vec::new(),
            services: Vec::new(),
            requested_permissions: Vec::new(),
        }
    }

    /// The fully qualified class of `.Name`, `Name` or `a.b.Name`.
    pub fn qualify(&self, class: &str) -> String {
        if let Some(rest) = class.strip_prefix('.') {
            format!("{}.{}", self.package, rest)
        } else if !class.contains('.') {
            format!("{}.{}", self.package, class)
        } else {
            class.to_string()
        }
    }

    /// The components of one kind.
    pub fn components(&self, kind: ComponentKind) -> &[ComponentInfo] {
        match kind {
            ComponentKind::Activity => &self.activities,
            ComponentKind::Receiver => &self.receivers,
            ComponentKind::Service => &self.services,
        }
    }

    /// A component by class (full or `.Short`).
    pub fn component(&self, kind: ComponentKind, class: &str) -> Option<&ComponentInfo> {
        let full = self.qualify(class);
        self.components(kind).iter().find(|c| c.class == full)
    }

    /// The MAIN/LAUNCHER activity.
    pub fn launcher_activity(&self) -> Option<ComponentName> {
        self.activities
            .iter()
            .find(|a| a.is_launcher())
            .map(|a| ComponentName::new(&self.package, &a.class))
    }
}

/// A package known to the package manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub manifest: Manifest,
    pub uid: u32,
    /// A system (preinstalled, `-s`) package.
    pub system: bool,
    /// `base.apk` path printed by `pm path` and `pm list packages -f`.
    pub code_path: String,
    /// The installer (`pm list packages -i`).
    pub installer: Option<String>,
    /// Runtime and install-time permissions currently granted.
    pub granted: BTreeSet<String>,
    /// The stopped state (force-stopped or never launched).
    pub stopped: bool,
    /// `firstInstallTime` (ms since the epoch).
    pub installed_at_ms: u64,
}

impl Package {
    /// A package from its manifest, with install-time permissions granted.
    pub fn new(manifest: Manifest, uid: u32, system: bool, code_path: String) -> Self {
        let granted = manifest
            .requested_permissions
            .iter()
            .filter(|p| is_install_time_permission(p))
            .cloned()
            .collect();
        Package {
            manifest,
            uid,
            system,
            code_path,
            installer: None,
            granted,
            stopped: false,
            installed_at_ms: crate::sim::framework::logcat::now_ms(),
        }
    }

    pub fn name(&self) -> &str {
        &self.manifest.package
    }

    /// `u0_a<N>` for apps, the system user names below 10000.
    pub fn user_name(&self) -> String {
        uid_user_name(self.uid)
    }
}

/// The `ps` USER column for a uid.
pub fn uid_user_name(uid: u32) -> String {
    match uid {
        0 => "root".into(),
        1000 => "system".into(),
        1001 => "radio".into(),
        1027 => "nfc".into(),
        2000 => "shell".into(),
        u if u % 100_000 >= 10_000 => format!("u{}_a{}", u / 100_000, u % 100_000 - 10_000),
        u => u.to_string(),
    }
}

/// The `u0a<N>` form used in ActivityManager log lines.
pub fn uid_short(uid: u32) -> String {
    if uid % 100_000 >= 10_000 {
        format!("u{}a{}", uid / 100_000, uid % 100_000 - 10_000)
    } else {
        uid.to_string()
    }
}

/// The companion push agent's package (docs/device-side.md).
pub const AGENT_PACKAGE: &str = "com.pushlab.agent";
/// The companion demo IM app's package (docs/device-side.md).
pub const DEMO_PACKAGE: &str = "com.pushlab.demo";
/// The shell's package (`cmd notification post` posts as it).
pub const SHELL_PACKAGE: &str = "com.android.shell";
/// The launcher's package.
pub const LAUNCHER_PACKAGE: &str = "com.android.launcher3";
/// The launcher's home activity (as in the API 33 capture).
pub const LAUNCHER_ACTIVITY: &str = "com.android.launcher3.uioverrides.QuickstepLauncher";
/// The System UI package (the notification shade).
pub const SYSTEMUI_PACKAGE: &str = "com.android.systemui";

/// The vendor SDK callback actions the demo app's `.PushReceiver` takes.
pub const DEMO_PUSH_ACTIONS: &[&str] = &[
    "com.xiaomi.mipush.RECEIVE_MESSAGE",
    "com.vivo.pushclient.action.RECEIVE",
    "com.meizu.flyme.push.intent.MESSAGE",
    "com.huawei.push.action.MESSAGING_EVENT",
    "com.google.android.c2dm.intent.RECEIVE",
    "com.pushlab.agent.TOKEN",
];

/// `com.pushlab.agent`'s manifest (docs/device-side.md).
pub fn agent_manifest() -> Manifest {
    let mut m = Manifest::new(AGENT_PACKAGE, "pushlab agent");
    m.version_code = 1;
    m.version_name = "0.1.0".into();
    m.services
        .push(ComponentInfo::new("com.pushlab.agent.AgentService", vec![]).exported(true));
    m.services.push(
        ComponentInfo::new(
            "com.pushlab.agent.ListenerService",
            vec![IntentFilter::action(
                "android.service.notification.NotificationListenerService",
                &[],
            )],
        )
        .permission("android.permission.BIND_NOTIFICATION_LISTENER_SERVICE"),
    );
    m.receivers.push(ComponentInfo::new(
        "com.pushlab.agent.RegisterReceiver",
        vec![IntentFilter::action("com.pushlab.agent.REGISTER", &[])],
    ));
    m.receivers.push(ComponentInfo::new(
        "com.pushlab.agent.CommandReceiver",
        vec![IntentFilter::action("com.pushlab.agent.COMMAND", &[])],
    ));
    m.requested_permissions = vec![
        "android.permission.INTERNET".into(),
        "android.permission.FOREGROUND_SERVICE".into(),
        POST_NOTIFICATIONS.into(),
    ];
    m
}

/// `com.pushlab.demo`'s manifest (docs/device-side.md).
pub fn demo_manifest() -> Manifest {
    let mut m = Manifest::new(DEMO_PACKAGE, "pushlab demo");
    m.version_code = 1;
    m.version_name = "0.1.0".into();
    m.activities.push(
        ComponentInfo::new(
            "com.pushlab.demo.SplashActivity",
            vec![IntentFilter::action(
                crate::android::intent::ACTION_MAIN,
                &[crate::android::intent::CATEGORY_LAUNCHER],
            )],
        )
        // As android-app/demo's manifest declares it.
        .single_top(),
    );
    m.activities.push(ComponentInfo::new(
        "com.pushlab.demo.chat.ChatActivity",
        vec![
            IntentFilter::action(
                crate::android::intent::ACTION_VIEW,
                &[CATEGORY_DEFAULT, crate::android::intent::CATEGORY_BROWSABLE],
            )
            .with_data(
                "pushscheme",
                Some("com.pushlab.demo"),
                Some(PathMatch::Literal("/detail".into())),
            ),
            IntentFilter::action("com.pushlab.demo.OPEN_CHAT", &[CATEGORY_DEFAULT]),
            // VIEW + DEFAULT without data (OPPO's open-by-action example).
            IntentFilter::action(crate::android::intent::ACTION_VIEW, &[CATEGORY_DEFAULT]),
            // An action without DEFAULT: implicit starts never match it.
            IntentFilter::action(crate::companion::DEMO_ACTION_OPEN_CHAT_NO_DEFAULT, &[]),
        ],
    ));
    m.receivers.push(ComponentInfo::new(
        "com.pushlab.demo.PushReceiver",
        vec![IntentFilter {
            actions: DEMO_PUSH_ACTIONS.iter().map(|a| a.to_string()).collect(),
            ..Default::default()
        }],
    ));
    m.requested_permissions = vec![
        "android.permission.INTERNET".into(),
        POST_NOTIFICATIONS.into(),
    ];
    m
}

/// The default browser of a ROM: package and its VIEW activity.
pub fn browser_for(rom: Rom) -> (&'static str, &'static str, &'static str) {
    match rom {
        Rom::AospGms => (
            "com.android.chrome",
            "com.google.android.apps.chrome.Main",
            "Chrome",
        ),
        Rom::AospNoGms => (
            "org.chromium.webview_shell",
            "org.chromium.webview_shell.WebViewBrowserActivity",
            "WebView Browser",
        ),
        Rom::Miui => (
            "com.android.browser",
            "com.android.browser.BrowserActivity",
            "Mi Browser",
        ),
        Rom::Emui => (
            "com.huawei.browser",
            "com.huawei.browser.Main",
            "Huawei Browser",
        ),
        Rom::ColorOs => (
            "com.heytap.browser",
            "com.heytap.browser.main.BrowserActivity",
            "Browser",
        ),
        Rom::FuntouchOs => (
            "com.vivo.browser",
            "com.vivo.browser.MainActivity",
            "vivo Browser",
        ),
        Rom::Flyme => (
            "com.android.browser",
            "com.android.browser.BrowserActivity",
            "Browser",
        ),
    }
}

/// The ROM's own push service package, if the ROM ships one.
pub fn push_service_for(profile: &Profile) -> Option<(&'static str, &'static str)> {
    let api = profile.api_level.get();
    match profile.rom {
        Rom::AospGms => Some(("com.google.android.gms", "Google Play services")),
        Rom::AospNoGms => None,
        Rom::Miui => Some(("com.xiaomi.xmsf", "Xiaomi Service Framework")),
        Rom::Emui => profile
            .hms_core_version
            .map(|_| ("com.huawei.hwid", "HMS Core")),
        Rom::ColorOs if !profile.vendor_push => None,
        Rom::ColorOs if api >= 29 => Some(("com.heytap.mcs", "Push service")),
        Rom::ColorOs => Some(("com.coloros.mcs", "Push service")),
        Rom::FuntouchOs if !profile.vendor_push => None,
        Rom::FuntouchOs => Some(("com.vivo.pushservice", "vivo push")),
        Rom::Flyme => Some(("com.meizu.cloud", "Flyme push")),
    }
}

/// Push-related services the device carries besides the ROM's own push
/// service ([`push_service_for`]), with their version codes: HMS Core on a
/// non-Huawei ROM that has it, Play services on a ROM other than
/// `aosp-gms` that has them (a global Xiaomi, a Huawei from before 2019).
pub fn extra_services_for(profile: &Profile) -> Vec<(&'static str, &'static str, u64)> {
    let mut out = Vec::new();
    if let (Some(v), false) = (profile.hms_core_version, profile.rom == Rom::Emui) {
        out.push((crate::wire::facts::HMS_CORE_PACKAGE, "HMS Core", v));
    }
    if let (Some(v), false) = (profile.play_services, profile.rom == Rom::AospGms) {
        out.push((
            crate::wire::facts::PLAY_SERVICES_PACKAGE,
            "Google Play services",
            v,
        ));
    }
    out
}

/// Every package the device boots with: the ROM's, and the companion apps
/// unless `companions` is false (a phone on which pushlab has not yet
/// installed them).
pub fn preinstalled(profile: &Profile, companions: bool) -> Vec<Package> {
    let mut out = Vec::new();
    let sys = |m: Manifest, uid: u32, dir: &str| {
        let path = format!(
            "/{dir}/{}/{}.apk",
            short_dir(&m.package),
            short_dir(&m.package)
        );
        let mut p = Package::new(m, uid, true, path);
        let perms = p.manifest.requested_permissions.clone();
        p.granted.extend(perms);
        p
    };
    let mut android = Manifest::new("android", "Android System");
    android.target_sdk = u32::from(profile.api_level.get());
    out.push(sys(android, 1000, "system/framework"));
    let mut shell = Manifest::new(SHELL_PACKAGE, "Shell");
    shell.requested_permissions = vec![POST_NOTIFICATIONS.into()];
    out.push(sys(shell, 2000, "system/priv-app"));
    out.push(sys(
        Manifest::new(SYSTEMUI_PACKAGE, "System UI"),
        10_086,
        "system_ext/priv-app",
    ));
    let mut launcher = Manifest::new(LAUNCHER_PACKAGE, "Launcher");
    launcher.activities.push(ComponentInfo::new(
        LAUNCHER_ACTIVITY,
        vec![IntentFilter::action(
            crate::android::intent::ACTION_MAIN,
            &[CATEGORY_HOME, CATEGORY_DEFAULT],
        )],
    ));
    out.push(sys(launcher, 10_081, "system_ext/priv-app"));
    let (bpkg, bcls, blabel) = browser_for(profile.rom);
    let mut browser = Manifest::new(bpkg, blabel);
    let mut view = IntentFilter::action(
        crate::android::intent::ACTION_VIEW,
        &[CATEGORY_DEFAULT, crate::android::intent::CATEGORY_BROWSABLE],
    );
    view.schemes = vec!["http".into(), "https".into()];
    browser.activities.push(ComponentInfo::new(
        bcls,
        vec![
            IntentFilter::action(
                crate::android::intent::ACTION_MAIN,
                &[crate::android::intent::CATEGORY_LAUNCHER],
            ),
            view,
        ],
    ));
    out.push(sys(browser, 10_110, "product/app"));
    if let Some((pkg, label)) = push_service_for(profile) {
        let mut m = Manifest::new(pkg, label);
        // `dumpsys package com.huawei.hwid` shows HMS Core's version code,
        // which is how a host reads it on a real Huawei phone.
        m.version_code = match (profile.rom, profile.hms_core_version, profile.play_services) {
            (Rom::Emui, Some(v), _) | (Rom::AospGms, _, Some(v)) => {
                i64::try_from(v).unwrap_or(i64::MAX)
            }
            _ => 1,
        };
        m.services
            .push(ComponentInfo::new(format!("{pkg}.PushService"), vec![]).exported(true));
        out.push(sys(m, 10_120, "system/priv-app"));
    }
    for (uid, (pkg, label, version)) in (10_121..).zip(extra_services_for(profile)) {
        let mut m = Manifest::new(pkg, label);
        m.version_code = i64::try_from(version).unwrap_or(i64::MAX);
        out.push(sys(m, uid, "system/priv-app"));
    }
    let app = |m: Manifest, uid: u32| {
        let path = format!(
            "/data/app/~~{}==/{}-1/base.apk",
            short_dir(&m.package).replace('.', ""),
            m.package
        );
        let mut p = Package::new(m, uid, false, path);
        // Preinstalled companions have been opened once: the user allowed
        // notifications and the package left the stopped state.
        let perms = p.manifest.requested_permissions.clone();
        p.granted.extend(perms);
        p.installer = Some("com.android.shell".into());
        p
    };
    if companions {
        out.push(app(agent_manifest(), 10_200));
        out.push(app(demo_manifest(), 10_201));
    }
    out
}

fn short_dir(pkg: &str) -> String {
    pkg.rsplit('.').next().unwrap_or(pkg).to_string()
}

/// Packages by name, for lookups.
pub type PackageTable = BTreeMap<String, Package>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::intent::{ACTION_VIEW, CATEGORY_BROWSABLE};

    #[test]
    fn filters_match_action_category_and_data() {
        let chat = &demo_manifest().activities[1];
        let deep = Intent::view("pushscheme://com.pushlab.demo/detail?id=3");
        assert!(chat.filters.iter().any(|f| f.matches(&deep, true)));
        let mut browsable = deep.clone();
        browsable.add_category(CATEGORY_BROWSABLE);
        assert!(chat.filters.iter().any(|f| f.matches(&browsable, true)));
        let other_path = Intent::view("pushscheme://com.pushlab.demo/other");
        assert!(!chat.filters.iter().any(|f| f.matches(&other_path, true)));
        let other_host = Intent::view("pushscheme://elsewhere/detail");
        assert!(!chat.filters.iter().any(|f| f.matches(&other_host, true)));
        let open = Intent::new("com.pushlab.demo.OPEN_CHAT");
        assert!(chat.filters.iter().any(|f| f.matches(&open, true)));
        let mut with_data = open.clone();
        with_data.data = Some("x:y".into());
        assert!(!chat.filters.iter().any(|f| f.matches(&with_data, true)));
        // VIEW without data is the chat's (OPPO by action); a web page is not.
        assert!(chat
            .filters
            .iter()
            .any(|f| f.matches(&Intent::new(ACTION_VIEW), true)));
        let web = Intent::view("https://pushlab.example/landing");
        assert!(!chat.filters.iter().any(|f| f.matches(&web, true)));
    }

    #[test]
    fn path_patterns_follow_simple_glob() {
        assert!(simple_glob("/item/.*", "/item/42"));
        assert!(simple_glob("/a*b", "/aaab"));
        assert!(simple_glob("/a*b", "/b"));
        assert!(!simple_glob("/a.b", "/ab"));
        assert!(simple_glob("\\.x", ".x"));
        assert!(!simple_glob("/x", "/xy"));
    }

    #[test]
    fn uids_print_like_ps() {
        assert_eq!(uid_user_name(10_201), "u0_a201");
        assert_eq!(uid_short(10_201), "u0a201");
        assert_eq!(uid_user_name(2000), "shell");
    }
}
