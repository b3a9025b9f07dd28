//! `dumpsys notification`, `dumpsys activity activities` and
//! `dumpsys package` in the formats of the captured devices
//! (the captures in `fixtures/device/dumpsys-*.txt`).

use std::fmt::Write;

use super::packages::Package;
use super::state::{Channel, ContentIntent, PostedNotification, State, Task};
use crate::android::{ExtraValue, Importance};

/// `ActivityRecord{…}` as the API level prints it (12+ puts a `}` before
/// ` t<id>}`, as in the API 33 capture).
fn activity_record(api: u8, hash: u32, cmp: &crate::android::ComponentName, task: u32) -> String {
    if api >= 31 {
        format!(
            "ActivityRecord{{{hash:x} u0 {}}} t{task}}}",
            cmp.flatten_to_short_string()
        )
    } else {
        format!(
            "ActivityRecord{{{hash:x} u0 {} t{task}}}",
            cmp.flatten_to_short_string()
        )
    }
}

fn task_line(t: &Task, top: bool) -> String {
    if t.home {
        format!(
            "Task{{{:x} #{} type=home I={} U=0 visible={top} visibleRequested={top} mode=fullscreen translucent=false sz={}}}",
            t.hash,
            t.id,
            t.activities
                .first()
                .map(|a| a.component.flatten_to_short_string())
                .unwrap_or_default(),
            t.activities.len()
        )
    } else {
        format!(
            "Task{{{:x} #{} type=standard A={}:{} U=0 visible={top} visibleRequested={top} mode=fullscreen translucent=false sz={}}}",
            t.hash,
            t.id,
            t.uid,
            t.affinity,
            t.activities.len()
        )
    }
}

/// One task of `dumpsys activity activities` on API 31+.
fn task_modern(o: &mut String, api: u8, t: &Task, top: bool) {
    let _ = writeln!(o, "  * {}", task_line(t, top));
    let _ = writeln!(o, "    mLastPausedActivity: null");
    for (n, a) in t.activities.iter().enumerate().rev() {
        let _ = writeln!(
            o,
            "    * Hist  #{n}: {}",
            activity_record(api, a.hash, &a.component, t.id)
        );
        let _ = writeln!(
            o,
            "      packageName={} processName={}",
            a.component.package, a.component.package
        );
        let _ = writeln!(
            o,
            "      Intent {{ {} }}",
            super::intents::short_string(&a.intent, true)
        );
    }
    o.push('\n');
}

/// One stack of `dumpsys activity activities` below API 31; `resumed` is
/// the resumed activity's record when this is the top stack.
fn stack_legacy(o: &mut String, api: u8, t: &Task, resumed: Option<&str>) {
    let _ = writeln!(
        o,
        "\n  Stack #{}: type={} mode=fullscreen",
        t.id,
        if t.home { "home" } else { "standard" }
    );
    let _ = writeln!(o, "  isSleeping=false");
    let _ = writeln!(o, "  mBounds=Rect(0, 0 - 0, 0)");
    let _ = writeln!(o, "    Task id #{}", t.id);
    let _ = writeln!(
        o,
        "    * TaskRecord{{{:x} #{} A={} U=0 StackId={} sz={}}}",
        t.hash,
        t.id,
        t.affinity,
        t.id,
        t.activities.len()
    );
    for (n, a) in t.activities.iter().enumerate().rev() {
        let _ = writeln!(
            o,
            "      * Hist #{n}: {}",
            activity_record(api, a.hash, &a.component, t.id)
        );
        let _ = writeln!(
            o,
            "          Intent {{ {} }}",
            super::intents::short_string(&a.intent, true)
        );
    }
    o.push_str("\n    Running activities (most recent first):\n");
    let _ = writeln!(
        o,
        "      TaskRecord{{{:x} #{} A={} U=0 StackId={} sz={}}}",
        t.hash,
        t.id,
        t.affinity,
        t.id,
        t.activities.len()
    );
    for (n, a) in t.activities.iter().enumerate().rev() {
        let _ = writeln!(
            o,
            "        Run #{n}: {}",
            activity_record(api, a.hash, &a.component, t.id)
        );
    }
    if let Some(r) = resumed {
        let _ = writeln!(o, "\n    mResumedActivity: {r}");
    }
}

