//! `am` (and `cmd activity`): start, force-stop, kill, startservice,
//! broadcast.

use std::fmt::Write;
use std::sync::Arc;

use super::output::{exception, last_operand, out};
use crate::android::{Intent, LaunchFlags};
use crate::sim::framework::args::{parse_intent_args, IntentArgs};
use crate::sim::framework::intents::intent_string;
use crate::sim::framework::model::{
    ActivityStart, AndroidModel, Caller, LaunchState, ServiceError, StartError, StartWarning,
    FLAG_RECEIVER_FROM_SHELL, SHELL_PID,
};
use crate::sim::shell::CommandOutput;

pub(super) fn am(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
    let Some(sub) = args.first() else {
        return out(
            "Activity manager (activity) commands:\n  help\n  start [-D] [-N] [-W] [-P <FILE>] [--start-profiler <FILE>] [-S] <INTENT>\n  startservice <INTENT>\n  start-foreground-service <INTENT>\n  broadcast [--user <USER_ID>] <INTENT>\n  force-stop <PACKAGE>\n  kill <PACKAGE>\n".into(),
            String::new(),
            0,
        );
    };
    let rest = &args[1..];
    match sub.as_str() {
        "start" | "start-activity" => am_start(model, rest),
        "startservice" | "start-service" => am_service(model, rest, false),
        "start-foreground-service" | "startforegroundservice" => am_service(model, rest, true),
        "broadcast" => am_broadcast(model, rest),
        "force-stop" => {
            if let Some(pkg) = last_operand(rest) {
                model.force_stop(&pkg);
            }
            CommandOutput::code(0)
        }
        "kill" => {
            if let Some(pkg) = last_operand(rest) {
                model.kill_background(&pkg);
            }
            CommandOutput::code(0)
        }
        "kill-all" => {
            let pkgs: Vec<String> = model
                .snapshot()
                .processes
                .iter()
                .map(|p| p.package.clone())
                .collect();
            for p in pkgs {
                if p != crate::sim::framework::packages::SYSTEMUI_PACKAGE
                    && p != crate::sim::framework::packages::LAUNCHER_PACKAGE
                {
                    model.kill_background(&p);
                }
            }
            CommandOutput::code(0)
        }
        "get-current-user" => CommandOutput::ok("0\n"),
        other => out(
            String::new(),
            format!("Error: unknown command '{other}'\n"),
            255,
        ),
    }
}

