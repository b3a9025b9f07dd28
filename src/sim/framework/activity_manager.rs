//! The activity task manager: activity starts, tasks and the back stack,
//! the home and back keys.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::intents::short_string;
use super::model::{AndroidModel, Event, RESOLVER_ACTIVITY};
use super::packages::{self, ComponentKind, CATEGORY_DEFAULT};
use super::state::{ActivityRecord, State, Task};
use super::types::{ActivityStart, Caller, LaunchState, StartError, StartWarning};
use crate::android::intent::{ACTION_VIEW, CATEGORY_LAUNCHER};
use crate::android::LogLevel;
use crate::android::{ComponentName, Intent, LaunchFlags};

impl AndroidModel {
    pub(super) fn atm_tag(&self) -> &'static str {
        if self.api() >= 29 {
            "ActivityTaskManager"
        } else {
            "ActivityManager"
        }
    }

    /// `input keyevent KEYCODE_HOME`: the launcher comes to front.
    pub fn go_home(&self) {
        let mut st = self.state.lock();
        st.shade_open = false;
        if let Some(i) = st.tasks.iter().position(|t| t.home) {
            let t = st.tasks.remove(i);
            st.tasks.insert(0, t);
        }
    }

    /// `KEYCODE_BACK`: finishes the top activity (never the launcher).
    pub fn go_back(&self) {
        let mut st = self.state.lock();
        if st.shade_open {
            st.shade_open = false;
            return;
        }
        if let Some(t) = st.tasks.first_mut() {
            if !t.home {
                t.activities.pop();
            }
        }
        st.tasks.retain(|t| !t.activities.is_empty());
    }

    /// Finishes the top-most instance of an activity (an app model calling
    /// `finish()`).
    pub fn finish_activity(&self, component: &ComponentName) {
        let mut st = self.state.lock();
        for t in st.tasks.iter_mut() {
            if let Some(i) = t.activities.iter().rposition(|a| &a.component == component) {
                t.activities.remove(i);
                break;
            }
        }
        st.tasks.retain(|t| !t.activities.is_empty());
    }

    /// Starts an activity as `caller` (`startActivity` with
    /// `FLAG_ACTIVITY_NEW_TASK`, as the shell and PendingIntents do).
    pub fn start_activity(
        self: &Arc<Self>,
        caller: &Caller,
        intent: &Intent,
    ) -> Result<ActivityStart, StartError> {
        let mut intent = intent.clone();
        intent.launch_flags = LaunchFlags(intent.launch_flags.0 | LaunchFlags::ACTIVITY_NEW_TASK);
        let mut events = Vec::new();
        let res = {
            let mut st = self.state.lock();
            self.start_activity_locked(&mut st, caller, intent, &mut events)
        };
        self.dispatch(events);
        res
    }

    /// Starts the activity an intent URI names, parsed as apps and push
    /// services do (`Intent.parseUri(uri, URI_INTENT_SCHEME)`: anything but
    /// `intent:` is a VIEW of the whole string).
    pub fn start_activity_uri(
        self: &Arc<Self>,
        caller: &Caller,
        uri: &str,
    ) -> Result<ActivityStart, StartError> {
        let intent = Intent::parse_uri_with(uri, crate::android::UriFlags::INTENT_SCHEME)
            .map_err(|e| StartError::BadUri(e.to_string()))?;
        self.start_activity(caller, &intent)
    }

    pub(super) fn pick_activity(
        &self,
        st: &State,
        intent: &Intent,
    ) -> Result<ComponentName, StartError> {
        let found = self.resolve_activities_locked(st, intent);
        if let Some(c) = &intent.component {
            return found
                .into_iter()
                .next()
                .ok_or_else(|| StartError::ClassNotFound(c.clone()));
        }
        let web = intent.action.as_deref() == Some(ACTION_VIEW)
            && matches!(
                intent.scheme().map(str::to_ascii_lowercase).as_deref(),
                Some("http" | "https")
            );
        if web {
            let (browser, _, _) = packages::browser_for(self.profile.rom);
            if let Some(b) = found.iter().find(|c| c.package == browser) {
                return Ok(b.clone());
            }
        }
        match found.len() {
            0 => Err(StartError::Unresolved(Box::new(intent.clone()))),
            1 => Ok(found[0].clone()),
            _ => Ok(ComponentName::new("android", RESOLVER_ACTIVITY)),
        }
    }

    pub(super) fn start_activity_locked(
        &self,
        st: &mut State,
        caller: &Caller,
        intent: Intent,
        events: &mut Vec<Event>,
    ) -> Result<ActivityStart, StartError> {
        let (component, caller_uid) = self.start_target(st, caller, &intent)?;
        let mut logged = intent.clone();
        if logged.component.is_none() {
            logged.component = Some(component.clone());
        }
        self.log_system(
            LogLevel::Info,
            self.atm_tag(),
            &format!(
                "START u0 {{{}}} from uid {caller_uid}",
                short_string(&logged, true)
            ),
        );
        st.shade_open = false;
        if let Some(p) = st.packages.get_mut(&component.package) {
            // An explicit start takes the package out of the stopped state.
            p.stopped = false;
        }
        let cold = self.ensure_process(st, &component.package, "top-activity", &component);
        let launcher_intent = intent.categories.iter().any(|c| c == CATEGORY_LAUNCHER)
            && intent.action.as_deref() == Some(crate::android::intent::ACTION_MAIN);
        let single_top = intent
            .launch_flags
            .contains(LaunchFlags::ACTIVITY_SINGLE_TOP)
            || st
                .packages
                .get(&component.package)
                .and_then(|p| {
                    p.manifest
                        .component(ComponentKind::Activity, &component.class)
                })
                .is_some_and(|a| a.single_top);
        let warning = place_activity(st, &component, &intent, launcher_intent, single_top);
        let launch_state = match (cold, warning) {
            (true, _) => LaunchState::Cold,
            (false, None) => LaunchState::Warm,
            (false, Some(_)) => LaunchState::Hot,
        };
        if warning.is_none() {
            self.log_system(
                LogLevel::Info,
                self.atm_tag(),
                &format!(
                    "Displayed {}: +{}ms",
                    component.flatten_to_short_string(),
                    if cold { 412 } else { 138 }
                ),
            );
        }
        let start = ActivityStart {
            component: component.clone(),
            intent,
            launch_state,
            warning,
        };
        if warning != Some(StartWarning::BroughtToFront) {
            events.push(Event::Activity(component.package.clone(), start.clone()));
        }
        Ok(start)
    }

    /// The activity an intent starts and the caller's uid, or why the
    /// caller may not start it.
    fn start_target(
        &self,
        st: &State,
        caller: &Caller,
        intent: &Intent,
    ) -> Result<(ComponentName, u32), StartError> {
        let component = self.pick_activity(st, intent)?;
        let caller_uid = match caller {
            Caller::Shell => 2000,
            Caller::Package(p) => st.packages.get(p).map(|p| p.uid).unwrap_or(1000),
        };
        if component.package != "android" {
            let pkg = st
                .packages
                .get(&component.package)
                .ok_or_else(|| StartError::ClassNotFound(component.clone()))?;
            let info = pkg
                .manifest
                .component(ComponentKind::Activity, &component.class)
                .ok_or_else(|| StartError::ClassNotFound(component.clone()))?;
            if !info.exported && caller.package() != Some(component.package.as_str()) {
                return Err(StartError::NotExported {
                    component,
                    uid: pkg.uid,
                    intent: Box::new(intent.clone()),
                });
            }
        }
        Ok((component, caller_uid))
    }

    /// The resumed activity and its intent.
    pub fn resumed_activity(&self) -> Option<(ComponentName, Intent)> {
        let st = self.state.lock();
        st.resumed()
            .map(|(_, a)| (a.component.clone(), a.intent.clone()))
    }

    /// The launcher's task is in front and nothing else was opened since.
    pub fn home_in_front(&self) -> bool {
        self.state.lock().tasks.first().is_some_and(|t| t.home)
    }

    /// The categories `am start` adds for implicit launches (for tests).
    pub fn default_category() -> &'static str {
        CATEGORY_DEFAULT
    }
}