/// `dumpsys activity activities`.
pub fn activities(api: u8, st: &State) -> String {
    let mut o = String::new();
    o.push_str("ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\n");
    o.push_str("Display #0 (activities from top to bottom):\n");
    let resumed = st
        .resumed()
        .map(|(t, a)| activity_record(api, a.hash, &a.component, t.id));
    for (i, t) in st.tasks.iter().enumerate() {
        let top = i == 0;
        if api >= 31 {
            task_modern(&mut o, api, t, top);
        } else {
            stack_legacy(&mut o, api, t, resumed.as_deref().filter(|_| top));
        }
    }
    if api >= 31 {
        if let Some(r) = &resumed {
            o.push_str("  Resumed activities in task display areas (from top to bottom):\n");
            let _ = writeln!(o, "    Resumed: {r}\n");
            if api >= 34 {
                let _ = writeln!(o, "  topResumedActivity={r}");
            }
            let _ = writeln!(o, "  ResumedActivity: {r}\n");
        }
        if let Some(t) = st.tasks.first() {
            let _ = writeln!(o, "  topDisplayFocusedRootTask={}", task_line(t, true));
        }
    } else if let Some(r) = &resumed {
        if api <= 25 {
            let _ = writeln!(o, "  mFocusedActivity: {r}");
        }
    }
    o.push('\n');
    if st.shade_open {
        o.push_str("  mCurrentFocus=Window{1651cd4 u0 NotificationShade}\n");
    } else if let Some((_, a)) = st.resumed() {
        let _ = writeln!(
            o,
            "  mCurrentFocus=Window{{{:x} u0 {}}}",
            a.hash ^ 0x5a5a5a,
            a.component.flatten_to_string()
        );
    }
    if let Some(r) = &resumed {
        let _ = writeln!(o, "  mFocusedApp={r}");
    }
    o
}

fn importance_int(i: Importance) -> i32 {
    i.as_int()
}

/// One `NotificationChannel{…}` in the Android 13 layout.
pub fn channel_line(c: &Channel, redact: bool) -> String {
    let name = if redact && c.name.chars().count() > 3 {
        format!("{}...", c.name.chars().take(3).collect::<String>())
    } else {
        c.name.clone()
    };
    let imp = importance_int(c.importance);
    format!(
        "NotificationChannel{{mId='{}', mName={name}, mDescription={}, mImportance={imp}, mBypassDnd=false, mLockscreenVisibility=-1000, mSound=content://settings/system/notification_sound, mLights=false, mLightColor=0, mVibration=null, mUserLockedFields=0, mFgServiceShown=false, mVibrationEnabled=false, mShowBadge={}, mDeleted={}, mDeletedTimeMs=-1, mGroup='null', mAudioAttributes=AudioAttributes: usage=USAGE_NOTIFICATION content=CONTENT_TYPE_SONIFICATION flags=0x800 tags= bundle=null, mBlockableSystem=false, mAllowBubbles=-1, mImportanceLockedDefaultApp=false, mOriginalImp={imp}, mParent=null, mConversationId=null, mDemoted=false, mImportantConvo=false}}",
        c.id,
        if c.description.is_empty() { "" } else { "hasDescription " },
        c.show_badge,
        c.deleted
    )
}

fn text_value(api: u8, s: &str, redact: bool) -> String {
    if !redact {
        format!("String ({s})")
    } else if api >= 31 {
        format!("String [length={}]", s.chars().count())
    } else {
        "String".into()
    }
}

fn extra_value(api: u8, key: &str, v: &ExtraValue, redact: bool) -> String {
    match v {
        ExtraValue::String(s) => {
            if key == "android.template" {
                format!("String ({s})")
            } else {
                text_value(api, s, redact)
            }
        }
        ExtraValue::Boolean(b) => format!("Boolean ({b})"),
        ExtraValue::Byte(b) => format!("Byte ({b})"),
        ExtraValue::Char(c) => format!("Character ({c})"),
        ExtraValue::Double(_) => format!("Double ({})", v.to_java_string()),
        ExtraValue::Float(_) => format!("Float ({})", v.to_java_string()),
        ExtraValue::Int(i) => format!("Integer ({i})"),
        ExtraValue::Long(l) => format!("Long ({l})"),
        ExtraValue::Short(s) => format!("Short ({s})"),
    }
}

