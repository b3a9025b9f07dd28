//! `Intent.parseCommandArgs`: the intent options shared by `am start`,
//! `am broadcast`, `am startservice` and `cmd package resolve-activity`.

use crate::android::intent::{ACTION_MAIN, CATEGORY_LAUNCHER};
use crate::android::intent_uri::java_integer_decode;
use crate::android::{ComponentName, ExtraValue, Intent, LaunchFlags, UriFlags};

/// A parsed command line: the intent and the options the command itself
/// handles (kept in order, with their values).
#[derive(Debug, Clone, Default)]
pub struct IntentArgs {
    pub intent: Intent,
    /// Command options (`-W`, `-S`, `--user 0`…) not part of the intent.
    pub options: Vec<String>,
}

impl IntentArgs {
    pub fn has(&self, opt: &str) -> bool {
        self.options.iter().any(|o| o == opt)
    }
}

/// Options that are the command's own and take a value.
const OWN_WITH_VALUE: &[&str] = &[
    "--user",
    "-P",
    "--start-profiler",
    "--sampling",
    "-R",
    "--display",
    "--windowingMode",
    "--activityType",
    "--task",
    "--receiver-permission",
    "--attach-agent",
];
/// Options that are the command's own and take no value.
const OWN_FLAGS: &[&str] = &[
    "-W",
    "-S",
    "-D",
    "-N",
    "--streaming",
    "--track-allocation",
    "--task-overlay",
    "--lock-task",
    "--allow-background-activity-starts",
    "--async",
    "--brief",
    "--components",
];

fn parse_bool(v: &str) -> Result<bool, String> {
    match v {
        "true" | "t" => Ok(true),
        "false" | "f" => Ok(false),
        _ => v
            .parse::<i64>()
            .map(|n| n != 0)
            .map_err(|_| format!("Invalid boolean value: {v}")),
    }
}

/// Parses intent options and the final target argument.
pub fn parse_intent_args(args: &[String]) -> Result<IntentArgs, String> {
    let mut out = IntentArgs::default();
    let mut intent = Intent::default();
    let mut base: Option<Intent> = None;
    let mut i = 0;
    let take = |i: &mut usize, opt: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("No argument expected after \"{opt}\""))
    };
    while i < args.len() {
        let a = args[i].as_str();
        if let Some(f) = flag_option(a) {
            intent.launch_flags = LaunchFlags(intent.launch_flags.0 | f);
            i += 1;
            continue;
        }
        match a {
            "-a" => intent.action = Some(take(&mut i, a)?),
            "-d" => intent.data = Some(take(&mut i, a)?),
            "-t" => intent.mime_type = Some(take(&mut i, a)?),
            "-i" => intent.identifier = Some(take(&mut i, a)?),
            "-c" => intent.add_category(take(&mut i, a)?),
            "-e" | "--es" => {
                let k = take(&mut i, a)?;
                let v = take(&mut i, a)?;
                intent.extras.insert(k, ExtraValue::String(v));
            }
            "--esn" => {
                let k = take(&mut i, a)?;
                intent.extras.insert(k, ExtraValue::String(String::new()));
            }
            "--ei" | "--el" | "--ef" | "--ed" | "--ez" => {
                let k = take(&mut i, a)?;
                let v = take(&mut i, a)?;
                intent.extras.insert(k, typed_extra(a, &v)?);
            }
            "--eu" | "--ecn" | "--esa" | "--esal" | "--eia" | "--eial" | "--ela" | "--elal"
            | "--efa" | "--efal" => {
                // Kept as their string form (the model has no array extras).
                let k = take(&mut i, a)?;
                let v = take(&mut i, a)?;
                intent.extras.insert(k, ExtraValue::String(v));
            }
            "-n" => {
                let v = take(&mut i, a)?;
                let c: ComponentName = v.parse().map_err(|_| format!("Bad component name: {v}"))?;
                intent.component = Some(c);
            }
            "-p" => intent.package = Some(take(&mut i, a)?),
            "-f" => {
                let v = take(&mut i, a)?;
                let f =
                    java_integer_decode(&v).ok_or_else(|| format!("For input string: \"{v}\""))?;
                intent.launch_flags = LaunchFlags(intent.launch_flags.0 | f);
            }
            _ if OWN_WITH_VALUE.contains(&a) => {
                out.options.push(a.to_string());
                out.options.push(take(&mut i, a)?);
            }
            _ if OWN_FLAGS.contains(&a) => out.options.push(a.to_string()),
            _ if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("Unknown option: {a}"));
            }
            target => {
                if base.is_some() {
                    return Err(format!("Unknown option: {target}"));
                }
                base = Some(target_intent(target)?);
            }
        }
        i += 1;
    }
    if let Some(b) = base {
        fill_in(&mut intent, b);
    }
    out.intent = intent;
    Ok(out)
}

/// The value of a typed extra option (`--ei`, `--el`, `--ef`, `--ed`,
/// `--ez`), or Java's parse error.
fn typed_extra(option: &str, v: &str) -> Result<ExtraValue, String> {
    let bad = || format!("For input string: \"{v}\"");
    Ok(match option {
        "--ei" => ExtraValue::Int(v.parse::<i32>().map_err(|_| bad())?),
        "--el" => ExtraValue::Long(v.parse::<i64>().map_err(|_| bad())?),
        "--ef" => ExtraValue::Float(v.parse::<f32>().map_err(|_| bad())?),
        "--ed" => ExtraValue::Double(v.parse::<f64>().map_err(|_| bad())?),
        _ => ExtraValue::Boolean(parse_bool(v)?),
    })
}