pub(super) fn am_start(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
    let parsed: IntentArgs = match parse_intent_args(rest) {
        Ok(p) => p,
        Err(e) => return out(String::new(), format!("Error: {e}\n"), 255),
    };
    let wait = parsed.has("-W");
    let stop_first = parsed.has("-S");
    let mut o = String::new();
    let mut e = String::new();
    let intent = parsed.intent;
    if intent == Intent::default() {
        return out(String::new(), "Error: Intent is null\n".into(), 255);
    }
    if stop_first {
        let pkg = intent
            .component
            .as_ref()
            .map(|c| c.package.clone())
            .or_else(|| intent.package.clone())
            .or_else(|| {
                model
                    .resolve_activities(&intent)
                    .first()
                    .map(|c| c.package.clone())
            });
        if let Some(pkg) = pkg {
            let _ = writeln!(o, "Stopping: {pkg}");
            model.force_stop(&pkg);
        }
    }
    let _ = writeln!(o, "Starting: {}", intent_string(&intent));
    let result_sink = |o: &mut String, e: &mut String, line: String| {
        if wait {
            o.push_str(&line);
        } else {
            e.push_str(&line);
        }
    };
    match model.start_activity(&Caller::Shell, &intent) {
        Ok(start) => {
            if let Some(w) = start.warning {
                result_sink(&mut o, &mut e, format!("Warning: {}\n", w.message()));
            }
            if wait {
                wait_report(model, &start, &mut o);
            }
            out(o, e, 0)
        }
        Err(StartError::Unresolved(i)) => {
            let mut shown = *i;
            shown.launch_flags = LaunchFlags(shown.launch_flags.0 | LaunchFlags::ACTIVITY_NEW_TASK);
            result_sink(
                &mut o,
                &mut e,
                format!(
                    "Error: Activity not started, unable to resolve {}\n",
                    intent_string(&shown)
                ),
            );
            out(o, e, 0)
        }
        Err(StartError::ClassNotFound(c)) => {
            result_sink(
                &mut o,
                &mut e,
                format!(
                    "Error type 3\nError: Activity class {{{}}} does not exist.\n",
                    c.flatten_to_string()
                ),
            );
            out(o, e, 0)
        }
        Err(StartError::BadUri(msg)) => {
            result_sink(&mut o, &mut e, format!("Error: Bad URI: {msg}\n"));
            out(o, e, 0)
        }
        Err(StartError::NotExported { uid, intent: i, .. }) => {
            let mut shown = *i;
            shown.launch_flags = LaunchFlags(shown.launch_flags.0 | LaunchFlags::ACTIVITY_NEW_TASK);
            let ex = exception(
                "start",
                &format!(
                    "java.lang.SecurityException: Permission Denial: starting {} from null (pid={SHELL_PID}, uid=2000) not exported from uid {uid}\n\tat com.android.server.wm.ActivityTaskSupervisor.checkStartAnyActivityPermission(ActivityTaskSupervisor.java:1086)\n\tat com.android.server.wm.ActivityStarter.executeRequest(ActivityStarter.java:1063)\n\tat com.android.server.wm.ActivityStarter.execute(ActivityStarter.java:672)\n\tat com.android.server.wm.ActivityTaskManagerService.startActivityAsUser(ActivityTaskManagerService.java:1243)",
                    intent_string(&shown)
                ),
            );
            CommandOutput {
                stdout: o.into_bytes(),
                ..ex
            }
        }
    }
}

/// What `am start -W` adds after the start: the launch state and timings.
fn wait_report(model: &AndroidModel, start: &ActivityStart, o: &mut String) {
    let total = match (start.launch_state, start.warning) {
        (_, Some(StartWarning::BroughtToFront)) => None,
        (LaunchState::Cold, _) => Some(412),
        _ => Some(138),
    };
    o.push_str("Status: ok\n");
    if model.api() >= 29 {
        let _ = writeln!(o, "LaunchState: {}", start.launch_state.name());
    }
    let _ = writeln!(o, "Activity: {}", start.component.flatten_to_short_string());
    if model.api() <= 28 {
        if let Some(t) = total {
            let _ = writeln!(o, "ThisTime: {t}");
        }
    }
    if let Some(t) = total {
        let _ = writeln!(o, "TotalTime: {t}");
    }
    let _ = writeln!(o, "WaitTime: {}", total.unwrap_or(0) + 18);
    o.push_str("Complete\n");
}

pub(super) fn am_service(
    model: &Arc<AndroidModel>,
    rest: &[String],
    foreground: bool,
) -> CommandOutput {
    let parsed = match parse_intent_args(rest) {
        Ok(p) => p,
        Err(e) => return out(String::new(), format!("Error: {e}\n"), 255),
    };
    let o = format!("Starting service: {}\n", intent_string(&parsed.intent));
    match model.start_service(&Caller::Shell, &parsed.intent, foreground) {
        Ok(_) => out(o, String::new(), 0),
        Err(ServiceError::NotExported { uid, .. }) => out(
            o,
            format!("Error: Requires permission not exported from uid {uid}\n"),
            255,
        ),
        Err(e) => out(o, format!("Error: {e}\n"), 255),
    }
}

pub(super) fn am_broadcast(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
    let parsed = match parse_intent_args(rest) {
        Ok(p) => p,
        Err(e) => return out(String::new(), format!("Error: {e}\n"), 255),
    };
    let mut intent = parsed.intent;
    intent.launch_flags = LaunchFlags(intent.launch_flags.0 | FLAG_RECEIVER_FROM_SHELL);
    let o = format!("Broadcasting: {}\n", intent_string(&intent));
    model.send_broadcast(&Caller::Shell, &intent);
    out(
        format!("{o}Broadcast completed: result=0\n"),
        String::new(),
        0,
    )
}