fn ticker(text: &str, redact: bool) -> String {
    if text.is_empty() {
        return "null".into();
    }
    if !redact {
        return text.to_string();
    }
    if text.chars().count() > 16 {
        format!("{}...", text.chars().take(8).collect::<String>())
    } else {
        "...".into()
    }
}

/// The `extras={…}` block of a notification record.
fn record_extras(o: &mut String, api: u8, pad: &str, n: &PostedNotification, redact: bool) {
    let _ = writeln!(o, "{pad}extras={{");
    let _ = writeln!(
        o,
        "{pad}    android.title={}",
        text_value(api, &n.title, redact)
    );
    let _ = writeln!(
        o,
        "{pad}    android.text={}",
        text_value(api, &n.text, redact)
    );
    for (k, v) in n.extras.iter() {
        let _ = writeln!(o, "{pad}    {k}={}", extra_value(api, k, v, redact));
    }
    let _ = writeln!(
        o,
        "{pad}    android.appInfo=ApplicationInfo (ApplicationInfo{{{:x} {}}})",
        n.hash ^ 0x00ab_cdef,
        n.package
    );
    let _ = writeln!(o, "{pad}}}");
}

fn record(api: u8, n: &PostedNotification, channel: Option<&Channel>, redact: bool) -> String {
    let mut o = String::new();
    let tag = n.tag.as_deref().unwrap_or("null");
    let imp = n.importance.as_int();
    let chan = n
        .channel
        .as_ref()
        .map(|c| format!("channel={c} "))
        .unwrap_or_default();
    if api <= 25 {
        // Android 7 ranked by score and printed no channel.
        let _ = writeln!(
            o,
            "    NotificationRecord(0x{:08x}: pkg={} user=UserHandle{{0}} id={} tag={tag} score=0 key={}: Notification(pri=0 contentView=null vibrate=null sound=null defaults=0x0 flags=0x{:x} color=0x00000000 vis=PRIVATE))",
            n.hash, n.package, n.id, n.key, n.flags
        );
    } else {
        let _ = writeln!(
            o,
            "    NotificationRecord(0x{:08x}: pkg={} user=UserHandle{{0}} id={} tag={tag} importance={imp} key={}: Notification({chan}shortcut=null contentView=null vibrate=null sound=null defaults=0x0 flags=0x{:x} color=0x00000000 vis=PRIVATE))",
            n.hash, n.package, n.id, n.key, n.flags
        );
    }
    let _ = writeln!(o, "      uid={} userId=0", n.uid);
    let _ = writeln!(o, "      opPkg={}", n.package);
    let _ = writeln!(
        o,
        "      icon=Icon(typ=RESOURCE pkg={} id=0x7f080078)",
        n.package
    );
    let _ = writeln!(o, "      flags=0x{:x}", n.flags);
    if api >= 31 {
        let _ = writeln!(o, "      originalFlags=0x{:x}", n.flags);
    }
    let _ = writeln!(o, "      pri=0");
    let _ = writeln!(o, "      key={}", n.key);
    let _ = writeln!(o, "      seen={}", n.seen);
    let _ = writeln!(o, "      groupKey={}", n.key);
    let pad = if api >= 33 { "            " } else { "      " };
    let _ = writeln!(o, "      notification=");
    let _ = writeln!(o, "{pad}fullscreenIntent=null");
    match &n.content_intent {
        Some(ci) => {
            let _ = writeln!(
                o,
                "{pad}contentIntent=PendingIntent{{{:x}: PendingIntentRecord{{{:x} {} {}}}}}",
                n.pi_hashes.0,
                n.pi_hashes.1,
                n.package,
                ci.kind()
            );
        }
        None => {
            let _ = writeln!(o, "{pad}contentIntent=null");
        }
    }
    let _ = writeln!(o, "{pad}deleteIntent=null");
    let _ = writeln!(o, "{pad}number=0");
    let _ = writeln!(o, "{pad}groupAlertBehavior=0");
    let _ = writeln!(o, "{pad}when={}", n.when_ms);
    let _ = writeln!(o, "{pad}tickerText={}", ticker(&n.text, redact));
    let _ = writeln!(o, "{pad}contentView=null");
    let _ = writeln!(o, "{pad}bigContentView=null");
    let _ = writeln!(o, "{pad}headsUpContentView=null");
    let _ = writeln!(o, "{pad}color=0x00000000");
    let _ = writeln!(o, "{pad}timeout=unknown");
    record_extras(&mut o, api, pad, n, redact);
    let _ = writeln!(o, "      publicNotification=");
    let _ = writeln!(o, "            None");
    let _ = writeln!(o, "      stats=SingleNotificationStats{{posttimeElapsedMs=0, posttimeToFirstClickMs=-1, posttimeToDismissMs=-1, airtimeCount=0, airtimeMs=0, currentAirtimeStartElapsedMs=-1, airtimeExpandedMs=0, posttimeToFirstVisibleExpansionMs=-1, currentAirtimeExpandedStartElapsedMs=-1, requestedImportance={imp}, naturalImportance={imp}, isNoisy=true}}");
    let _ = writeln!(o, "      mImportance={}", n.importance.name());
    let _ = writeln!(o, "      mImportanceExplanation=app");
    if let Some(c) = channel {
        let _ = writeln!(
            o,
            "      effectiveNotificationChannel={}",
            channel_line(c, false)
        );
    }
    let _ = writeln!(o, "      mAdjustments=[]");
    let _ = writeln!(o, "      shortcut=null found valid? false");
    o
}

