//! Reading scenario files: YAML to [`ScenarioFile`] with `file:line:column`
//! errors, then the semantic checks serde cannot make.

use std::fmt;
use std::path::{Path, PathBuf};

use super::locate::{locate, render, Seg};
use super::model::*;
use crate::push::{Credentials, VendorId};

/// One thing wrong with a file, placed in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
    /// The path of the offending field (`cases[0].steps[2]`), empty at the
    /// top.
    pub field: String,
    pub message: String,
    /// What would have been accepted, when the set is closed.
    pub allowed: Vec<String>,
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: field: what is wrong (allowed: …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)?;
        if !self.allowed.is_empty() {
            write!(f, " (allowed: {})", self.allowed.join(", "))?;
        }
        Ok(())
    }
}

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
}

impl LoadError {
    /// The diagnostics, one line each.
    pub fn lines(&self) -> Vec<String> {
        match self {
            LoadError::Io { .. } => vec![self.to_string()],
            LoadError::Invalid(d) => d.iter().map(ToString::to_string).collect(),
        }
    }
}

/// A parsed and checked scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The path as given (used in reports and shard hashes).
    pub path: String,
    pub file: ScenarioFile,
}

/// Reads and checks one file.
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_str(&path.display().to_string(), &text)
}

/// The `.yaml`/`.yml` files under `paths` (files as given, directories
/// listed, sorted).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| LoadError::Io {
                    path: p.clone(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect();
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(LoadError::Io {
                path: p.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
    }
    Ok(out)
}

/// Parses and checks a file's text; `name` is how errors name the file.
pub fn parse_str(name: &str, text: &str) -> Result<Scenario, LoadError> {
    let file: ScenarioFile = serde_yaml_ng::from_str(text)
        .map_err(|e| LoadError::Invalid(vec![from_serde(name, &e)]))?;
    let problems = check(&file);
    if problems.is_empty() {
        Ok(Scenario {
            path: name.to_string(),
            file,
        })
    } else {
        Err(LoadError::Invalid(
            problems
                .into_iter()
                .map(|p| {
                    let (line, column) = locate(text, &p.path);
                    Diagnostic {
                        file: name.to_string(),
                        line,
                        column,
                        field: render(&p.path),
                        message: p.message,
                        allowed: p.allowed,
                    }
                })
                .collect(),
        ))
    }
}

/// Turns a serde error (`path: message at line L column C`) into a
/// diagnostic, moving `expected one of …` into the allowed list.
fn from_serde(name: &str, e: &serde_yaml_ng::Error) -> Diagnostic {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    let mut msg = e.to_string();
    if let Some(i) = msg.rfind(" at line ") {
        if msg[i..].contains(" column ") {
            msg.truncate(i);
        }
    }
    let (field, mut message) = match msg.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') && !path.is_empty() => {
            (path.to_string(), rest.to_string())
        }
        _ => (String::new(), msg.clone()),
    };
    let mut allowed = Vec::new();
    for marker in [", expected one of ", ", expected "] {
        if let Some(i) = message.find(marker) {
            let list = &message[i + marker.len()..];
            if list.starts_with('`') && (message.starts_with("unknown ")) {
                allowed = list
                    .split(['`'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && *s != "," && *s != "or")
                    .map(|s| s.trim_matches(',').trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                message.truncate(i);
                break;
            }
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        // Name what the closed set is, rather than serde's word for it.
        let what = if field.ends_with(']') && field.contains("steps[") {
            "unknown step"
        } else if field == "vendor" || field.ends_with(".vendor") {
            "unknown vendor"
        } else if allowed.iter().any(|a| a == "im.logged_out") {
            "unknown diagnosis code"
        } else {
            "unknown value"
        };
        message = format!("{what} {rest}");
    }
    Diagnostic {
        file: name.to_string(),
        line,
        column,
        field,
        message,
        allowed,
    }
}

/// A semantic problem, by path.
struct Problem {
    path: Vec<Seg>,
    message: String,
    allowed: Vec<String>,
}

fn problem(path: Vec<Seg>, message: impl Into<String>) -> Problem {
    Problem {
        path,
        message: message.into(),
        allowed: Vec::new(),
    }
}

/// Which page targets a vendor's API can express.
pub fn page_kinds(vendor: VendorId) -> &'static [&'static str] {
    match vendor {
        VendorId::Xiaomi => &["intent_uri"],
        VendorId::Huawei => &["intent_uri", "action"],
        VendorId::Oppo => &["intent_uri", "activity", "action"],
        VendorId::Vivo => &["intent_uri", "activity", "action"],
        VendorId::Meizu => &["activity"],
        VendorId::Fcm => &["action"],
    }
}

/// Whether a vendor's API can open a web page.
pub fn opens_urls(vendor: VendorId) -> bool {
    vendor != VendorId::Fcm
}

fn check_click(vendor: VendorId, click: &ClickSpec, path: Vec<Seg>, out: &mut Vec<Problem>) {
    match click {
        ClickSpec::OpenApp => {}
        ClickSpec::OpenUrl(url) => {
            if !opens_urls(vendor) {
                out.push(Problem {
                    path: path_with(&path, "open_url"),
                    message: format!("{} cannot open a web page", vendor.display_name()),
                    allowed: vec!["open_app".into(), "open_page".into()],
                });
            } else if url::Url::parse(url).is_err() {
                out.push(problem(
                    path_with(&path, "open_url"),
                    format!("`{url}` is not a URL"),
                ));
            }
        }
        ClickSpec::OpenPage(page) => {
            let kinds = page_kinds(vendor);
            if !kinds.contains(&page.key()) {
                let mut p = path_with(&path, "open_page");
                p.push(Seg::key(page.key()));
                out.push(Problem {
                    path: p,
                    message: format!(
                        "{} cannot open an in-app page by {}",
                        vendor.display_name(),
                        page.key().replace('_', " ")
                    ),
                    allowed: kinds.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
    }
}

fn path_with(path: &[Seg], key: &str) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(Seg::key(key));
    p
}

/// The vendor's credentials from the file's map.
pub fn credentials(
    vendor: VendorId,
    map: &serde_json::Map<String, serde_json::Value>,
) -> Result<Credentials, String> {
    Credentials::from_fields(vendor, map)
}

/// A device the grammar refuses: placed on the name, or on the inline
/// definition's field the error is about.
fn check_profile(device: &DeviceRef, path: Vec<Seg>, out: &mut Vec<Problem>) {
    let Err(e) = device.profile() else {
        return;
    };
    match (device, e) {
        (DeviceRef::Name(_), DeviceError::Profile(e)) => out.push(Problem {
            path,
            message: format!("device {}", e.message()),
            allowed: e.allowed(),
        }),
        (DeviceRef::Inline(_), DeviceError::Profile(e)) => {
            let field = e.dimension().map_or("rom", |d| d.field());
            // Say it in the definition's words rather than the name's.
            let mut message = e.reason();
            for q in crate::profile::Quirk::ALL {
                message = message.replace(&format!("`{}`", q.token()), &format!("`{}`", q.word()));
            }
            message = message
                .replace("`nogms`", "`play_services: false`")
                .replace("`gms`", "`play_services`");
            out.push(Problem {
                path: path_with(&path, field),
                message,
                allowed: e.allowed(),
            });
        }
        (_, DeviceError::Api(n)) => out.push(Problem {
            path: path_with(&path, "api"),
            message: format!("API level {n} is not supported"),
            allowed: vec![format!(
                "{}..={}",
                crate::profile::ApiLevel::MIN,
                crate::profile::ApiLevel::MAX
            )],
        }),
        (_, DeviceError::Android(v)) => out.push(Problem {
            path: path_with(&path, "android"),
            message: format!("`{v}` is no Android version"),
            allowed: crate::profile::ApiLevel::version_spellings()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }),
        (_, DeviceError::Version { both }) => out.push(problem(
            path,
            if both {
                "give the Android version once: `api` or `android`, not both"
            } else {
                "a device definition needs `api` (16-36) or `android` (e.g. \"8.1\")"
            },
        )),
    }
}

/// The checks serde cannot make: vendor-specific certificate fields and
/// click events, device profiles, step order and counts.
fn check(file: &ScenarioFile) -> Vec<Problem> {
    let mut out = Vec::new();
    let vendor = file.vendor;
    let cert_path = vec![Seg::key("certificate")];
    if let Err(e) = credentials(vendor, &file.certificate.credentials) {
        out.push(problem(
            path_with(&cert_path, "credentials"),
            format!("not {} credentials: {e}", vendor.display_name()),
        ));
    }
    check_click(
        vendor,
        &file.certificate.click,
        path_with(&cert_path, "click"),
        &mut out,
    );
    for (i, d) in file.devices.0.iter().enumerate() {
        let path = if file.devices.0.len() == 1 {
            vec![Seg::key("devices")]
        } else {
            vec![Seg::key("devices"), Seg::Index(i)]
        };
        check_profile(d, path, &mut out);
    }
    if file.cases.is_empty() {
        out.push(problem(
            vec![Seg::key("cases")],
            "a file needs at least one case",
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (ci, case) in file.cases.iter().enumerate() {
        let cp = vec![Seg::key("cases"), Seg::Index(ci)];
        if case.name.trim().is_empty() {
            out.push(problem(path_with(&cp, "name"), "a case needs a name"));
        } else if !names.insert(case.name.as_str()) {
            out.push(problem(
                path_with(&cp, "name"),
                format!("duplicate case name `{}`", case.name),
            ));
        }
        check_case(file, case, &cp, &mut out);
        check_steps(case, &cp, &mut out);
        check_vendor_steps(case.vendor.unwrap_or(file.vendor), case, &cp, &mut out);
    }
    out
}

/// A case's own device, vendor and certificate overrides.
fn check_case(file: &ScenarioFile, case: &Case, cp: &[Seg], out: &mut Vec<Problem>) {
    if let Some(d) = &case.device {
        check_profile(d, path_with(cp, "device"), out);
    }
    let vendor = case.vendor.unwrap_or(file.vendor);
    let own_credentials = case
        .certificate
        .as_ref()
        .is_some_and(|o| o.credentials.is_some());
    if vendor != file.vendor && !own_credentials {
        out.push(problem(
            path_with(cp, "vendor"),
            format!(
                "a case that goes through {} needs its own `certificate.credentials`",
                vendor.display_name()
            ),
        ));
    }
    let click_overridden = case.certificate.as_ref().is_some_and(|o| o.click.is_some());
    if vendor != file.vendor && !click_overridden {
        check_click(
            vendor,
            &file.certificate.click,
            path_with(cp, "vendor"),
            out,
        );
    }
    if let Some(o) = &case.certificate {
        let op = path_with(cp, "certificate");
        if let Some(c) = &o.credentials {
            if let Err(e) = credentials(vendor, c) {
                out.push(problem(
                    path_with(&op, "credentials"),
                    format!("not {} credentials: {e}", vendor.display_name()),
                ));
            }
        }
        if let Some(click) = &o.click {
            check_click(vendor, click, path_with(&op, "click"), out);
        }
    }
    check_console_and_edits(file, case, vendor, cp, out);
}

/// The `console:` of the file (when the case goes through the file's
/// vendor) and of the case, and each `edit_certificate`: their credential
/// keys must be the vendor's own fields, their click one the vendor has.
fn check_console_and_edits(
    file: &ScenarioFile,
    case: &Case,
    vendor: VendorId,
    cp: &[Seg],
    out: &mut Vec<Problem>,
) {
    let check_keys = |map: &serde_json::Map<String, serde_json::Value>,
                      path: Vec<Seg>,
                      out: &mut Vec<Problem>| {
        let base = case
            .certificate
            .as_ref()
            .and_then(|o| o.credentials.as_ref())
            .unwrap_or(&file.certificate.credentials);
        let mut merged = base.clone();
        merged.extend(map.clone());
        if let Err(e) = credentials(vendor, &merged) {
            out.push(problem(
                path,
                format!("not {} credentials: {e}", vendor.display_name()),
            ));
        }
    };
    if vendor == file.vendor {
        if let Some(c) = file.console.as_ref().and_then(|c| c.credentials.as_ref()) {
            let path = vec![Seg::key("console"), Seg::key("credentials")];
            // Reported once, for the file, not once per case.
            if !out.iter().any(|p| p.path == path) {
                check_keys(c, path, out);
            }
        }
    }
    if let Some(c) = case.console.as_ref().and_then(|c| c.credentials.as_ref()) {
        let path = path_with(&path_with(cp, "console"), "credentials");
        check_keys(c, path, out);
    }
    for (si, StepEntry(step)) in case.steps.iter().enumerate() {
        let Step::EditCertificate(e) = step else {
            continue;
        };
        let mut sp = path_with(cp, "steps");
        sp.push(Seg::Index(si));
        let here = path_with(&sp, step.name());
        if let Some(c) = &e.credentials {
            check_keys(c, path_with(&here, "credentials"), out);
        }
        if let Some(click) = &e.click {
            check_click(vendor, click, path_with(&here, "click"), out);
        }
    }
}

/// Step order and counts: a message before it is checked, a tap before
/// what the tap opens.
fn check_steps(case: &Case, cp: &[Seg], out: &mut Vec<Problem>) {
    if case.steps.is_empty() {
        out.push(problem(
            path_with(cp, "steps"),
            "a case needs at least one step",
        ));
    }
    let mut sent = false;
    let mut tapped = false;
    for (si, StepEntry(step)) in case.steps.iter().enumerate() {
        let mut sp = path_with(cp, "steps");
        sp.push(Seg::Index(si));
        let here = path_with(&sp, step.name());
        if step.needs_message() && !sent {
            out.push(problem(
                here.clone(),
                format!(
                    "`{}` before any `send`: there is no message to check",
                    step.name()
                ),
            ));
        }
        match step {
            Step::Send(s) => {
                check_send(s, here, out);
                sent = true;
                tapped = false;
            }
            Step::Burst(b) => {
                if b.count == 0 {
                    out.push(problem(
                        path_with(&here, "count"),
                        "count must be at least 1",
                    ));
                }
                check_send(&b.send, path_with(&here, "send"), out);
                sent = true;
                tapped = false;
            }
            Step::TapNotification(_) => tapped = true,
            Step::ExpectActivity(a) => {
                if !tapped {
                    out.push(problem(
                        here.clone(),
                        "`expect_activity` before `tap_notification`",
                    ));
                }
                if a.component
                    .parse::<crate::android::ComponentName>()
                    .is_err()
                {
                    out.push(problem(
                        path_with(&here, "component"),
                        format!("`{}` is not a component (pkg/.Class)", a.component),
                    ));
                }
            }
            Step::ExpectUrl(_) if !tapped => {
                out.push(problem(
                    here.clone(),
                    "`expect_url` before `tap_notification`",
                ));
            }
            _ => {}
        }
    }
}

fn check_send(s: &SendArgs, path: Vec<Seg>, out: &mut Vec<Problem>) {
    match (&s.text, &s.custom) {
        (Some(_), Some(_)) => out.push(problem(path, "give `text` or `custom`, not both")),
        (None, None) => out.push(problem(path, "a message needs `text` or `custom`")),
        _ => {}
    }
}

/// Steps whose arguments depend on the case's vendor: the SDK callbacks
/// `expect_callback` may name, and the launcher badge only Huawei sets.
fn check_vendor_steps(vendor: VendorId, case: &Case, cp: &[Seg], out: &mut Vec<Problem>) {
    for (si, StepEntry(step)) in case.steps.iter().enumerate() {
        let mut sp = path_with(cp, "steps");
        sp.push(Seg::Index(si));
        let here = path_with(&sp, step.name());
        match step {
            Step::ExpectCallback(x) => {
                let valid = CallbackName::of_vendor(vendor);
                if !valid.contains(&x.name) {
                    out.push(Problem {
                        path: path_with(&here, "name"),
                        message: format!(
                            "`{}` is not a callback of the {} SDK",
                            x.name,
                            vendor.display_name()
                        ),
                        allowed: valid.iter().map(|n| n.name().to_string()).collect(),
                    });
                }
            }
            Step::ExpectNotification(e)
                if matches!(e.badge, Some(Some(_))) && vendor != VendorId::Huawei =>
            {
                out.push(problem(
                    path_with(&here, "badge"),
                    format!(
                        "{} sets no launcher badge (only Huawei's `badge` does)",
                        vendor.display_name()
                    ),
                ));
            }
            _ => {}
        }
    }
}
