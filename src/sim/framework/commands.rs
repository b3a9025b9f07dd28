//! The shell commands of the framework: `am`, `pm`, `cmd`, `dumpsys`,
//! `pidof`, `ps`, `logcat`, `input`, `uiautomator`, `screencap`, `monkey`,
//! with Android's output formats and exit codes.

use std::fmt::Write;
use std::sync::Arc;

use async_trait::async_trait;

use super::args::{parse_intent_args, IntentArgs};
use super::dump;
use super::intents::intent_string;
use super::logcat::{format_time, now_ms, render, LogcatArgs};
use super::model::{
    AndroidModel, Caller, ServiceError, StartError, StartWarning, FLAG_RECEIVER_FROM_SHELL,
    SHELL_PID,
};
use super::packages::uid_user_name;
use super::ui;
use crate::android::{ComponentName, Intent, LaunchFlags};
use crate::sim::device::DeviceState;
use crate::sim::shell::{CommandContext, CommandOutput, ShellCommand};

/// Registers every framework command on the device's shell.
pub fn register(device: &DeviceState) {
    let r = device.commands();
    for name in [
        "am",
        "pm",
        "cmd",
        "dumpsys",
        "pidof",
        "ps",
        "logcat",
        "input",
        "uiautomator",
        "screencap",
        "monkey",
        "settings",
        "appops",
    ] {
        r.register(name, Arc::new(Framework(name)));
    }
    // `adb logcat` sends `export ANDROID_LOG_TAGS="…"; exec logcat …`.
    if r.get("export").is_none() {
        r.register("export", Arc::new(Export));
    }
    if r.get("exec").is_none() {
        r.register("exec", Arc::new(Exec));
    }
}

/// `export NAME=VALUE`: accepted; the simulated shell keeps no environment.
struct Export;

#[async_trait]
impl ShellCommand for Export {
    async fn run(&self, _ctx: CommandContext) -> CommandOutput {
        CommandOutput::code(0)
    }
}

/// `exec CMD ARGS…`: runs the command in place.
struct Exec;

#[async_trait]
impl ShellCommand for Exec {
    async fn run(&self, mut ctx: CommandContext) -> CommandOutput {
        if ctx.argv.len() < 2 {
            return CommandOutput::code(0);
        }
        ctx.argv.remove(0);
        let name = ctx.argv[0].clone();
        match ctx.device.commands().get(&name) {
            Some(c) => c.run(ctx).await,
            None => CommandOutput::fail(127, format!("/system/bin/sh: {name}: not found\n")),
        }
    }
}

