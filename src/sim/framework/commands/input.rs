//! The user at the screen: `input`, `uiautomator`, `screencap`, `monkey`.

use std::sync::Arc;

use super::output::out;
use crate::android::Intent;
use crate::sim::framework::logcat::{format_time, now_ms};
use crate::sim::framework::model::{AndroidModel, Caller};
use crate::sim::framework::ui;
use crate::sim::shell::{CommandContext, CommandOutput};

pub(super) fn input(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
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

pub(super) fn uiautomator(
    model: &Arc<AndroidModel>,
    ctx: &CommandContext,
    args: &[String],
) -> CommandOutput {
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

pub(super) fn clock() -> String {
    let t = format_time(now_ms());
    t.get(6..11).unwrap_or("00:00").to_string()
}

pub(super) fn screencap(
    model: &Arc<AndroidModel>,
    ctx: &CommandContext,
    args: &[String],
) -> CommandOutput {
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
pub(super) fn monkey(model: &Arc<AndroidModel>, args: &[String]) -> CommandOutput {
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
