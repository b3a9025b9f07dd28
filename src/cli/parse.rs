//! `pushlab parse <kind> FILE`: shows what the driver reads from a device
//! output or bugreport section, as JSON.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use pushlab::device::parse;

/// What kind of output the file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// `dumpsys notification [--noredact]` records (one JSON object per record).
    Notifications,
    /// The `AppSettings:` / `NotificationChannel{…}` listing of `dumpsys notification`.
    Channels,
    /// `dumpsys activity activities`.
    Activities,
    /// `am start [-W]` output.
    AmStart,
    /// `logcat -v threadtime` (also brief/time and bugreport `-v uid`).
    Logcat,
    /// `pm list packages [-f] [-U] [-i]`.
    Packages,
    /// `ps -A`.
    Processes,
    /// `uiautomator dump` XML.
    Ui,
}

/// Parse a captured device output (or a bugreport section) and print what
/// pushlab sees, as JSON.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The kind of output.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The file to read; `-` reads standard input.
    pub file: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bytes = if args.file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .context("reading standard input")?;
        b
    } else {
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?
    };
    let text = String::from_utf8_lossy(&bytes);
    let json = render(args.kind, &text)?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

/// The JSON `pushlab parse` prints for `text`.
pub fn render(kind: Kind, text: &str) -> anyhow::Result<String> {
    let value = match kind {
        Kind::Notifications => serde_json::to_value(parse::parse_notification_records(text))?,
        Kind::Channels => serde_json::to_value(parse::parse_notification_preferences(text))?,
        Kind::Activities => serde_json::to_value(parse::parse_activities(text))?,
        Kind::AmStart => serde_json::to_value(parse::parse_am_start(text))?,
        Kind::Logcat => {
            let lines: Vec<serde_json::Value> = parse::parse_logcat(text)
                .into_iter()
                .map(|l| {
                    let no_channel = l.no_channel_found();
                    let mut v = serde_json::to_value(&l).unwrap_or_default();
                    if let (Some(nc), Some(obj)) = (no_channel, v.as_object_mut()) {
                        obj.insert(
                            "no_channel_found".into(),
                            serde_json::to_value(nc).unwrap_or_default(),
                        );
                    }
                    v
                })
                .collect();
            serde_json::Value::Array(lines)
        }
        Kind::Packages => serde_json::to_value(parse::parse_pm_list_packages(text))?,
        Kind::Processes => serde_json::to_value(parse::parse_ps(text))?,
        Kind::Ui => serde_json::to_value(parse::parse_ui_dump(text).map_err(anyhow::Error::from)?)?,
    };
    Ok(serde_json::to_string_pretty(&value)?)
}