/// `dumpsys notification [--noredact]`.
pub fn notification(api: u8, st: &State, redact: bool) -> String {
    let mut o = String::new();
    o.push_str("Current Notification Manager state:\n");
    o.push_str("  mUseAttentionLight=false\n  mHasLight=false\n  mNotificationPulseEnabled=true\n");
    o.push_str("  mSystemReady=true\n  mMaxPackageEnqueueRate=5.0\n");
    let _ = writeln!(o, "  mArchive=Archive (0 notifications)\n");
    o.push_str("  Notification List:\n");
    for n in &st.notifications {
        let ch = n.channel.as_ref().and_then(|id| {
            st.channels
                .get(&n.package)
                .and_then(|l| l.iter().find(|c| &c.id == id))
        });
        o.push_str(&record(api, n, ch, redact));
    }
    o.push_str("\n  Snoozed notifications:\n\n Pending snoozed notifications\n\n");
    o.push_str("  Ranking Config:\n    mSignalExtractors.length = 11\n\n");
    o.push_str(" Notification Preferences:\n    per-package config version: 4\n");
    o.push_str("PackagePreferences:\n");
    let mut pkgs: Vec<&String> = st.channels.keys().collect();
    for p in st.app_importance.keys() {
        if !pkgs.contains(&p) {
            pkgs.push(p);
        }
    }
    for pkg in pkgs {
        let Some(p) = st.packages.get(pkg) else {
            continue;
        };
        let imp = st
            .app_importance
            .get(pkg)
            .copied()
            .unwrap_or(Importance::Default);
        let _ = writeln!(
            o,
            "      AppSettings: {pkg} ({}) importance={} userSet={}",
            p.uid,
            if imp == Importance::Unspecified {
                Importance::Default.name()
            } else {
                imp.name()
            },
            st.app_importance.contains_key(pkg)
        );
        for c in st.channels.get(pkg).map(Vec::as_slice).unwrap_or_default() {
            let _ = writeln!(o, "        {}", channel_line(c, redact));
        }
    }
    o.push_str("\n  Zen Mode:\n    mZenMode=OFF\n");
    o
}

/// `cmd notification list`: one key per line.
pub fn notification_keys(st: &State) -> String {
    st.notifications
        .iter()
        .map(|n| format!("{}\n", n.key))
        .collect()
}

