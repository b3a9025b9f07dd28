//! From files to runs: matrix expansion (case × device profile), the
//! effective certificate of each case, `--filter` and `--shard`.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::load::{credentials, Scenario};
use super::model::*;
use crate::im::CertificateInput;
use crate::push::{ClickAction, PageTarget, VendorApp, VendorId};

/// How long an `expect_*` waits when neither the step nor the file says.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(10);

/// One case on one device profile: what the runner executes.
#[derive(Debug, Clone)]
pub struct CaseRun {
    /// The file as given.
    pub file: String,
    pub case: String,
    /// The device profile.
    pub device: String,
    pub vendor: VendorId,
    pub certificate: CertificateInput,
    /// The vendor app registered in the vendor's console through the hub's
    /// admin path when the file or case has a `console:`; `None`: the
    /// certificate's own values are the console's (the default).
    pub console: Option<VendorApp>,
    /// How long the certificate takes to take effect.
    pub certificate_delay: Duration,
    pub certificate_effective: bool,
    pub limits: Option<serde_json::Value>,
    pub app: AppConfig,
    pub user: String,
    pub sender: String,
    pub within: Duration,
    pub steps: Vec<Step>,
}

impl CaseRun {
    /// `file::case [device]`, how reports and `--filter` name a run.
    pub fn id(&self) -> RunId {
        RunId {
            file: self.file.clone(),
            case: self.case.clone(),
            device: self.device.clone(),
        }
    }
}

/// The name of a run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RunId {
    pub file: String,
    pub case: String,
    pub device: String,
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{} [{}]", self.file, self.case, self.device)
    }
}

impl RunId {
    /// A hash of (file name, case, device) that does not depend on the other
    /// runs, the order of files or the process (FNV-1a, 64 bits). The file
    /// is taken by its name only, so running from another directory keeps
    /// shards stable.
    pub fn stable_hash(&self) -> u64 {
        let file = std::path::Path::new(&self.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.clone());
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [file.as_str(), self.case.as_str(), self.device.as_str()] {
            for b in part.bytes().chain(std::iter::once(0xff)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    }
}

/// `--shard K/N`: the K-th of N slices (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("shard `{s}` is not K/N with 1 <= K <= N");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    pub fn contains(&self, id: &RunId) -> bool {
        id.stable_hash() % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// Selects runs: `--filter` (a substring of the run's name, or several
/// separated by `,`) and `--shard`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub filter: Option<String>,
    pub shard: Option<Shard>,
}

impl Selection {
    pub fn keeps(&self, id: &RunId) -> bool {
        let name = id.to_string();
        self.filter.as_deref().is_none_or(|f| {
            f.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .any(|p| name.contains(p))
        }) && self.shard.is_none_or(|s| s.contains(id))
    }
}

/// The certificate's click event as the IM server takes it.
pub fn click_action(c: &ClickSpec) -> ClickAction {
    match c {
        ClickSpec::OpenApp => ClickAction::OpenApp,
        ClickSpec::OpenUrl(url) => ClickAction::OpenUrl { url: url.clone() },
        ClickSpec::OpenPage(p) => ClickAction::OpenPage {
            page: match p {
                PageSpec::IntentUri(u) => PageTarget::IntentUri(u.clone()),
                PageSpec::Activity(a) => PageTarget::Activity(a.clone()),
                PageSpec::Action(a) => PageTarget::Action(a.clone()),
            },
        },
    }
}

/// Merges two `limits` objects (the second wins key by key).
fn merge_limits(
    file: &Option<serde_json::Value>,
    case: &Option<serde_json::Value>,
) -> Option<serde_json::Value> {
    match (file, case) {
        (Some(serde_json::Value::Object(a)), Some(serde_json::Value::Object(b))) => {
            let mut m = a.clone();
            m.extend(b.clone());
            Some(serde_json::Value::Object(m))
        }
        (a, None) => a.clone(),
        (_, b) => b.clone(),
    }
}

/// The file's `console` with the case's over it, as a vendor app: the
/// certificate's package and credentials with the console's fields in
/// their place. `None` when neither says anything.
fn console_of(
    f: &ScenarioFile,
    case: &Case,
    certificate: &CertificateInput,
    cert_credentials: &serde_json::Map<String, serde_json::Value>,
) -> Option<VendorApp> {
    let spec = match (&f.console, &case.console) {
        (None, None) => return None,
        (Some(a), Some(b)) => a.merged(b),
        (a, b) => b.clone().or_else(|| a.clone())?,
    };
    let mut map = cert_credentials.clone();
    map.extend(spec.credentials.clone().unwrap_or_default());
    // Checked at load time, as the certificate's.
    let credentials = credentials(certificate.credentials.vendor(), &map).ok()?;
    Some(VendorApp {
        package: spec
            .package
            .clone()
            .unwrap_or_else(|| certificate.package.clone()),
        credentials,
    })
}

/// Every run of a checked file: each case on each of its profiles.
pub fn expand(s: &Scenario) -> Vec<CaseRun> {
    let f = &s.file;
    let mut runs = Vec::new();
    for case in &f.cases {
        let o = case.certificate.clone().unwrap_or_default();
        let creds_map = o.credentials.as_ref().unwrap_or(&f.certificate.credentials);
        // Checked at load time; a failure here cannot happen for a loaded file.
        let vendor = case.vendor.unwrap_or(f.vendor);
        let Ok(creds) = credentials(vendor, creds_map) else {
            continue;
        };
        let certificate = CertificateInput {
            id: f.certificate.id,
            package: f
                .certificate
                .package
                .clone()
                .unwrap_or_else(|| DEMO_PACKAGE.to_string()),
            credentials: creds,
            click: click_action(o.click.as_ref().unwrap_or(&f.certificate.click)),
            channel_id: o
                .channel_id
                .clone()
                .unwrap_or_else(|| f.certificate.channel_id.clone()),
            badge_class: o
                .badge_class
                .clone()
                .unwrap_or_else(|| f.certificate.badge_class.clone()),
        };
        let console = console_of(f, case, &certificate, creds_map);
        let certificate_delay = case
            .certificate_delay
            .or(f.certificate_delay)
            .map(|w| w.0)
            .unwrap_or(Duration::from_secs(crate::push::CERTIFICATE_DELAY_SECS));
        let devices: Vec<String> = match &case.device {
            Some(d) => vec![d.run_name()],
            None => f.devices.0.iter().map(DeviceRef::run_name).collect(),
        };
        for device in devices {
            runs.push(CaseRun {
                file: s.path.clone(),
                case: case.name.clone(),
                device,
                vendor,
                certificate: certificate.clone(),
                console: console.clone(),
                certificate_delay,
                certificate_effective: case.certificate_effective,
                limits: merge_limits(&f.limits, &case.limits),
                app: case
                    .app
                    .clone()
                    .or_else(|| f.app.clone())
                    .unwrap_or(AppConfig {
                        channel_id: None,
                        create_channel: true,
                    }),
                user: f.defaults.user.clone().unwrap_or_else(|| "bob".into()),
                sender: f.defaults.sender.clone().unwrap_or_else(|| "alice".into()),
                within: f.defaults.within.map(|w| w.0).unwrap_or(DEFAULT_WITHIN),
                steps: case.steps.iter().map(|s| s.0.clone()).collect(),
            });
        }
    }
    runs
}
