//! `pm` (and `cmd package`): list, path, install, uninstall, clear, grant,
//! revoke, resolve-activity.

use std::fmt::Write;
use std::sync::Arc;

use super::output::{exception, last_operand, out};
use crate::android::ComponentName;
use crate::sim::framework::args::parse_intent_args;
use crate::sim::framework::dump;
use crate::sim::framework::model::AndroidModel;
use crate::sim::shell::{CommandContext, CommandOutput};

pub(super) fn pm(
    model: &Arc<AndroidModel>,
    ctx: &CommandContext,
    args: &[String],
) -> CommandOutput {
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

pub(super) fn install_bytes(
    model: &Arc<AndroidModel>,
    bytes: &[u8],
    shown: &str,
    flags: &[String],
) -> CommandOutput {
    let replace = flags.iter().any(|a| a == "-r");
    let grant = flags.iter().any(|a| a == "-g");
    match crate::sim::framework::apk::read_manifest(bytes, shown) {
        Ok(m) => match model.install_package_with(m, replace, grant) {
            Ok(()) => CommandOutput::ok("Success\n"),
            Err(e) => out(format!("Failure [{e}]\n"), String::new(), 1),
        },
        Err(e) => out(format!("Failure [{e}]\n"), String::new(), 1),
    }
}

pub(super) fn pm_list(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
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

pub(super) fn resolve_activity(model: &Arc<AndroidModel>, rest: &[String]) -> CommandOutput {
    let parsed = match parse_intent_args(rest) {
        Ok(p) => p,
        Err(e) => return out(String::new(), format!("Error: {e}\n"), 255),
    };
    let found = model.resolve_activities(&parsed.intent);
    let web_browser = {
        let (b, _, _) = crate::sim::framework::packages::browser_for(model.profile().rom);
        found.iter().find(|c| c.package == b).cloned()
    };
    let pick = if found.len() > 1 {
        web_browser.or_else(|| {
            Some(ComponentName::new(
                "android",
                crate::sim::framework::model::RESOLVER_ACTIVITY,
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
