//! `cmd SERVICE …`, and the `appops` and `settings` commands.

use std::sync::Arc;

use super::am::am;
use super::output::out;
use super::pm::{install_bytes, pm};
use crate::android::ComponentName;
use crate::sim::framework::args::parse_intent_args;
use crate::sim::framework::dump;
use crate::sim::framework::model::AndroidModel;
use crate::sim::shell::{CommandContext, CommandOutput};

pub(super) async fn cmd(
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

/// `service call statusbar 1|2`: the binder calls that open and close
/// the notification shade on phones without `cmd` (before API 24).
/// Other services and codes answer as an unknown transaction.
pub(super) fn service(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
    const DONE: &str = "Result: Parcel(00000000    '....')\n";
    let rest: Vec<&str> = args.iter().map(String::as_str).collect();
    match rest.as_slice() {
        ["call", "statusbar", "1", ..] => {
            model.set_shade(true);
            CommandOutput::ok(DONE)
        }
        ["call", "statusbar", "2", ..] => {
            model.set_shade(false);
            CommandOutput::ok(DONE)
        }
        ["call", "statusbar", ..] => CommandOutput::ok(
            "Result: Parcel(ffffffb6 00000000 '........')\n",
        ),
        ["call", other, ..] => CommandOutput::ok(format!("service: Service {other} does not exist\n")),
        _ => out(
            String::new(),
            "Usage: service [-h|-?]\n       service list\n       service check SERVICE\n       service call SERVICE CODE [i32 N | i64 N | f N | d N | s16 STR ] ...\n".into(),
            255,
        ),
    }
}

/// `appops set PACKAGE OP MODE` / `appops get PACKAGE OP`: an app's
/// permission-like operations (kept, not enforced).
pub(super) fn appops(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
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
pub(super) fn settings(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
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

pub(super) fn cmd_notification(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
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