/// `dumpsys package <pkg>`.
pub fn package(api: u8, p: &Package) -> String {
    let m = &p.manifest;
    let mut o = String::new();
    let _ = writeln!(o, "Activity Resolver Table:");
    // As the package manager's intent resolver dumps itself: filters with
    // data under each scheme they name, the others under each action, one
    // heading per key with every filter that has it.
    let line = |class: &str| {
        format!(
            "        {:x} {}/{} filter",
            p.uid * 31,
            m.package,
            short_class(&m.package, class)
        )
    };
    let mut schemes: Vec<(&str, Vec<String>)> = Vec::new();
    let mut actions: Vec<(&str, Vec<String>)> = Vec::new();
    for a in &m.activities {
        for f in &a.filters {
            let (table, keys) = if f.schemes.is_empty() {
                (&mut actions, &f.actions)
            } else {
                (&mut schemes, &f.schemes)
            };
            for key in keys {
                match table.iter_mut().find(|(k, _)| k == key) {
                    Some((_, lines)) => lines.push(line(&a.class)),
                    None => table.push((key, vec![line(&a.class)])),
                }
            }
        }
    }
    for (title, table) in [("Schemes", &schemes), ("Non-Data Actions", &actions)] {
        if table.is_empty() {
            continue;
        }
        let _ = writeln!(o, "  {title}:");
        for (key, lines) in table {
            let _ = writeln!(o, "      {key}:");
            for l in lines {
                let _ = writeln!(o, "{l}");
            }
        }
    }
    o.push('\n');
    let _ = writeln!(o, "Packages:");
    let _ = writeln!(o, "  Package [{}] ({:x}):", m.package, p.uid * 7919);
    let _ = writeln!(o, "    userId={}", p.uid);
    let _ = writeln!(o, "    pkg=Package{{{:x} {}}}", p.uid * 104_729, m.package);
    let dir = p.code_path.trim_end_matches("/base.apk");
    let _ = writeln!(o, "    codePath={dir}");
    let _ = writeln!(o, "    resourcePath={dir}");
    let _ = writeln!(
        o,
        "    versionCode={} minSdk={} targetSdk={}",
        m.version_code, m.min_sdk, m.target_sdk
    );
    let _ = writeln!(o, "    versionName={}", m.version_name);
    let _ = writeln!(o, "    apkSigningVersion=2");
    let _ = writeln!(
        o,
        "    flags=[ {}HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]",
        if p.system { "SYSTEM " } else { "" }
    );
    let _ = writeln!(
        o,
        "    installerPackageName={}",
        p.installer.as_deref().unwrap_or("null")
    );
    if !m.requested_permissions.is_empty() {
        let _ = writeln!(o, "    requested permissions:");
        for r in &m.requested_permissions {
            let _ = writeln!(o, "      {r}");
        }
    }
    let install: Vec<&String> = m
        .requested_permissions
        .iter()
        .filter(|r| super::packages::is_install_time_permission(r))
        .collect();
    if !install.is_empty() {
        let _ = writeln!(o, "    install permissions:");
        for r in install {
            let _ = writeln!(o, "      {r}: granted={}", p.granted.contains(r));
        }
    }
    let _ = writeln!(
        o,
        "    User 0: ceDataInode=0 installed=true hidden=false suspended=false distractionFlags=0 stopped={} notLaunched=false enabled=0 instant=false virtual=false",
        p.stopped
    );
    let runtime: Vec<&String> = m
        .requested_permissions
        .iter()
        .filter(|r| !super::packages::is_install_time_permission(r))
        .filter(|r| api >= 33 || r.as_str() != super::packages::POST_NOTIFICATIONS)
        .collect();
    if !runtime.is_empty() {
        let _ = writeln!(o, "      runtime permissions:");
        for r in runtime {
            let _ = writeln!(o, "        {r}: granted={}", p.granted.contains(r));
        }
    }
    o
}

fn short_class(pkg: &str, class: &str) -> String {
    match class.strip_prefix(pkg) {
        Some(rest) if rest.starts_with('.') => rest.to_string(),
        _ => class.to_string(),
    }
}

/// What the content intent of a notification would open, for the UI.
pub fn describe_content(ci: &ContentIntent) -> String {
    super::intents::short_string(&ci.intent(), true)
}
