//! `dumpsys`, `pidof`, `ps` and `logcat`.

use std::fmt::Write;
use std::sync::Arc;

use super::output::out;
use crate::sim::framework::dump;
use crate::sim::framework::logcat::{render, LogcatArgs};
use crate::sim::framework::model::{AndroidModel, SHELL_PID, SYSTEM_SERVER_PID};
use crate::sim::framework::packages::uid_user_name;
use crate::sim::shell::{CommandContext, CommandOutput};

pub(super) fn dumpsys(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
    let st = model.snapshot();
    let api = model.api();
    match args.first().map(String::as_str) {
        Some("notification") => {
            let redact = !args.iter().any(|a| a == "--noredact");
            CommandOutput::ok(dump::notification(api, &st, redact))
        }
        Some("activity") => match args.get(1).map(String::as_str) {
            None | Some("activities") | Some("a") | Some("top") => {
                CommandOutput::ok(dump::activities(api, &st))
            }
            Some(_) => CommandOutput::ok(""),
        },
        Some("window") => {
            let full = dump::activities(api, &st);
            let focus: String = full
                .lines()
                .filter(|l| l.contains("mCurrentFocus=") || l.contains("mFocusedApp="))
                .map(|l| format!("{l}\n"))
                .collect();
            CommandOutput::ok(format!(
                "WINDOW MANAGER WINDOWS (dumpsys window windows)\n{focus}"
            ))
        }
        Some("package") => match args.get(1).and_then(|p| model.package(p)) {
            Some(p) => CommandOutput::ok(dump::package(api, &p)),
            None => CommandOutput::ok(""),
        },
        Some(other) => CommandOutput::ok(format!("Can't find service: {other}\n")),
        None => CommandOutput::ok(dump::notification(api, &st, true)),
    }
}

/// The processes that always run, for `ps -A`.
const SYSTEM_PROCS: &[(&str, u32, u32, &str)] = &[
    ("root", 1, 0, "init"),
    ("root", 2, 0, "[kthreadd]"),
    ("logd", 312, 1, "logd"),
    ("system", 401, 1, "servicemanager"),
    ("root", 428, 1, "zygote64"),
    ("root", 429, 1, "zygote"),
    ("shell", 590, 1, "adbd"),
    ("system", SYSTEM_SERVER_PID_U32, 428, "system_server"),
];

const SYSTEM_SERVER_PID_U32: u32 = SYSTEM_SERVER_PID;

pub(super) fn pidof(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
    let single = args.iter().any(|a| a == "-s");
    let st = model.snapshot();
    let mut pids = Vec::new();
    for name in args.iter().filter(|a| !a.starts_with('-')) {
        for (_, pid, _, n) in SYSTEM_PROCS {
            if n == name {
                pids.push(*pid);
            }
        }
        for p in &st.processes {
            if &p.name == name {
                pids.push(p.pid);
            }
        }
    }
    if pids.is_empty() {
        return CommandOutput::code(1);
    }
    if single {
        pids.truncate(1);
    }
    let line: Vec<String> = pids.iter().map(u32::to_string).collect();
    CommandOutput::ok(format!("{}\n", line.join(" ")))
}

pub(super) fn ps(model: &Arc<AndroidModel>) -> CommandOutput {
    let st = model.snapshot();
    let mut o = String::from(
        "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME                       \n",
    );
    let row = |o: &mut String, user: &str, pid: u32, ppid: u32, vsz: u64, rss: u64, name: &str| {
        let _ = writeln!(
            o,
            "{user:<10} {pid:>7} {ppid:>5} {vsz:>7} {rss:>6} do_epoll_wait       0 S {name}"
        );
    };
    for (user, pid, ppid, name) in SYSTEM_PROCS {
        row(&mut o, user, *pid, *ppid, 10_937_576, 14_648, name);
    }
    for p in &st.processes {
        row(
            &mut o,
            &uid_user_name(p.uid),
            p.pid,
            428,
            15_121_900,
            206_420,
            &p.name,
        );
    }
    row(&mut o, "shell", SHELL_PID, 590, 10_796_820, 3_316, "ps");
    CommandOutput::ok(o)
}

pub(super) async fn logcat(
    model: &Arc<AndroidModel>,
    ctx: &CommandContext,
    args: &[String],
) -> CommandOutput {
    let a = match LogcatArgs::parse(args) {
        Ok(a) => a,
        Err(e) => return out(String::new(), format!("{e}\n"), 1),
    };
    if a.clear {
        model.log().clear();
        return CommandOutput::code(0);
    }
    let mut feed = model.log().subscribe();
    let mut entries: Vec<_> = model
        .log()
        .snapshot()
        .into_iter()
        .filter(|e| a.wants(e))
        .collect();
    if let Some(n) = a.tail {
        let skip = entries.len().saturating_sub(n);
        entries.drain(..skip);
    }
    let mut seen = Vec::new();
    let first = render(&entries, &mut seen);
    let live = match (&ctx.live, a.dump) {
        (Some(live), false) => live.clone(),
        _ => return CommandOutput::ok(first),
    };
    live.stdout(first);
    loop {
        tokio::select! {
            e = feed.recv() => match e {
                Ok(e) => {
                    if a.wants(&e) && !live.stdout(render(std::slice::from_ref(&e), &mut seen)) {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            },
            _ = live.closed() => break,
        }
    }
    CommandOutput::code(0)
}