/// `Intent.filterEquals`: action, data, package, component and categories
/// (extras and flags do not count).
fn same_filter(a: &Intent, b: &Intent) -> bool {
    let cats = |i: &Intent| i.categories.iter().cloned().collect::<BTreeSet<_>>();
    a.action == b.action
        && a.data == b.data
        && a.mime_type == b.mime_type
        && a.identifier == b.identifier
        && a.package == b.package
        && a.component == b.component
        && cats(a) == cats(b)
}

/// Puts a started activity into its task: the task comes to front (or is
/// created), and the activity is pushed, gets the intent on top, or the
/// start is only a bring-to-front. Returns the warning `am start` prints.
fn place_activity(
    st: &mut State,
    component: &ComponentName,
    intent: &Intent,
    launcher_intent: bool,
    single_top: bool,
) -> Option<StartWarning> {
    let task_idx = st
        .tasks
        .iter()
        .position(|t| !t.home && t.affinity == component.package);
    let mut warning = None;
    match task_idx {
        Some(i) => {
            let t = st.tasks.remove(i);
            st.tasks.insert(0, t);
            let top_is_it = st.tasks[0]
                .activities
                .last()
                .is_some_and(|a| &a.component == component);
            // The launcher's intent brings the task to front when the
            // task was started by the same intent (`filterEquals`);
            // otherwise the start proceeds (a singleTop activity on top
            // gets it through onNewIntent).
            let same_root = st.tasks[0]
                .activities
                .first()
                .is_some_and(|a| &a.component == component && same_filter(&a.intent, intent));
            if launcher_intent && same_root && !(single_top && top_is_it) {
                warning = Some(StartWarning::BroughtToFront);
            } else if single_top && top_is_it {
                warning = Some(StartWarning::DeliveredToTop);
                if let Some(a) = st.tasks[0].activities.last_mut() {
                    a.intent = intent.clone();
                }
            } else {
                let hash = st.hash();
                st.tasks[0].activities.push(ActivityRecord {
                    hash,
                    component: component.clone(),
                    intent: intent.clone(),
                });
            }
        }
        None => {
            let hash = st.hash();
            let rec = st.hash();
            let id = st.next_task;
            st.next_task += 1;
            let uid = st
                .packages
                .get(&component.package)
                .map(|p| p.uid)
                .unwrap_or(1000);
            st.tasks.insert(
                0,
                Task {
                    id,
                    hash,
                    affinity: component.package.clone(),
                    uid,
                    home: false,
                    activities: vec![ActivityRecord {
                        hash: rec,
                        component: component.clone(),
                        intent: intent.clone(),
                    }],
                },
            );
        }
    }
    warning
}