/// The `am` options that only set a flag of the intent, and the flag.
fn flag_option(option: &str) -> Option<u32> {
    let f = match option {
        "--grant-read-uri-permission" => 0x1,
        "--grant-write-uri-permission" => 0x2,
        "--grant-persistable-uri-permission" => 0x40,
        "--grant-prefix-uri-permission" => 0x80,
        "--exclude-stopped-packages" => 0x10,
        "--include-stopped-packages" => 0x20,
        "--debug-log-resolution" => 0x8,
        "--activity-brought-to-front" => 0x0040_0000,
        "--activity-clear-top" => 0x0400_0000,
        "--activity-clear-when-task-reset" => 0x0008_0000,
        "--activity-exclude-from-recents" => 0x0080_0000,
        "--activity-launched-from-history" => 0x0010_0000,
        "--activity-multiple-task" => 0x0800_0000,
        "--activity-no-animation" => 0x0001_0000,
        "--activity-no-history" => 0x4000_0000,
        "--activity-no-user-action" => 0x0004_0000,
        "--activity-previous-is-top" => 0x0100_0000,
        "--activity-reorder-to-front" => 0x0002_0000,
        "--activity-reset-task-if-needed" => 0x0020_0000,
        "--activity-single-top" => 0x2000_0000,
        "--activity-clear-task" => 0x8000,
        "--activity-task-on-home" => 0x4000,
        "--activity-match-external" => 0x800,
        "--receiver-registered-only" => 0x4000_0000,
        "--receiver-replace-pending" => 0x2000_0000,
        "--receiver-foreground" => 0x1000_0000,
        "--receiver-no-abort" => 0x0800_0000,
        "--receiver-include-background" => 0x0100_0000,
        _ => return None,
    };
    Some(f)
}

/// Merges the target argument's intent `b` under the options' intent, as
/// `am` does (`Intent.fillIn(base, FILL_IN_COMPONENT | FILL_IN_SELECTOR)`,
/// extras of the options winning).
fn fill_in(intent: &mut Intent, mut b: Intent) {
    if intent.action.is_some() {
        b.categories.clear();
    }
    let extras = std::mem::take(&mut intent.extras);
    let mut merged = std::mem::take(&mut b.extras);
    for (k, v) in extras.iter() {
        merged.insert(k, v.clone());
    }
    if intent.action.is_none() {
        intent.action = b.action;
    }
    if intent.data.is_none() && intent.mime_type.is_none() {
        intent.data = b.data;
        intent.mime_type = b.mime_type;
    }
    if intent.identifier.is_none() {
        intent.identifier = b.identifier;
    }
    if intent.categories.is_empty() {
        intent.categories = b.categories;
    }
    if intent.package.is_none() && b.selector.is_none() {
        intent.package = b.package;
    }
    if b.component.is_some() {
        intent.component = b.component;
    }
    if b.selector.is_some() {
        intent.selector = b.selector;
    }
    if intent.source_bounds.is_none() {
        intent.source_bounds = b.source_bounds;
    }
    intent.launch_flags = LaunchFlags(intent.launch_flags.0 | b.launch_flags.0);
    intent.extras = merged;
}

/// The last bare argument: an intent URI, a component, or a package.
fn target_intent(arg: &str) -> Result<Intent, String> {
    if arg.contains(':') {
        return Intent::parse_uri_with(arg, UriFlags::AM_START)
            .map_err(|e| format!("Bad URI: {e}"));
    }
    let mut i = Intent::new(ACTION_MAIN);
    i.add_category(CATEGORY_LAUNCHER);
    if arg.contains('/') {
        let c: ComponentName = arg
            .parse()
            .map_err(|_| format!("Bad component name: {arg}"))?;
        i.component = Some(c);
    } else {
        i.package = Some(arg.to_string());
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn reads_the_runner_commands() {
        let a = parse_intent_args(&argv("-W -n com.pushlab.demo/.SplashActivity --es pushlab.command login --ez pushlab.create_channel true")).unwrap();
        assert!(a.has("-W"));
        assert_eq!(
            a.intent
                .component
                .as_ref()
                .map(|c| c.to_string())
                .as_deref(),
            Some("com.pushlab.demo/.SplashActivity")
        );
        assert_eq!(
            a.intent.extras.get("pushlab.create_channel"),
            Some(&ExtraValue::Boolean(true))
        );
        let a = parse_intent_args(&argv("-f 0x20 -a x.Y")).unwrap();
        assert_eq!(a.intent.launch_flags.0, 0x20);
        let a = parse_intent_args(&argv("com.x/.Main")).unwrap();
        assert_eq!(a.intent.categories, vec![CATEGORY_LAUNCHER.to_string()]);
        assert!(parse_intent_args(&argv("--bogus")).is_err());
        assert!(parse_intent_args(&argv("--ez k maybe")).is_err());
    }
}
