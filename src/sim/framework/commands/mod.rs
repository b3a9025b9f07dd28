//! The shell commands of the framework: `am`, `pm`, `cmd`, `dumpsys`,
//! `pidof`, `ps`, `logcat`, `input`, `uiautomator`, `screencap`, `monkey`,
//! with Android's output formats and exit codes.

mod am;
mod cmd;
mod input;
mod output;
mod pm;
mod system;

use std::sync::Arc;

use async_trait::async_trait;

use super::model::AndroidModel;
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
        "service",
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
        if model.api() < since(self.0) {
            return CommandOutput::fail(127, format!("/system/bin/sh: {}: not found\n", self.0));
        }
        let args: Vec<String> = ctx.argv.get(1..).unwrap_or_default().to_vec();
        match self.0 {
            "am" => am::am(&model, &args),
            "pm" => pm::pm(&model, &ctx, &args),
            "cmd" => cmd::cmd(&model, &mut ctx, &args).await,
            "dumpsys" => system::dumpsys(&model, &args),
            "pidof" => system::pidof(&model, &args),
            "ps" => system::ps(&model),
            "logcat" => system::logcat(&model, &ctx, &args).await,
            "input" => input::input(&model, &args),
            "uiautomator" => input::uiautomator(&model, &ctx, &args),
            "screencap" => input::screencap(&model, &ctx, &args),
            "monkey" => input::monkey(&model, &args),
            "settings" => cmd::settings(&model, &args),
            "appops" => cmd::appops(&model, &args),
            "service" => cmd::service(&model, &args),
            _ => CommandOutput::code(127),
        }
    }
}

/// The API level a framework command first ships at: `cmd` came with
/// Android 7.0 (API 24), `settings` with 4.2 (API 17); the others are as
/// old as the supported range.
fn since(command: &str) -> u8 {
    match command {
        "cmd" => 24,
        "settings" => 17,
        _ => 0,
    }
}