struct Framework(&'static str);

#[async_trait]
impl ShellCommand for Framework {
    async fn run(&self, mut ctx: CommandContext) -> CommandOutput {
        let Some(model) = ctx.device.extension::<AndroidModel>() else {
            return CommandOutput::fail(127, format!("/system/bin/sh: {}: not found\n", self.0));
        };
        let args: Vec<String> = ctx.argv.get(1..).unwrap_or_default().to_vec();
        match self.0 {
            "am" => am(&model, &args),
            "pm" => pm(&model, &ctx, &args),
            "cmd" => cmd(&model, &mut ctx, &args).await,
            "dumpsys" => dumpsys(&model, &args),
            "pidof" => pidof(&model, &args),
            "ps" => ps(&model),
            "logcat" => logcat(&model, &ctx, &args).await,
            "input" => input(&model, &args),
            "uiautomator" => uiautomator(&model, &ctx, &args),
            "screencap" => screencap(&model, &ctx, &args),
            "monkey" => monkey(&model, &args),
            "settings" => settings(&model, &args),
            "appops" => appops(&model, &args),
            _ => CommandOutput::code(127),
        }
    }
}

fn out(stdout: String, stderr: String, exit: u8) -> CommandOutput {
    CommandOutput {
        stdout: stdout.into_bytes(),
        stderr: stderr.into_bytes(),
        exit,
    }
}

/// What a Java `ShellCommand` prints for an uncaught exception.
fn exception(cmd: &str, text: &str) -> CommandOutput {
    out(
        String::new(),
        format!("Exception occurred while executing '{cmd}':\n{text}\n"),
        255,
    )
}

// ----- am -------------------------------------------------------------------

fn am(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
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
                if p != super::packages::SYSTEMUI_PACKAGE && p != super::packages::LAUNCHER_PACKAGE
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

/// The package operand of `force-stop`/`kill` (after `--user N`).
fn last_operand(rest: &[String]) -> Option<String> {
    let mut i = 0;
    let mut pkg = None;
    while i < rest.len() {
        if rest[i] == "--user" {
            i += 2;
            continue;
        }
        pkg = Some(rest[i].clone());
        i += 1;
    }
    pkg
}

fn am_start(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
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
                let total = match (start.launch_state, start.warning) {
                    (_, Some(StartWarning::BroughtToFront)) => None,
                    (super::model::LaunchState::Cold, _) => Some(412),
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

fn am_service(model: &Arc<AndroidModel>, rest: &[String], foreground: bool) -> CommandOutput {
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

fn am_broadcast(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
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

// ----- pm / cmd package -----------------------------------------------------

fn pm(model: &Arc<AndroidModel>, ctx: &CommandContext, args: &[String]) -> CommandOutput {
    let Some(sub) = args.first() else {
        return out(
            String::new(),
            "usage: pm path [--user USER_ID] PACKAGE\n".into(),
            1,
        );
    };
    let rest = &args[1..];
    match sub.as_str() {
        "list" => pm_list(model, rest),
        "path" => {
            let Some(pkg) = last_operand(rest) else {
                return out(String::new(), "Error: no package specified\n".into(), 255);
            };
            match model.package(&pkg) {
                Some(p) => CommandOutput::ok(format!("package:{}\n", p.code_path)),
                None => CommandOutput::code(1),
            }
        }
        "install" => {
            if let Some(size) = rest
                .iter()
                .position(|a| a == "-S")
                .and_then(|i| rest.get(i + 1))
            {
                // Streamed install: the APK arrives on stdin.
                let _ = size;
                return CommandOutput::fail(1, "Error: use cmd package install -S\n");
            }
            let Some(path) = rest.iter().rev().find(|a| !a.starts_with('-')) else {
                return out(
                    String::new(),
                    "Error: APK content must be streamed\n".into(),
                    1,
                );
            };
            let Some(abs) = ctx.path(path) else {
                return out(
                    "Failure [INSTALL_FAILED_INVALID_APK]\n".into(),
                    String::new(),
                    1,
                );
            };
            let bytes = match ctx.device.fs().read(&abs) {
                Ok(b) => b,
                Err(_) => {
                    return out(
                        String::new(),
                        format!("Error: Unable to open file: {path}\nConsider using a file under /data/local/tmp/\nError: Can't open file: {path}\nException occurred while executing 'install':\njava.lang.IllegalArgumentException: Error: Can't open file: {path}\n"),
                        255,
                    )
                }
            };
            install_bytes(model, &bytes, &abs, rest)
        }
        "uninstall" => match last_operand(rest) {
            Some(pkg) if model.uninstall(&pkg) => CommandOutput::ok("Success\n"),
            _ => CommandOutput::fail(1, "Failure [DELETE_FAILED_INTERNAL_ERROR]\n"),
        },
        "clear" => match last_operand(rest) {
            Some(pkg) if model.clear_data(&pkg) => CommandOutput::ok("Success\n"),
            _ => CommandOutput::ok("Failed\n"),
        },
        "grant" | "revoke" => {
            let ops: Vec<&String> = rest.iter().filter(|a| !a.starts_with("--")).collect();
            let (Some(pkg), Some(perm)) = (ops.first(), ops.get(1)) else {
                return out(
                    String::new(),
                    "Error: no package or permission specified\n".into(),
                    255,
                );
            };
            match model.set_permission(pkg, perm, sub == "grant") {
                Ok(()) => CommandOutput::code(0),
                Err(e) => exception(sub, &e.to_string()),
            }
        }
        "resolve-activity" => resolve_activity(model, rest),
        "dump" => match rest.first().and_then(|p| model.package(p)) {
            Some(p) => CommandOutput::ok(dump::package(model.api(), &p)),
            None => CommandOutput::ok(""),
        },
        other => out(String::new(), format!("Unknown command: {other}\n"), 255),
    }
}

fn install_bytes(
    model: &Arc<AndroidModel>,
    bytes: &[u8],
    shown: &str,
    flags: &[String],
) -> CommandOutput {
    let replace = flags.iter().any(|a| a == "-r");
    let grant = flags.iter().any(|a| a == "-g");
    match super::apk::read_manifest(bytes, shown) {
        Ok(m) => match model.install_package_with(m, replace, grant) {
            Ok(()) => CommandOutput::ok("Success\n"),
            Err(e) => out(format!("Failure [{e}]\n"), String::new(), 1),
        },
        Err(e) => out(format!("Failure [{e}]\n"), String::new(), 1),
    }
}

fn pm_list(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
    let what = rest.first().map(String::as_str).unwrap_or("");
    if what != "packages" {
        return out(
            String::new(),
            format!("Error: unknown list type '{what}'\n"),
            255,
        );
    }
    let (mut third, mut system, mut files, mut uids, mut installer) =
        (false, false, false, false, false);
    let mut filter = None;
    let mut i = 1;
    while i < rest.len() {
        match rest[i].as_str() {
            "-3" => third = true,
            "-s" => system = true,
            "-f" => files = true,
            "-U" => uids = true,
            "-i" => installer = true,
            "--user" => i += 1,
            a if a.starts_with('-') => {}
            f => filter = Some(f.to_string()),
        }
        i += 1;
    }
    let st = model.snapshot();
    let mut o = String::new();
    for p in st.packages.values() {
        if (third && p.system) || (system && !p.system) {
            continue;
        }
        if filter
            .as_ref()
            .is_some_and(|f| !p.name().contains(f.as_str()))
        {
            continue;
        }
        o.push_str("package:");
        if files {
            let _ = write!(o, "{}=", p.code_path);
        }
        o.push_str(p.name());
        if uids {
            let _ = write!(o, " uid:{}", p.uid);
        }
        if installer {
            let _ = write!(o, " installer={}", p.installer.as_deref().unwrap_or("null"));
        }
        o.push('\n');
    }
    CommandOutput::ok(o)
}

fn resolve_activity(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
    let parsed = match parse_intent_args(rest) {
        Ok(p) => p,
        Err(e) => return out(String::new(), format!("Error: {e}\n"), 255),
    };
    let found = model.resolve_activities(&parsed.intent);
    let web_browser = {
        let (b, _, _) = super::packages::browser_for(model.profile().rom);
        found.iter().find(|c| c.package == b).cloned()
    };
    let pick = if found.len() > 1 {
        web_browser.or_else(|| {
            Some(ComponentName::new(
                "android",
                super::model::RESOLVER_ACTIVITY,
            ))
        })
    } else {
        found.first().cloned()
    };
    let Some(c) = pick else {
        return CommandOutput::ok("No activity found\n");
    };
    let head = "priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=true";
    if parsed.has("--brief") {
        CommandOutput::ok(format!("{head}\n{}\n", c.flatten_to_short_string()))
    } else {
        CommandOutput::ok(format!(
            "  {head}\n  ActivityInfo:\n    name={}\n    packageName={}\n    enabled=true exported=true directBootAware=false\n",
            c.class, c.package
        ))
    }
}

// ----- cmd ------------------------------------------------------------------

async fn cmd(
    model: &Arc<AndroidModel>,
    ctx: &mut CommandContext,
    args: &[String],
) -> CommandOutput {
    let Some(service) = args.first() else {
        return out(
            String::new(),
            "cmd: No service specified; use -l to list all services\n".into(),
            20,
        );
    };
    let rest = &args[1..];
    match service.as_str() {
        "activity" => am(model, rest),
        "package" => {
            if rest.first().map(String::as_str) == Some("install") {
                let size = rest
                    .iter()
                    .position(|a| a == "-S")
                    .and_then(|i| rest.get(i + 1))
                    .and_then(|s| s.parse::<usize>().ok());
                if let Some(size) = size {
                    let bytes = ctx.stdin.read_up_to(size).await;
                    if bytes.len() < size {
                        return out(
                            "Failure [INSTALL_FAILED_INVALID_APK: short read]\n".into(),
                            String::new(),
                            1,
                        );
                    }
                    return install_bytes(model, &bytes, "/data/app/vmdl.tmp/base.apk", rest);
                }
            }
            pm(model, ctx, rest)
        }
        "notification" => cmd_notification(model, rest),
        "statusbar" => match rest.first().map(String::as_str) {
            Some("expand-notifications") | Some("expand-settings") => {
                model.set_shade(true);
                CommandOutput::code(0)
            }
            Some("collapse") => {
                model.set_shade(false);
                CommandOutput::code(0)
            }
            _ => out(String::new(), "Unknown command\n".into(), 255),
        },
        other => out(
            String::new(),
            format!("cmd: Can't find service: {other}\n"),
            20,
        ),
    }
}

/// `appops set PACKAGE OP MODE` / `appops get PACKAGE OP`: an app's
/// permission-like operations (kept, not enforced).
fn appops(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
    const MODES: &[&str] = &["allow", "ignore", "deny", "default", "foreground"];
    let rest: Vec<&str> = args.iter().map(String::as_str).collect();
    let known = |p: &str| model.package(p).is_some();
    match rest.as_slice() {
        ["set", pkg, op, mode] if known(pkg) && MODES.contains(mode) => {
            model.set_setting("appops", &format!("{pkg}/{op}"), Some(mode));
            CommandOutput::code(0)
        }
        ["set", pkg, ..] | ["get", pkg, ..] if !known(pkg) => out(
            String::new(),
            format!("Error: No UID for {pkg} in user 0\n"),
            255,
        ),
        ["set", _, _, mode] => out(
            String::new(),
            format!("Error: Mode {mode} is not valid\n"),
            255,
        ),
        ["get", pkg, op] => CommandOutput::ok(format!(
            "{op}: {}\n",
            model
                .setting("appops", &format!("{pkg}/{op}"))
                .unwrap_or_else(|| "default".into())
        )),
        _ => out(
            String::new(),
            "usage: appops set <PACKAGE> <OP> <MODE>\n       appops get <PACKAGE> [<OP>]\n".into(),
            255,
        ),
    }
}

/// `settings [--user N] get|put|delete NAMESPACE KEY [VALUE]`.
fn settings(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
    const USAGE: &str = "usage:  settings [--user <USER_ID> | current] get namespace key\n        settings [--user <USER_ID> | current] put namespace key value\n        settings [--user <USER_ID> | current] delete namespace key\n\n'namespace' is one of {system, secure, global}, case-insensitive\n";
    let mut rest: Vec<&str> = args.iter().map(String::as_str).collect();
    if rest.first() == Some(&"--user") {
        rest.drain(..rest.len().min(2));
    }
    let ns = rest.get(1).map(|n| n.to_ascii_lowercase());
    let ns = match ns.as_deref() {
        Some(n @ ("system" | "secure" | "global")) => n.to_string(),
        _ => return out(String::new(), format!("Invalid namespace\n{USAGE}"), 255),
    };
    match (rest.first().copied(), rest.get(2), rest.get(3)) {
        (Some("get"), Some(key), None) => CommandOutput::ok(format!(
            "{}\n",
            model.setting(&ns, key).unwrap_or_else(|| "null".into())
        )),
        (Some("put"), Some(key), Some(value)) => {
            model.set_setting(&ns, key, Some(value));
            CommandOutput::code(0)
        }
        (Some("delete"), Some(key), None) => {
            let had = model.setting(&ns, key).is_some();
            model.set_setting(&ns, key, None);
            CommandOutput::ok(format!("Deleted {} rows\n", u8::from(had)))
        }
        _ => out(String::new(), USAGE.into(), 255),
    }
}

fn cmd_notification(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
    let Some(sub) = rest.first() else {
        return CommandOutput::ok("usage: cmd notification SUBCMD [args]\n\nSUBCMDs:\n  allow_listener COMPONENT [user_id (current user if not specified)]\n  disallow_listener COMPONENT [user_id (current user if not specified)]\n  post [--help | flags] TAG TEXT\n  list\n");
    };
    match sub.as_str() {
        "allow_listener" => match rest.get(1).and_then(|c| c.parse::<ComponentName>().ok()) {
            Some(c) => {
                model.allow_listener(c);
                CommandOutput::code(0)
            }
            None => out(
                String::new(),
                "Invalid listener - must be a ComponentName\n".into(),
                255,
            ),
        },
        "disallow_listener" => match rest.get(1).and_then(|c| c.parse::<ComponentName>().ok()) {
            Some(c) => {
                model.disallow_listener(&c);
                CommandOutput::code(0)
            }
            None => out(
                String::new(),
                "Invalid listener - must be a ComponentName\n".into(),
                255,
            ),
        },
        "list" => CommandOutput::ok(dump::notification_keys(&model.snapshot())),
        "post" => {
            let mut title = None;
            let mut content = None;
            let mut i = 1;
            let mut verbose = false;
            while i < rest.len() && rest[i].starts_with('-') {
                match rest[i].as_str() {
                    "-t" | "--title" => {
                        i += 1;
                        title = rest.get(i).cloned();
                    }
                    "-c" | "--content-intent" => {
                        i += 1;
                        content = rest
                            .get(i)
                            .and_then(|a| parse_intent_args(std::slice::from_ref(a)).ok())
                            .map(|p| p.intent);
                    }
                    "-i" | "--icon" | "-I" | "--large-icon" | "-S" | "--style" => i += 1,
                    "-v" | "--verbose" => verbose = true,
                    "-b" | "--big" | "--bigtext" => {}
                    "-h" | "--help" => {
                        return CommandOutput::ok(
                            "usage: cmd notification post [flags] <tag> <text>\n",
                        );
                    }
                    _ => {}
                }
                i += 1;
            }
            let (Some(tag), Some(_)) = (rest.get(i), rest.get(i + 1)) else {
                return out(
                    String::new(),
                    "Error: post requires TAG and TEXT\n".into(),
                    255,
                );
            };
            let text = rest[i + 1..].join(" ");
            match model.post_from_shell(tag, title, &text, content) {
                Ok(key) if verbose => CommandOutput::ok(format!("posted: {key}\n")),
                _ => CommandOutput::code(0),
            }
        }
        other => out(String::new(), format!("Unknown command: {other}\n"), 255),
    }
}

// ----- dumpsys --------------------------------------------------------------

fn dumpsys(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
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

// ----- processes ------------------------------------------------------------

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
const SYSTEM_SERVER_PID_U32: u32 = super::model::SYSTEM_SERVER_PID;

fn pidof(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
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

fn ps(model: &Arc<AndroidModel>) -> CommandOutput {
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

// ----- logcat ---------------------------------------------------------------

async fn logcat(model: &Arc<AndroidModel>, ctx: &CommandContext, args: &[String]) -> CommandOutput {
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

// ----- input, UI ------------------------------------------------------------

fn input(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
    let usage = || {
        out(
            String::new(),
            "Error: Unknown command\nUsage: input [<source>] <command> [<arg>...]\n".into(),
            1,
        )
    };
    let args: Vec<&String> = args
        .iter()
        .skip_while(|a| {
            matches!(
                a.as_str(),
                "touchscreen" | "keyboard" | "mouse" | "trackball" | "dpad"
            )
        })
        .collect();
    match args.first().map(|s| s.as_str()) {
        Some("tap") => {
            let (Some(x), Some(y)) = (
                args.get(1).and_then(|v| v.parse::<f64>().ok()),
                args.get(2).and_then(|v| v.parse::<f64>().ok()),
            ) else {
                return usage();
            };
            let st = model.snapshot();
            if let Some(key) = ui::row_at(&st, x as i32, y as i32) {
                model.tap_notification(&key);
            }
            CommandOutput::code(0)
        }
        Some("keyevent") => {
            for k in args.iter().skip(1) {
                match k.as_str() {
                    "KEYCODE_HOME" | "3" => model.go_home(),
                    "KEYCODE_BACK" | "4" => model.go_back(),
                    _ => {}
                }
            }
            CommandOutput::code(0)
        }
        Some("swipe") | Some("text") | Some("draganddrop") | Some("press") | Some("roll") => {
            CommandOutput::code(0)
        }
        _ => usage(),
    }
}

fn uiautomator(model: &Arc<AndroidModel>, ctx: &CommandContext, args: &[String]) -> CommandOutput {
    if args.first().map(String::as_str) != Some("dump") {
        return out(
            String::new(),
            "Usage: uiautomator <subcommand> [options]\n".into(),
            1,
        );
    }
    let path = args
        .iter()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "/sdcard/window_dump.xml".into());
    let xml = ui::hierarchy_xml(&model.snapshot());
    if path == "/dev/tty" || path == "/dev/stdout" {
        return CommandOutput::ok(format!("{xml}UI hierchary dumped to: {path}\n"));
    }
    let Some(abs) = ctx.path(&path) else {
        return CommandOutput::ok("ERROR: could not get idle state.\n");
    };
    let written = ctx.device.fs().write(
        &abs,
        xml.into_bytes(),
        0o660,
        crate::sim::fs::now_secs(),
        true,
    );
    match written {
        Ok(()) => CommandOutput::ok(format!("UI hierchary dumped to: {path}\n")),
        Err(e) => out(String::new(), format!("ERROR: {e}\n"), 0),
    }
}

fn clock() -> String {
    let t = format_time(now_ms());
    t.get(6..11).unwrap_or("00:00").to_string()
}

fn screencap(model: &Arc<AndroidModel>, ctx: &CommandContext, args: &[String]) -> CommandOutput {
    let png = ui::screenshot(&model.snapshot(), &clock());
    match args.iter().find(|a| !a.starts_with('-')) {
        Some(path) => {
            let Some(abs) = ctx.path(path) else {
                return out(
                    String::new(),
                    format!("Error opening file: {path} (No such file or directory)\n"),
                    1,
                );
            };
            match ctx
                .device
                .fs()
                .write(&abs, png, 0o660, crate::sim::fs::now_secs(), true)
            {
                Ok(()) => CommandOutput::code(0),
                Err(e) => out(
                    String::new(),
                    format!("Error opening file: {path} ({e})\n"),
                    1,
                ),
            }
        }
        None => CommandOutput {
            stdout: png,
            ..Default::default()
        },
    }
}

/// `monkey -p <pkg> -c android.intent.category.LAUNCHER 1`: launches the
/// package's launcher activity.
fn monkey(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
    let pkg = args
        .iter()
        .position(|a| a == "-p")
        .and_then(|i| args.get(i + 1));
    let Some(pkg) = pkg else {
        return out(
            String::new(),
            "** No activities found to run, monkey aborted.\n".into(),
            252,
        );
    };
    let launcher = model
        .package(pkg)
        .and_then(|p| p.manifest.launcher_activity());
    let Some(c) = launcher else {
        return out(
            String::new(),
            "** No activities found to run, monkey aborted.\n".into(),
            252,
        );
    };
    let _ = model.start_activity(&Caller::Shell, &Intent::launch(c));
    CommandOutput::ok("  bash arg: -p\n  bash arg: ".to_string() + pkg + "\nEvents injected: 1\n## Network stats: elapsed time=12ms (0ms mobile, 0ms wifi, 12ms not connected)\n")
}
