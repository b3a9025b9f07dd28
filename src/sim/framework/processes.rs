//! The activity manager's processes and services: process start and
//! death, `am force-stop`, `am kill`, and `startService`.

use std::sync::Arc;

use super::intents::intent_string;
use super::logcat::LogBufferId;
use super::model::{AndroidModel, Event, SHELL_PID, SYSTEM_SERVER_PID};
use super::packages::{uid_short, ComponentKind};
use super::state::{Process, State};
use super::types::{Caller, ProcessDeath, ServiceError};
use crate::android::LogLevel;
use crate::android::{ComponentName, Intent};

impl AndroidModel {
    /// The pid of the package's main process, if it runs.
    pub fn pid_of(&self, name: &str) -> Option<u32> {
        self.state.lock().process_of(name).map(|p| p.pid)
    }

    /// Starts the package's process if needed; true when it was started
    /// (a cold start).
    pub(super) fn ensure_process(
        &self,
        st: &mut State,
        package: &str,
        why: &str,
        cmp: &ComponentName,
    ) -> bool {
        if st.process_of(package).is_some() || package == "android" {
            return false;
        }
        let Some(uid) = st.packages.get(package).map(|p| p.uid) else {
            return false;
        };
        st.next_pid += 1 + (st.hash() % 37);
        let pid = st.next_pid;
        st.processes.push(Process {
            pid,
            uid,
            name: package.to_string(),
            package: package.to_string(),
        });
        self.log_system(
            LogLevel::Info,
            "ActivityManager",
            &format!(
                "Start proc {pid}:{package}/{} for {why} {{{}}}",
                uid_short(uid),
                cmp.flatten_to_string()
            ),
        );
        true
    }

    pub(super) fn kill_locked(
        &self,
        st: &mut State,
        package: &str,
        why: ProcessDeath,
        reason: &str,
        events: &mut Vec<Event>,
    ) {
        let adj = match why {
            ProcessDeath::Killed => 900,
            _ => 0,
        };
        let dying: Vec<Process> = st
            .processes
            .iter()
            .filter(|p| p.package == package)
            .cloned()
            .collect();
        for p in &dying {
            self.log_system(
                LogLevel::Info,
                "ActivityManager",
                &format!(
                    "Killing {}:{}/{} (adj {adj}): {reason}",
                    p.pid,
                    p.name,
                    uid_short(p.uid)
                ),
            );
            self.log.append(
                LogBufferId::Events,
                SYSTEM_SERVER_PID,
                SYSTEM_SERVER_PID + 20,
                LogLevel::Info,
                "am_kill",
                &format!("[0,{},{},{adj},{reason}]", p.pid, p.name),
            );
        }
        st.processes.retain(|p| p.package != package);
        if !dying.is_empty() {
            events.push(Event::Died(package.to_string(), why));
        }
    }

    /// `am force-stop`: kills the package's processes, finishes its
    /// activities, cancels its notifications and sets the stopped state.
    pub fn force_stop(self: &Arc<Self>, package: &str) {
        let mut events = Vec::new();
        {
            let mut st = self.state.lock();
            let Some(uid) = st.packages.get(package).map(|p| p.uid) else {
                drop(st);
                self.log_system(
                    LogLevel::Warn,
                    "ActivityManager",
                    &format!("Invalid packageName: {package}"),
                );
                return;
            };
            self.log_system(
                LogLevel::Info,
                "ActivityManager",
                &format!("Force stopping {package} appid={uid} user=0: from pid {SHELL_PID}"),
            );
            self.kill_locked(
                &mut st,
                package,
                ProcessDeath::ForceStop,
                &format!("stop {package}"),
                &mut events,
            );
            st.tasks.retain(|t| t.affinity != package || t.home);
            for t in st.tasks.iter_mut() {
                t.activities.retain(|a| a.component.package != package);
            }
            st.tasks.retain(|t| !t.activities.is_empty());
            self.cancel_package_locked(&mut st, package, &mut events);
            if let Some(p) = st.packages.get_mut(package) {
                p.stopped = true;
            }
        }
        self.dispatch(events);
    }

    /// `am kill`: kills the package's processes if it is in the
    /// background; an app in front survives. The stopped state is kept.
    /// Returns whether a process died.
    pub fn kill_background(self: &Arc<Self>, package: &str) -> bool {
        let mut events = Vec::new();
        {
            let mut st = self.state.lock();
            let foreground = st
                .resumed()
                .is_some_and(|(_, a)| a.component.package == package);
            if foreground {
                return false;
            }
            self.kill_locked(
                &mut st,
                package,
                ProcessDeath::Killed,
                "kill background",
                &mut events,
            );
        }
        let died = !events.is_empty();
        self.dispatch(events);
        died
    }

    /// `startService` / `startForegroundService` as `caller`.
    pub fn start_service(
        self: &Arc<Self>,
        caller: &Caller,
        intent: &Intent,
        foreground: bool,
    ) -> Result<ComponentName, ServiceError> {
        let mut events = Vec::new();
        let res = {
            let mut st = self.state.lock();
            let cmp = match &intent.component {
                Some(c) => st
                    .packages
                    .get(&c.package)
                    .and_then(|p| p.manifest.component(ComponentKind::Service, &c.class))
                    .map(|_| c.clone()),
                None => intent.package.as_ref().and_then(|pkg| {
                    let p = st.packages.get(pkg)?;
                    p.manifest
                        .services
                        .iter()
                        .find(|s| s.filters.iter().any(|f| f.matches(intent, false)))
                        .map(|s| ComponentName::new(pkg, &s.class))
                }),
            };
            match cmp {
                None => Err(ServiceError::NotFound),
                Some(cmp) => {
                    let pkg = st.packages.get(&cmp.package).cloned();
                    let exported = pkg
                        .as_ref()
                        .and_then(|p| p.manifest.component(ComponentKind::Service, &cmp.class))
                        .is_some_and(|s| s.exported);
                    let in_front = st
                        .resumed()
                        .is_some_and(|(_, a)| a.component.package == cmp.package);
                    if !exported && caller.package() != Some(cmp.package.as_str()) {
                        Err(ServiceError::NotExported {
                            intent: intent_string(intent),
                            uid: pkg.map(|p| p.uid).unwrap_or(0),
                        })
                    } else if self.api() >= 26
                        && !foreground
                        && !in_front
                        && caller.package() != Some(cmp.package.as_str())
                    {
                        Err(ServiceError::Background)
                    } else {
                        if let Some(p) = st.packages.get_mut(&cmp.package) {
                            p.stopped = false;
                        }
                        self.ensure_process(&mut st, &cmp.package, "service", &cmp);
                        events.push(Event::Service(
                            cmp.package.clone(),
                            cmp.clone(),
                            intent.clone(),
                            foreground,
                        ));
                        Ok(cmp)
                    }
                }
            }
        };
        self.dispatch(events);
        res
    }
}
