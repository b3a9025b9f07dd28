//! Device profiles: the kinds of phone scenarios are written for. The
//! simulator boots a device from one ([`crate::sim`]); the runner matches
//! real devices against them by their facts ([`crate::runner::matching`]).
//!
//! A profile is a ROM family × an API level (16–36) × a region × the push
//! services' versions (HMS Core, Google Play services) × model quirks. Its
//! name spells exactly that, as `-`-separated segments in this order:
//!
//! ```text
//! <rom>-<version>[-<region>][-<hms>][-<gms>][-<quirk>...]
//!   rom      aosp-gms | aosp-nogms | miui | emui | coloros | funtouch | flyme
//!   version  android4.1 … android16 (4.1 4.2 4.3 4.4 4.4w 5 5.0 5.1 6 6.0 7 7.0 7.1
//!            8 8.0 8.1 9 10 11 12 12l 13 14 15 16) | api16 … api36
//!   region   cn | global                 (default: cn, global on aosp-*)
//!   hms      hms<versionCode> | nohms     (default: current HMS Core on emui, none elsewhere)
//!   gms      gms | gms<versionCode> | nogms  (default: installed on aosp-gms only)
//!   quirk    nopush           (coloros, funtouch: the ROM's push service refuses the app)
//!            passthrough-drop (emui: Huawei notification data lost on tap)
//! ```
//!
//! e.g. `coloros-api26`, `coloros-android8`, `coloros-android7.1`,
//! `emui-android10-hms20401299`, `emui-android10-nohms`, `aosp-gms-android5`,
//! `miui-android13-global-gms`, `funtouch-android11-nopush`,
//! `emui-android10-passthrough-drop`. Segments after the version may come in
//! any order, each at most once; the canonical name ([`Profile::canonical_name`])
//! writes them in the order above and leaves out what is the ROM's default,
//! so `parse(canonical).canonical_name() == canonical`.
//!
//! Older spellings keep working and keep their names: `emui-hms-old` (HMS
//! Core [`HMS_CORE_OLD`], below [`HMS_CORE_MIN_PUSH`]),
//! `emui-passthrough-drop`, and the `-nopush-` infix
//! (`coloros-nopush-android10` is `coloros-android10-nopush`).
//!
//! The profile decides the `getprop` values, the CNXN banner and the
//! device's push capabilities ([`Profile::vendor_push`],
//! [`Profile::hms_core_version`], [`Profile::play_services`],
//! [`Profile::region`], [`Profile::drops_huawei_passthrough`];
//! [`Profile::device_info`] is what the push service reports to the hub).
//! On the device they show where a real phone shows them: locale and region
//! properties, `ro.com.google.gmsversion`, the push service packages being
//! installed (`pm list packages`) and their version codes (`dumpsys
//! package`), and the `debug.pushlab.*` properties a tester sets on a phone
//! for what it cannot show by itself (`debug.pushlab.vendor_push=false`,
//! `debug.pushlab.drops_huawei_passthrough=true`). Read back over ADB with
//! [`crate::device::Device::device_info`], they give exactly
//! [`Profile::device_info`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The name of the profile used when none is given.
pub const DEFAULT_PROFILE: &str = "aosp-gms-android13";

/// The name grammar, as `pushlab sim --list-profiles` prints it.
pub const GRAMMAR: &str = "\
<rom>-<version>[-<region>][-<hms>][-<gms>][-<quirk>...]
  rom      aosp-gms | aosp-nogms | miui | emui | coloros | funtouch | flyme
  version  android<V> with V one of 4.1 4.2 4.3 4.4 4.4w 5 5.1 6 7 7.1 8 8.1 9 10 11 12 12l 13 14 15 16
           (also 5.0 6.0 7.0 8.0), or api<N> with N in 16..36
  region   cn | global                      (default: cn; global on aosp-*)
  hms      hms<versionCode> | nohms          (default: current HMS Core on emui, none elsewhere;
                                              push needs 20401300 or later)
  gms      gms | gms<versionCode> | nogms    (default: Play services on aosp-gms only)
  quirk    nopush            coloros, funtouch: the ROM's push service refuses the app
           passthrough-drop  emui: Huawei notification data is lost on tap
Segments after the version may come in any order, each once. Older names
still work: emui-hms-old, emui-passthrough-drop, <rom>-nopush-<version>.
";

/// Names of the built-in example profiles scenario files have always
/// named (any name the grammar reads also works; see [`EXAMPLE_PROFILES`]).
pub const KNOWN_PROFILES: &[&str] = &[
    "aosp-gms-android13",
    "aosp-nogms-android13",
    "aosp-gms-android13-cn",
    "miui-android13",
    "emui-android10",
    "emui-hms-old",
    "emui-passthrough-drop",
    "coloros-android10",
    "coloros-android7",
    "coloros-nopush-android10",
    "funtouch-android11",
    "funtouch-nopush-android11",
    "flyme-android11",
];

/// Example profiles with what each stands for: the known ones and the ones
/// at the boundaries the vendors draw (`pushlab sim --list-profiles`).
pub const EXAMPLE_PROFILES: &[(&str, &str)] = &[
    (
        "aosp-gms-android13",
        "stock Android 13 with Google Play services (FCM), outside China",
    ),
    (
        "aosp-nogms-android13",
        "stock Android 13 without Google Play services",
    ),
    (
        "aosp-gms-android13-cn",
        "stock Android 13 with Play services, sold in mainland China (no FCM)",
    ),
    (
        "aosp-gms-android5",
        "stock Android 5.0 (API 21) with Play services: FCM on an old phone",
    ),
    (
        "aosp-gms-android4.1",
        "stock Android 4.1 (API 16), the oldest release FCM supports",
    ),
    ("miui-android13", "Xiaomi MIUI 14 on Android 13, China"),
    (
        "miui-android13-global-gms",
        "Xiaomi global ROM with Play services",
    ),
    ("emui-android10", "Huawei EMUI 10 with current HMS Core"),
    (
        "emui-android10-hms20401299",
        "HMS Core one below the lowest version with push",
    ),
    (
        "emui-android10-hms20401300",
        "HMS Core at the lowest version with push",
    ),
    ("emui-android10-nohms", "Huawei phone without HMS Core"),
    (
        "emui-hms-old",
        "EMUI 10 with HMS Core 20301300 (too old for push)",
    ),
    (
        "emui-passthrough-drop",
        "EMUI 10 model that loses Huawei notification data on tap",
    ),
    ("coloros-android10", "OPPO ColorOS 7 on Android 10"),
    (
        "coloros-android7",
        "OPPO ColorOS 3 on Android 7.0 (no notification channels)",
    ),
    (
        "coloros-android7.1",
        "OPPO on Android 7.1 (API 25), the last level without notification channels",
    ),
    (
        "coloros-android8",
        "OPPO on Android 8.0 (API 26), the first level that needs a channel",
    ),
    (
        "coloros-nopush-android10",
        "OPPO model whose push service does not support the app",
    ),
    ("funtouch-android11", "vivo Funtouch OS 11"),
    (
        "funtouch-nopush-android11",
        "vivo model without vivo push support",
    ),
    ("flyme-android11", "Meizu Flyme 9"),
];

/// HMS Core's version code on a current Huawei profile.
pub const HMS_CORE_CURRENT: u64 = 60_800_312;
/// The lowest HMS Core version code that supports push (below it token
/// requests fail).
pub const HMS_CORE_MIN_PUSH: u64 = 20_401_300;
/// HMS Core's version code on the `emui-hms-old` profile.
pub const HMS_CORE_OLD: u64 = 20_301_300;
/// Google Play services' version code where a profile installs them
/// without naming a version (`gms`, and `aosp-gms-*`).
pub const PLAY_SERVICES_CURRENT: u64 = 240_913_035;

/// The ROM family running on the device (written as in names, also in
/// inline definitions).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub enum Rom {
    /// AOSP with Google Play services (FCM available).
    #[serde(rename = "aosp-gms")]
    AospGms,
    /// AOSP without Google Play services.
    #[serde(rename = "aosp-nogms")]
    AospNoGms,
    /// Xiaomi MIUI.
    #[serde(rename = "miui")]
    Miui,
    /// Huawei EMUI.
    #[serde(rename = "emui")]
    Emui,
    /// OPPO ColorOS.
    #[serde(rename = "coloros")]
    ColorOs,
    /// vivo FuntouchOS.
    #[serde(rename = "funtouch")]
    FuntouchOs,
    /// Meizu Flyme.
    #[serde(rename = "flyme")]
    Flyme,
}

impl Rom {
    /// Every ROM, in the order names list them.
    pub const ALL: [Rom; 7] = [
        Rom::AospGms,
        Rom::AospNoGms,
        Rom::Miui,
        Rom::Emui,
        Rom::ColorOs,
        Rom::FuntouchOs,
        Rom::Flyme,
    ];

    /// The token used in profile names.
    pub fn token(self) -> &'static str {
        match self {
            Rom::AospGms => "aosp-gms",
            Rom::AospNoGms => "aosp-nogms",
            Rom::Miui => "miui",
            Rom::Emui => "emui",
            Rom::ColorOs => "coloros",
            Rom::FuntouchOs => "funtouch",
            Rom::Flyme => "flyme",
        }
    }

    /// The ROM a name token stands for.
    pub fn from_token(token: &str) -> Option<Rom> {
        Rom::ALL.into_iter().find(|r| r.token() == token)
    }

    /// Every ROM token, for error messages and the schema.
    pub fn tokens() -> Vec<&'static str> {
        Rom::ALL.iter().map(|r| r.token()).collect()
    }

    /// The region a device with this ROM ships to unless stated.
    pub fn default_region(self) -> Region {
        match self {
            Rom::AospGms | Rom::AospNoGms => Region::Global,
            _ => Region::Cn,
        }
    }

    /// HMS Core's version code unless stated: current on EMUI, absent
    /// elsewhere.
    pub fn default_hms_core(self) -> Option<u64> {
        (self == Rom::Emui).then_some(HMS_CORE_CURRENT)
    }

    /// Play services' version code unless stated: installed on `aosp-gms`
    /// only (Chinese ROMs ship without them).
    pub fn default_play_services(self) -> Option<u64> {
        (self == Rom::AospGms).then_some(PLAY_SERVICES_CURRENT)
    }

    /// Whether the ROM carries a vendor push service of its own.
    pub fn has_vendor_push(self) -> bool {
        !matches!(self, Rom::AospGms | Rom::AospNoGms)
    }
}

/// Where the device is sold; decides locale and service availability.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// Mainland China.
    Cn,
    /// Everywhere else.
    Global,
}

impl Region {
    /// The token used in profile names and device facts (`cn`, `global`).
    pub fn token(self) -> &'static str {
        match self {
            Region::Cn => "cn",
            Region::Global => "global",
        }
    }

    /// The region a token stands for.
    pub fn from_token(token: &str) -> Option<Region> {
        match token {
            "cn" => Some(Region::Cn),
            "global" => Some(Region::Global),
            _ => None,
        }
    }
}

/// A model quirk: something a particular phone does that its ROM family
/// in general does not (inline definitions write [`Quirk::word`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub enum Quirk {
    /// The ROM's push service does not support the app's vendor channel
    /// (OPPO and vivo models without push; name segment `nopush`).
    #[serde(rename = "no_vendor_push")]
    NoVendorPush,
    /// The device loses the data of Huawei notification messages on tap
    /// (name segment `passthrough-drop`).
    #[serde(rename = "drops_passthrough")]
    DropsHuaweiPassthrough,
}

impl Quirk {
    /// Every quirk, in the order canonical names write them.
    pub const ALL: [Quirk; 2] = [Quirk::NoVendorPush, Quirk::DropsHuaweiPassthrough];

    /// The segment in profile names.
    pub fn token(self) -> &'static str {
        match self {
            Quirk::NoVendorPush => "nopush",
            Quirk::DropsHuaweiPassthrough => "passthrough-drop",
        }
    }

    /// The word inline device definitions use (`quirks: [...]`).
    pub fn word(self) -> &'static str {
        match self {
            Quirk::NoVendorPush => "no_vendor_push",
            Quirk::DropsHuaweiPassthrough => "drops_passthrough",
        }
    }

    /// The quirk a name segment or an inline word stands for.
    pub fn from_token(token: &str) -> Option<Quirk> {
        Quirk::ALL
            .into_iter()
            .find(|q| q.token() == token || q.word() == token)
    }

    /// The ROMs on which the quirk means something.
    pub fn roms(self) -> &'static [Rom] {
        match self {
            Quirk::NoVendorPush => &[Rom::ColorOs, Rom::FuntouchOs],
            Quirk::DropsHuaweiPassthrough => &[Rom::Emui],
        }
    }
}

/// An Android API level within the supported range 16..=36.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiLevel(u8);

/// Per API level: the version as written in names (canonical first, then
/// other spellings) and `ro.build.version.release`.
const VERSIONS: &[(u8, &[&str], &str)] = &[
    (16, &["4.1"], "4.1.2"),
    (17, &["4.2"], "4.2.2"),
    (18, &["4.3"], "4.3"),
    (19, &["4.4"], "4.4.4"),
    (20, &["4.4w"], "4.4W.2"),
    (21, &["5", "5.0"], "5.0.2"),
    (22, &["5.1"], "5.1.1"),
    (23, &["6", "6.0"], "6.0.1"),
    (24, &["7", "7.0"], "7.0"),
    (25, &["7.1"], "7.1.2"),
    (26, &["8", "8.0"], "8.0.0"),
    (27, &["8.1"], "8.1.0"),
    (28, &["9"], "9"),
    (29, &["10"], "10"),
    (30, &["11"], "11"),
    (31, &["12"], "12"),
    // 12L devices report release 12; only the level tells them apart.
    (32, &["12l"], "12"),
    (33, &["13"], "13"),
    (34, &["14"], "14"),
    (35, &["15"], "15"),
    (36, &["16"], "16"),
];

impl ApiLevel {
    /// Lowest supported level (Android 4.1, the oldest FCM supports).
    pub const MIN: u8 = 16;
    /// Highest supported level (Android 16).
    pub const MAX: u8 = 36;

    /// The level, if within the supported range.
    pub fn new(level: u8) -> Option<Self> {
        (Self::MIN..=Self::MAX)
            .contains(&level)
            .then_some(ApiLevel(level))
    }

    /// Every supported level, lowest first.
    pub fn all() -> impl Iterator<Item = ApiLevel> {
        (Self::MIN..=Self::MAX).map(ApiLevel)
    }

    /// The numeric level (`ro.build.version.sdk`).
    pub fn get(self) -> u8 {
        self.0
    }

    fn row(self) -> &'static (u8, &'static [&'static str], &'static str) {
        &VERSIONS[usize::from(self.0 - Self::MIN)]
    }

    /// `ro.build.version.release` for this level.
    pub fn release(self) -> &'static str {
        self.row().2
    }

    /// The version as canonical names write it (`4.1`, `5`, `8.1`, `12l`).
    pub fn version_token(self) -> &'static str {
        self.row().1[0]
    }

    /// The level for a version as written in profile names (`10`, `8.1`,
    /// `12l`, `4.4w`).
    pub fn from_version(v: &str) -> Option<Self> {
        VERSIONS
            .iter()
            .find(|(_, spellings, _)| spellings.contains(&v))
            .and_then(|(level, _, _)| Self::new(*level))
    }

    /// Every version spelling names accept, canonical ones first.
    pub fn version_spellings() -> Vec<&'static str> {
        VERSIONS
            .iter()
            .flat_map(|(_, s, _)| s.iter().copied())
            .collect()
    }
}

/// Which part of a profile a segment or an inline field sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Rom,
    Version,
    Region,
    HmsCore,
    PlayServices,
    Quirks,
}

impl Dimension {
    /// The field of an inline device definition that sets it.
    pub fn field(self) -> &'static str {
        match self {
            Dimension::Rom => "rom",
            Dimension::Version => "api",
            Dimension::Region => "region",
            Dimension::HmsCore => "hms_core",
            Dimension::PlayServices => "play_services",
            Dimension::Quirks => "quirks",
        }
    }

    /// How messages name it.
    fn label(self) -> &'static str {
        match self {
            Dimension::Rom => "the ROM",
            Dimension::Version => "the Android version",
            Dimension::Region => "the region",
            Dimension::HmsCore => "HMS Core",
            Dimension::PlayServices => "Play services",
            Dimension::Quirks => "a quirk",
        }
    }
}

/// The segments that may follow the version, for messages.
pub const SEGMENTS_AFTER_VERSION: &[&str] = &[
    "cn",
    "global",
    "hms<versionCode>",
    "nohms",
    "gms",
    "gms<versionCode>",
    "nogms",
    "nopush",
    "passthrough-drop",
];

/// Why a profile name or definition does not make a profile. Each names
/// the offending segment and what would be accepted in its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("profile `{name}`: unknown ROM `{rom}` (allowed: {})", Rom::tokens().join(", "))]
    UnknownRom { name: String, rom: String },
    #[error("profile `{name}`: no Android version after the ROM, found `{found}` (allowed: android<version>, api<N>)")]
    MissingVersion { name: String, found: String },
    #[error("profile `{name}`: bad Android version `{segment}` (allowed: {})", version_allowed().join(", "))]
    BadVersion { name: String, segment: String },
    #[error("profile `{name}`: unknown segment `{segment}` (allowed after the version: {})", SEGMENTS_AFTER_VERSION.join(", "))]
    UnknownSegment { name: String, segment: String },
    #[error("profile `{name}`: `{segment}` sets {} a second time", .dimension.label())]
    Repeated {
        name: String,
        segment: String,
        dimension: Dimension,
    },
    #[error("profile `{name}`: `{segment}` {why}")]
    Conflict {
        name: String,
        segment: String,
        dimension: Dimension,
        why: String,
    },
}

/// The versions a name may give, for messages.
fn version_allowed() -> Vec<String> {
    let mut v: Vec<String> = ApiLevel::version_spellings()
        .iter()
        .map(|s| format!("android{s}"))
        .collect();
    v.push(format!("api{}..api{}", ApiLevel::MIN, ApiLevel::MAX));
    v
}

impl ProfileError {
    /// The part of the profile that is wrong (an inline definition's
    /// field is [`Dimension::field`]); `None` for a segment of unknown kind.
    pub fn dimension(&self) -> Option<Dimension> {
        match self {
            ProfileError::UnknownRom { .. } => Some(Dimension::Rom),
            ProfileError::MissingVersion { .. } | ProfileError::BadVersion { .. } => {
                Some(Dimension::Version)
            }
            ProfileError::UnknownSegment { .. } => None,
            ProfileError::Repeated { dimension, .. } | ProfileError::Conflict { dimension, .. } => {
                Some(*dimension)
            }
        }
    }

    /// What would be accepted instead, when the set is closed.
    pub fn allowed(&self) -> Vec<String> {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        match self {
            ProfileError::UnknownRom { .. } => own(&Rom::tokens()),
            ProfileError::MissingVersion { .. } => own(&["android<version>", "api<N>"]),
            ProfileError::BadVersion { .. } => version_allowed(),
            ProfileError::UnknownSegment { .. } => own(SEGMENTS_AFTER_VERSION),
            ProfileError::Repeated { .. } | ProfileError::Conflict { .. } => Vec::new(),
        }
    }

    /// What is wrong, without the profile's name or the allowed list
    /// (``unknown segment `eu` ``), for reports that place it themselves.
    pub fn reason(&self) -> String {
        let m = self.message();
        match m.split_once("`: ") {
            Some((head, rest)) if head.starts_with("profile `") => rest.to_string(),
            _ => m,
        }
    }

    /// The message without the allowed list (which [`Self::allowed`]
    /// gives), for reports that list it separately.
    pub fn message(&self) -> String {
        let full = self.to_string();
        match full.rfind(" (allowed") {
            Some(i) if !self.allowed().is_empty() => full[..i].to_string(),
            _ => full,
        }
    }
}

/// What a profile says, before the model details follow from it: a ROM and
/// API level, and whatever differs from that ROM's defaults. Names and
/// inline definitions in scenario files both come down to one, and
/// [`ProfileSpec::build`] checks it the same way for both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSpec {
    pub rom: Rom,
    pub api_level: ApiLevel,
    /// `None`: the ROM's default region.
    pub region: Option<Region>,
    /// HMS Core's version code (`Some(None)`: not installed); `None`: the
    /// ROM's default.
    pub hms_core: Option<Option<u64>>,
    /// Play services' version code (`Some(None)`: not installed); `None`:
    /// the ROM's default.
    pub play_services: Option<Option<u64>>,
    pub quirks: Vec<Quirk>,
}

impl ProfileSpec {
    /// A ROM at an API level with every default.
    pub fn new(rom: Rom, api_level: ApiLevel) -> Self {
        ProfileSpec {
            rom,
            api_level,
            region: None,
            hms_core: None,
            play_services: None,
            quirks: Vec::new(),
        }
    }

    /// The profile, or why the combination cannot be: Play services on
    /// `aosp-nogms` or none on `aosp-gms`, a quirk on a ROM where it means
    /// nothing, a quirk twice. `name` is how errors name the profile.
    pub fn build_named(&self, name: &str) -> Result<Profile, ProfileError> {
        let conflict = |segment: &str, dimension, why: String| ProfileError::Conflict {
            name: name.to_string(),
            segment: segment.to_string(),
            dimension,
            why,
        };
        match (self.rom, self.play_services) {
            (Rom::AospGms, Some(None)) => {
                return Err(conflict(
                    "nogms",
                    Dimension::PlayServices,
                    "contradicts aosp-gms, which has Play services (use aosp-nogms)".into(),
                ))
            }
            (Rom::AospNoGms, Some(Some(_))) => {
                return Err(conflict(
                    "gms",
                    Dimension::PlayServices,
                    "contradicts aosp-nogms, which has no Play services (use aosp-gms)".into(),
                ))
            }
            _ => {}
        }
        let mut seen = Vec::new();
        for q in &self.quirks {
            if seen.contains(q) {
                return Err(ProfileError::Repeated {
                    name: name.to_string(),
                    segment: q.token().to_string(),
                    dimension: Dimension::Quirks,
                });
            }
            seen.push(*q);
            if !q.roms().contains(&self.rom) {
                let roms: Vec<&str> = q.roms().iter().map(|r| r.token()).collect();
                return Err(conflict(
                    q.token(),
                    Dimension::Quirks,
                    format!(
                        "does not apply to {} (only to {})",
                        self.rom.token(),
                        roms.join(", ")
                    ),
                ));
            }
        }
        let mut p = Profile::new(
            self.rom,
            self.api_level,
            self.region.unwrap_or(self.rom.default_region()),
        );
        if let Some(hms) = self.hms_core {
            p.hms_core_version = hms;
        }
        if let Some(gms) = self.play_services {
            p.play_services = gms;
        }
        p.vendor_push = self.rom.has_vendor_push() && !seen.contains(&Quirk::NoVendorPush);
        p.drops_huawei_passthrough = seen.contains(&Quirk::DropsHuaweiPassthrough);
        p.name = p.canonical_name();
        Ok(p)
    }

    /// [`Self::build_named`], naming the profile by its ROM and version.
    pub fn build(&self) -> Result<Profile, ProfileError> {
        self.build_named(&format!(
            "{}-android{}",
            self.rom.token(),
            self.api_level.version_token()
        ))
    }
}

/// A simulated device's identity and system properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name: the canonical name, or an older spelling that
    /// was parsed (`emui-hms-old`, `coloros-nopush-android10`), kept so
    /// reports name the run as the file does.
    pub name: String,
    pub rom: Rom,
    pub api_level: ApiLevel,
    pub region: Region,
    /// `ro.product.brand`.
    pub brand: String,
    /// `ro.product.manufacturer`.
    pub manufacturer: String,
    /// `ro.product.model` (also shown by `adb devices -l`).
    pub model: String,
    /// `ro.product.name`.
    pub product: String,
    /// `ro.product.device`.
    pub device: String,
    /// `ro.serialno`.
    pub serial: String,
    /// Properties added to, or overriding, the derived ones.
    pub extra_props: BTreeMap<String, String>,
    /// The ROM's own push service accepts this app's vendor channel
    /// (false on the `nopush` ColorOS/Funtouch models, and on AOSP).
    pub vendor_push: bool,
    /// HMS Core's version code (`None`: not installed). Below
    /// [`HMS_CORE_MIN_PUSH`] push registration fails.
    pub hms_core_version: Option<u64>,
    /// Google Play services' version code (`None`: not installed). FCM
    /// needs them, and a region other than `cn`.
    pub play_services: Option<u64>,
    /// The device loses the data of Huawei notification messages on tap.
    pub drops_huawei_passthrough: bool,
}

impl Profile {
    /// The profile for a ROM, API level and region, with a representative
    /// model of that ROM's maker and the ROM's default push services.
    pub fn new(rom: Rom, api_level: ApiLevel, region: Region) -> Self {
        let (brand, manufacturer, model, product, device) = match rom {
            Rom::AospGms => ("google", "Google", "Pixel 7", "panther", "panther"),
            Rom::AospNoGms => (
                "Android",
                "unknown",
                "AOSP on ARM64",
                "aosp_arm64",
                "generic_arm64",
            ),
            Rom::Miui => ("Xiaomi", "Xiaomi", "2211133C", "fuxi", "fuxi"),
            Rom::Emui => ("HUAWEI", "HUAWEI", "ELS-AN00", "ELS-AN00", "HWELS"),
            Rom::ColorOs => ("OPPO", "OPPO", "PCLM10", "PCLM10", "OP4A7F"),
            Rom::FuntouchOs => ("vivo", "vivo", "V2055A", "PD2055", "PD2055"),
            Rom::Flyme => ("meizu", "Meizu", "meizu 18", "meizu_18_CN", "meizu18"),
        };
        let serial = format!(
            "SIM{}{:02}",
            rom.token().replace('-', "").to_uppercase(),
            api_level.get()
        );
        let mut p = Profile {
            name: String::new(),
            rom,
            api_level,
            region,
            vendor_push: rom.has_vendor_push(),
            hms_core_version: rom.default_hms_core(),
            play_services: rom.default_play_services(),
            drops_huawei_passthrough: false,
            brand: brand.into(),
            manufacturer: manufacturer.into(),
            model: model.into(),
            product: product.into(),
            device: device.into(),
            serial,
            extra_props: BTreeMap::new(),
        };
        p.name = p.canonical_name();
        p
    }

    /// The name the grammar gives this profile (see the module docs):
    /// ROM, version, then only what differs from the ROM's defaults, in
    /// the grammar's order.
    pub fn canonical_name(&self) -> String {
        let mut n = format!(
            "{}-android{}",
            self.rom.token(),
            self.api_level.version_token()
        );
        let mut push = |s: &str| {
            n.push('-');
            n.push_str(s);
        };
        if self.region != self.rom.default_region() {
            push(self.region.token());
        }
        if self.hms_core_version != self.rom.default_hms_core() {
            match self.hms_core_version {
                Some(v) => push(&format!("hms{v}")),
                None => push("nohms"),
            }
        }
        if self.play_services != self.rom.default_play_services() {
            match self.play_services {
                Some(PLAY_SERVICES_CURRENT) => push("gms"),
                Some(v) => push(&format!("gms{v}")),
                None => push("nogms"),
            }
        }
        if self.vendor_push != self.rom.has_vendor_push() {
            push(Quirk::NoVendorPush.token());
        }
        if self.drops_huawei_passthrough {
            push(Quirk::DropsHuaweiPassthrough.token());
        }
        n
    }

    /// Parses a profile name (see the module docs for the grammar and the
    /// older spellings). Case and surrounding blanks do not matter.
    pub fn parse(name: &str) -> Result<Self, ProfileError> {
        let lower = name.trim().to_ascii_lowercase();
        let legacy = |spec: ProfileSpec| -> Result<Profile, ProfileError> {
            let mut p = spec.build_named(&lower)?;
            p.name = lower.clone();
            Ok(p)
        };
        let emui10 = || ProfileSpec::new(Rom::Emui, ApiLevel(29));
        match lower.as_str() {
            "emui-hms-old" => {
                return legacy(ProfileSpec {
                    hms_core: Some(Some(HMS_CORE_OLD)),
                    ..emui10()
                })
            }
            "emui-passthrough-drop" => {
                return legacy(ProfileSpec {
                    quirks: vec![Quirk::DropsHuaweiPassthrough],
                    ..emui10()
                })
            }
            _ => {}
        }
        let (spec, infix_only) = parse_spec(&lower)?;
        let mut p = spec.build_named(&lower)?;
        if infix_only {
            // `<rom>-nopush-<version>[-<region>]`: the older spelling keeps
            // its name.
            let plain = Profile::new(p.rom, p.api_level, p.region).canonical_name();
            p.name = format!(
                "{}-nopush-{}",
                p.rom.token(),
                &plain[p.rom.token().len() + 1..]
            );
        }
        Ok(p)
    }

    /// The default profile (`aosp-gms-android13`).
    pub fn default_profile() -> Self {
        Profile::new(Rom::AospGms, ApiLevel(33), Region::Global)
    }

    /// What the profile says, as a [`ProfileSpec`] that builds it again.
    pub fn spec(&self) -> ProfileSpec {
        let mut quirks = Vec::new();
        if self.vendor_push != self.rom.has_vendor_push() {
            quirks.push(Quirk::NoVendorPush);
        }
        if self.drops_huawei_passthrough {
            quirks.push(Quirk::DropsHuaweiPassthrough);
        }
        ProfileSpec {
            rom: self.rom,
            api_level: self.api_level,
            region: (self.region != self.rom.default_region()).then_some(self.region),
            hms_core: (self.hms_core_version != self.rom.default_hms_core())
                .then_some(self.hms_core_version),
            play_services: (self.play_services != self.rom.default_play_services())
                .then_some(self.play_services),
            quirks,
        }
    }
    /// Every system property the device reports through `getprop`.
    pub fn props(&self) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            p.insert(k.to_string(), v);
        };
        let sdk = self.api_level.get();
        let release = self.api_level.release();
        let build_id = build_id(sdk);
        set("ro.product.brand", self.brand.clone());
        set("ro.product.manufacturer", self.manufacturer.clone());
        set("ro.product.model", self.model.clone());
        set("ro.product.name", self.product.clone());
        set("ro.product.device", self.device.clone());
        set("ro.product.board", self.device.clone());
        set("ro.product.cpu.abi", "arm64-v8a".into());
        set("ro.build.version.sdk", sdk.to_string());
        set("ro.build.version.release", release.into());
        set("ro.build.version.incremental", format!("{}0001", sdk));
        set("ro.build.id", build_id.into());
        set("ro.build.type", "user".into());
        set("ro.build.tags", "release-keys".into());
        set(
            "ro.build.fingerprint",
            format!(
                "{}/{}/{}:{}/{}/{}0001:user/release-keys",
                self.brand, self.product, self.device, release, build_id, sdk
            ),
        );
        set("ro.serialno", self.serial.clone());
        set("ro.boot.serialno", self.serial.clone());
        set("ro.debuggable", "0".into());
        set("ro.secure", "1".into());
        set("sys.boot_completed", "1".into());
        set("init.svc.adbd", "running".into());
        let (locale, region) = match self.region {
            Region::Cn => ("zh-CN", "CN"),
            Region::Global => ("en-US", "US"),
        };
        set("ro.product.locale", locale.into());
        set("ro.product.locale.region", region.into());
        set("persist.sys.locale", locale.into());
        set(
            "ro.build.display.id",
            format!("{}.{}0001 release-keys", build_id, sdk),
        );
        match self.rom {
            Rom::AospGms | Rom::AospNoGms => {}
            Rom::Miui => {
                let (name, code) = miui_version(sdk);
                set("ro.miui.ui.version.name", name.into());
                set("ro.miui.ui.version.code", code.into());
                set("ro.miui.region", region.into());
            }
            Rom::Emui => {
                let (emui, api) = emui_version(sdk);
                set("ro.build.version.emui", emui.into());
                set("ro.build.hw_emui_api_level", api.into());
            }
            Rom::ColorOs => set("ro.build.version.opporom", coloros_version(sdk).into()),
            Rom::FuntouchOs => {
                set("ro.vivo.os.version", funtouch_version(sdk).into());
                set("ro.vivo.os.name", "Funtouch".into());
            }
            Rom::Flyme => set("ro.build.display.id", flyme_display_id(sdk).into()),
        }
        if self.play_services.is_some() {
            set("ro.com.google.gmsversion", format!("{release}_202401"));
        }
        if self.rom == Rom::Emui {
            set("ro.build.hw_emui_lite.enable", "false".into());
        }
        // What a tester sets with `adb shell setprop` to make a phone stand
        // for these cases, and what the agent reads
        // (`crate::device::facts`).
        if !self.vendor_push {
            set("debug.pushlab.vendor_push", "false".into());
        }
        if self.drops_huawei_passthrough {
            set("debug.pushlab.drops_huawei_passthrough", "true".into());
        }
        for (k, v) in &self.extra_props {
            p.insert(k.clone(), v.clone());
        }
        p
    }

    /// The device's facts as the push service reports them to the gateway
    /// (`POST /gateway/v1/register`).
    pub fn device_info(&self) -> crate::wire::protocol::DeviceInfo {
        crate::wire::protocol::DeviceInfo {
            brand: self.brand.clone(),
            manufacturer: self.manufacturer.clone(),
            model: self.model.clone(),
            api_level: u32::from(self.api_level.get()),
            rom: crate::wire::facts::rom_from_props(&self.props()),
            region: self.region.token().into(),
            vendor_push: self.vendor_push,
            hms_core_version: self.hms_core_version,
            play_services: self.play_services.is_some(),
            drops_huawei_passthrough: self.drops_huawei_passthrough,
        }
    }

    /// Whether FCM can deliver on this device: Play services installed and
    /// not a mainland China device.
    pub fn fcm_available(&self) -> bool {
        self.play_services.is_some() && self.region != Region::Cn
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile::default_profile()
    }
}

impl FromStr for Profile {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::parse(s)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Reads a name in the grammar into what it says; also whether it used
/// only the older `-nopush-` infix besides version and region (whose
/// name is then kept).
fn parse_spec(lower: &str) -> Result<(ProfileSpec, bool), ProfileError> {
    let name = lower.to_string();
    // The longest ROM token the name starts with, followed by `-`.
    let (rom, rest) = Rom::ALL
        .iter()
        .filter_map(|r| {
            lower
                .strip_prefix(r.token())
                .and_then(|rest| rest.strip_prefix('-'))
                .map(|rest| (*r, rest))
        })
        .max_by_key(|(r, _)| r.token().len())
        .ok_or_else(|| {
            let mut words = lower.split('-');
            let first = words.next().unwrap_or("");
            let rom = match (first, words.next()) {
                ("aosp", Some(second))
                    if !second.starts_with("android") && !second.starts_with("api") =>
                {
                    format!("aosp-{second}")
                }
                _ => first.to_string(),
            };
            ProfileError::UnknownRom {
                name: name.clone(),
                rom,
            }
        })?;
    let words: Vec<&str> = rest.split('-').collect();
    // `passthrough-drop` is one segment written with a hyphen.
    let mut i = 0;
    let mut segments: Vec<String> = Vec::new();
    while i < words.len() {
        if words[i] == "passthrough" && words.get(i + 1) == Some(&"drop") {
            segments.push("passthrough-drop".into());
            i += 2;
        } else {
            segments.push(words[i].to_string());
            i += 1;
        }
    }
    let mut quirks = Vec::new();
    let mut rest = segments.as_slice();
    let infix = rest.first().is_some_and(|s| s == "nopush");
    if infix {
        quirks.push(Quirk::NoVendorPush);
        rest = &rest[1..];
    }
    let (version, after) = match rest.split_first() {
        Some((v, after)) => (v.as_str(), after),
        None => {
            return Err(ProfileError::MissingVersion {
                name,
                found: String::new(),
            })
        }
    };
    let api = if let Some(v) = version.strip_prefix("android") {
        ApiLevel::from_version(v)
    } else if let Some(n) = version.strip_prefix("api") {
        n.parse::<u8>().ok().and_then(ApiLevel::new)
    } else {
        return Err(ProfileError::MissingVersion {
            name,
            found: version.to_string(),
        });
    }
    .ok_or_else(|| ProfileError::BadVersion {
        name: name.clone(),
        segment: version.to_string(),
    })?;
    let mut spec = ProfileSpec::new(rom, api);
    let repeated = |segment: &str, dimension| ProfileError::Repeated {
        name: name.clone(),
        segment: segment.to_string(),
        dimension,
    };
    for seg in after {
        let seg = seg.as_str();
        let number = |prefix: &str| -> Option<u64> {
            seg.strip_prefix(prefix)
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse().ok())
        };
        if let Some(region) = Region::from_token(seg) {
            if spec.region.replace(region).is_some() {
                return Err(repeated(seg, Dimension::Region));
            }
        } else if seg == "nohms" || number("hms").is_some() {
            if spec.hms_core.replace(number("hms")).is_some() {
                return Err(repeated(seg, Dimension::HmsCore));
            }
        } else if seg == "nogms" || seg == "gms" || number("gms").is_some() {
            let version = match seg {
                "nogms" => None,
                "gms" => Some(PLAY_SERVICES_CURRENT),
                _ => number("gms"),
            };
            if spec.play_services.replace(version).is_some() {
                return Err(repeated(seg, Dimension::PlayServices));
            }
        } else if let Some(q) = Quirk::from_token(seg).filter(|q| q.token() == seg) {
            if quirks.contains(&q) {
                return Err(repeated(seg, Dimension::Quirks));
            }
            quirks.push(q);
        } else {
            return Err(ProfileError::UnknownSegment {
                name,
                segment: seg.to_string(),
            });
        }
    }
    let infix_only = infix && after.iter().all(|s| Region::from_token(s).is_some());
    // A `nogms` or `nohms` that only repeats the ROM's default is kept as
    // said; building the profile treats it as the default.
    spec.quirks = quirks;
    Ok((spec, infix_only))
}

fn build_id(sdk: u8) -> &'static str {
    match sdk {
        16 => "JZO54M",
        17 => "JDQ39E",
        18 => "JSS15R",
        19 => "KTU84Q",
        20 => "KWF1.141016.002",
        21 => "LRX22G",
        22 => "LMY48M",
        23 => "MMB29M",
        24 => "NRD90M",
        25 => "NMF26X",
        26 => "OPR1.170623.027",
        27 => "OPM1.171019.011",
        28 => "PQ3A.190801.002",
        29 => "QQ3A.200805.001",
        30 => "RQ3A.211001.001",
        31 => "SQ1D.220205.004",
        32 => "SQ3A.220705.004",
        33 => "TQ3A.230901.001",
        34 => "UQ1A.240205.004",
        35 => "AP4A.250105.002",
        _ => "BP2A.250605.031",
    }
}

fn miui_version(sdk: u8) -> (&'static str, &'static str) {
    match sdk {
        ..=19 => ("V6", "4"),
        20..=22 => ("V7", "5"),
        23 | 24 => ("V8", "6"),
        25..=27 => ("V10", "8"),
        28 => ("V11", "9"),
        29 => ("V12", "10"),
        30 => ("V125", "11"),
        31 | 32 => ("V130", "13"),
        33 => ("V140", "14"),
        _ => ("V816", "816"),
    }
}

fn emui_version(sdk: u8) -> (&'static str, &'static str) {
    match sdk {
        ..=18 => ("EmotionUI_2.3", "7"),
        19..=22 => ("EmotionUI_3.1", "8"),
        23 => ("EmotionUI_4.1", "11"),
        24 | 25 => ("EmotionUI_5.0", "13"),
        26 | 27 => ("EmotionUI_8.0.0", "15"),
        28 => ("EmotionUI_9.1.0", "19"),
        29 => ("EmotionUI_10.1.0", "21"),
        30 => ("EmotionUI_11.0.0", "25"),
        31 | 32 => ("EmotionUI_12.0.0", "27"),
        _ => ("EmotionUI_13.0.0", "31"),
    }
}

fn coloros_version(sdk: u8) -> &'static str {
    match sdk {
        ..=19 => "V2.0",
        20..=22 => "V2.1",
        23 => "V3.0",
        24 | 25 => "V3.2",
        26 | 27 => "V5.0",
        28 => "V6.0",
        29 => "V7.2",
        30 => "V11",
        31 | 32 => "V12.1",
        33 => "V13",
        34 => "V14",
        _ => "V15",
    }
}

fn funtouch_version(sdk: u8) -> &'static str {
    match sdk {
        ..=19 => "2.0",
        20..=22 => "2.5",
        23 => "2.6",
        24 | 25 => "3.1",
        26 | 27 => "4.0",
        28 => "9.0",
        29 => "10.0",
        30 => "11.0",
        31 | 32 => "12.0",
        33 => "13.0",
        34 => "14.0",
        _ => "15.0",
    }
}

fn flyme_display_id(sdk: u8) -> &'static str {
    match sdk {
        ..=19 => "Flyme 4.5.7.1A",
        20..=22 => "Flyme 5.1.12.0A",
        23..=25 => "Flyme 6.3.0.0A",
        26 | 27 => "Flyme 7.3.0.0A",
        28 => "Flyme 8.0.5.0A",
        29 => "Flyme 8.1.5.0A",
        30 => "Flyme 9.2.0.0A",
        31 | 32 => "Flyme 9.3.1.0A",
        33 => "Flyme 10.0.0.0A",
        34 => "Flyme 11.0.0.0A",
        _ => "Flyme 12.0.0.0A",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_known_profile_parses_to_its_own_name() {
        for name in KNOWN_PROFILES {
            let p = Profile::parse(name).unwrap();
            assert_eq!(&p.name, name);
        }
        for (name, _) in EXAMPLE_PROFILES {
            let p = Profile::parse(name).unwrap();
            assert_eq!(&p.name, name);
        }
    }

    #[test]
    fn older_spellings_are_the_profiles_the_grammar_names() {
        let p = |n: &str| Profile::parse(n).unwrap();
        for (old, new) in [
            ("emui-hms-old", "emui-android10-hms20301300"),
            ("emui-passthrough-drop", "emui-android10-passthrough-drop"),
            ("coloros-nopush-android10", "coloros-android10-nopush"),
            ("funtouch-nopush-android11", "funtouch-android11-nopush"),
            (
                "coloros-nopush-api29-global",
                "coloros-android10-global-nopush",
            ),
        ] {
            let (old_p, new_p) = (p(old), p(new));
            assert_eq!(old_p.canonical_name(), new);
            assert_eq!(
                Profile {
                    name: new.into(),
                    ..old_p
                },
                new_p,
                "{old}"
            );
        }
        assert_eq!(
            p("coloros-nopush-api29-global").name,
            "coloros-nopush-android10-global"
        );
    }

    #[test]
    fn coloros_android10_is_api_29_in_china_with_its_rom_prop() {
        let p = Profile::parse("coloros-android10").unwrap();
        assert_eq!(p.api_level.get(), 29);
        assert_eq!(p.region, Region::Cn);
        let props = p.props();
        assert_eq!(props["ro.build.version.sdk"], "29");
        assert_eq!(props["ro.build.version.opporom"], "V7.2");
        assert_eq!(props["ro.product.locale"], "zh-CN");
    }

    #[test]
    fn rom_props_follow_the_rom() {
        let prop = |n: &str, k: &str| Profile::parse(n).unwrap().props().get(k).cloned();
        assert_eq!(
            prop("miui-android13", "ro.miui.ui.version.name").as_deref(),
            Some("V140")
        );
        assert_eq!(
            prop("emui-android10", "ro.build.version.emui").as_deref(),
            Some("EmotionUI_10.1.0")
        );
        assert_eq!(
            prop("funtouch-android11", "ro.vivo.os.version").as_deref(),
            Some("11.0")
        );
        assert_eq!(
            prop("flyme-android11", "ro.build.display.id").as_deref(),
            Some("Flyme 9.2.0.0A")
        );
        assert_eq!(prop("aosp-gms-android13", "ro.miui.ui.version.name"), None);
    }

    #[test]
    fn every_level_reports_its_release() {
        let release = [
            (16, "4.1"),
            (17, "4.2"),
            (18, "4.3"),
            (19, "4.4"),
            (20, "4.4W"),
            (21, "5.0"),
            (22, "5.1"),
            (23, "6.0"),
            (24, "7.0"),
            (25, "7.1"),
            (26, "8.0"),
            (27, "8.1"),
            (28, "9"),
            (29, "10"),
            (30, "11"),
            (31, "12"),
            (32, "12"),
            (33, "13"),
            (34, "14"),
            (35, "15"),
            (36, "16"),
        ];
        assert_eq!(ApiLevel::all().count(), release.len());
        for (api, want) in release {
            let p = Profile::parse(&format!("aosp-gms-api{api}")).unwrap();
            let props = p.props();
            let got = &props["ro.build.version.release"];
            // Point releases (`6.0.1`, `4.4W.2`) belong to their version.
            assert!(
                got == want || got.starts_with(&format!("{want}.")),
                "API {api}: release {got}, want {want}"
            );
            assert_eq!(props["ro.build.version.sdk"], api.to_string());
            assert!(props["ro.build.fingerprint"].contains(&format!(":{got}/")));
        }
    }

    #[test]
    fn version_spellings_name_their_levels() {
        let api = |n: &str| Profile::parse(n).map(|p| p.api_level.get());
        for (name, level) in [
            ("coloros-android8", 26),
            ("coloros-android8.0", 26),
            ("coloros-api26", 26),
            ("coloros-android7.1", 25),
            ("coloros-api25", 25),
            ("aosp-gms-android4.1", 16),
            ("aosp-gms-android4.4w", 20),
            ("aosp-gms-android5", 21),
            ("aosp-gms-android5.0", 21),
            ("aosp-gms-api21", 21),
            ("aosp-gms-android5.1", 22),
            ("miui-android12l", 32),
            ("miui-android15", 35),
            ("miui-android16", 36),
            ("MIUI-Android16", 36),
        ] {
            assert_eq!(api(name), Ok(level), "{name}");
        }
        assert_eq!(
            Profile::parse("coloros-api26").unwrap().name,
            "coloros-android8"
        );
        assert_eq!(
            Profile::parse("aosp-gms-api21").unwrap().name,
            "aosp-gms-android5"
        );
    }

    #[test]
    fn region_and_api_forms_parse() {
        let p = Profile::parse("miui-api30-global").unwrap();
        assert_eq!((p.api_level.get(), p.region), (30, Region::Global));
        assert_eq!(p.name, "miui-android11-global");
        assert_eq!(
            Profile::parse("aosp-gms-android12l")
                .unwrap()
                .api_level
                .get(),
            32
        );
    }

    #[test]
    fn push_service_segments_set_their_facts() {
        let p = |n: &str| Profile::parse(n).unwrap();
        assert_eq!(
            p("emui-android10-hms20401299").hms_core_version,
            Some(20_401_299)
        );
        assert_eq!(p("emui-android10-nohms").hms_core_version, None);
        assert_eq!(
            p("miui-android13-hms60800312").hms_core_version,
            Some(60_800_312)
        );
        let xiaomi = p("miui-android13-global-gms");
        assert_eq!(xiaomi.play_services, Some(PLAY_SERVICES_CURRENT));
        assert!(xiaomi.fcm_available());
        assert_eq!(
            p("aosp-gms-android13-gms220000000").play_services,
            Some(220_000_000)
        );
        assert!(!p("funtouch-android11-nopush").vendor_push);
        assert!(p("emui-android10-passthrough-drop").drops_huawei_passthrough);
        // Segments after the version may come in any order; the canonical
        // name puts them in the grammar's.
        assert_eq!(
            p("emui-android10-passthrough-drop-global-nohms").name,
            "emui-android10-global-nohms-passthrough-drop"
        );
        // What only repeats a default is left out.
        assert_eq!(p("emui-android10-hms60800312-cn").name, "emui-android10");
        assert_eq!(p("miui-android13-nogms-nohms").name, "miui-android13");
    }

    #[test]
    fn push_capabilities_follow_the_named_profiles() {
        let p = |n: &str| Profile::parse(n).unwrap();
        assert!(p("aosp-gms-android13").fcm_available());
        assert!(!p("aosp-gms-android13-cn").fcm_available());
        assert_eq!(p("aosp-nogms-android13").play_services, None);
        assert_eq!(p("miui-android13").play_services, None);
        assert!(p("coloros-android10").vendor_push);
        assert!(!p("coloros-nopush-android10").vendor_push);
        assert_eq!(p("coloros-nopush-android10").api_level.get(), 29);
        assert!(!p("funtouch-nopush-android11").vendor_push);
        assert_eq!(p("coloros-android7").api_level.get(), 24);
        assert!(p("emui-hms-old").hms_core_version < Some(HMS_CORE_MIN_PUSH));
        assert!(p("emui-android10").hms_core_version >= Some(HMS_CORE_MIN_PUSH));
        assert!(p("emui-passthrough-drop").drops_huawei_passthrough);
        let prop = |n: &str, k: &str| p(n).props().get(k).cloned();
        for no_vendor_push in ["coloros-nopush-android10", "aosp-gms-android13"] {
            assert_eq!(
                prop(no_vendor_push, "debug.pushlab.vendor_push").as_deref(),
                Some("false")
            );
        }
        assert_eq!(prop("coloros-android10", "debug.pushlab.vendor_push"), None);
        assert_eq!(
            prop(
                "emui-passthrough-drop",
                "debug.pushlab.drops_huawei_passthrough"
            )
            .as_deref(),
            Some("true")
        );
        assert_eq!(
            prop("emui-android10", "debug.pushlab.drops_huawei_passthrough"),
            None
        );
        let info = p("emui-hms-old").device_info();
        assert_eq!((info.api_level, info.region.as_str()), (29, "cn"));
        assert_eq!(info.hms_core_version, Some(HMS_CORE_OLD));
        for api in ApiLevel::MIN..=ApiLevel::MAX {
            for rom in ["miui", "emui", "coloros", "funtouch", "flyme", "aosp-gms"] {
                let name = format!("{rom}-api{api}-global");
                assert_eq!(p(&name).api_level.get(), api);
            }
        }
    }

    #[test]
    fn bad_names_name_the_bad_segment_and_what_is_allowed() {
        let err = |n: &str| Profile::parse(n).unwrap_err();
        assert!(matches!(
            err("nokia-android10"),
            ProfileError::UnknownRom { rom, .. } if rom == "nokia"
        ));
        assert!(matches!(
            err("aosp-android10"),
            ProfileError::UnknownRom { rom, .. } if rom == "aosp"
        ));
        for bad in [
            "miui-android4",
            "miui-android5.2",
            "miui-api15",
            "miui-api37",
            "miui-android17",
        ] {
            let e = err(bad);
            let segment = bad.trim_start_matches("miui-");
            assert!(
                matches!(&e, ProfileError::BadVersion { segment: s, .. } if s == segment),
                "{bad}: {e:?}"
            );
            assert!(e.to_string().contains(&format!("`{segment}`")), "{e}");
            assert!(e.allowed().iter().any(|a| a == "android4.1"));
        }
        assert!(matches!(
            err("emui-global"),
            ProfileError::MissingVersion { found, .. } if found == "global"
        ));
        let e = err("miui-android10-eu");
        assert!(matches!(&e, ProfileError::UnknownSegment { segment, .. } if segment == "eu"));
        assert_eq!(
            e.to_string(),
            "profile `miui-android10-eu`: unknown segment `eu` (allowed after the version: cn, global, hms<versionCode>, nohms, gms, gms<versionCode>, nogms, nopush, passthrough-drop)"
        );
        assert_eq!(
            e.message(),
            "profile `miui-android10-eu`: unknown segment `eu`"
        );
        assert!(matches!(
            err("miui-android10-hms"),
            ProfileError::UnknownSegment { .. }
        ));
        assert!(matches!(
            err("miui-android10-hms12x"),
            ProfileError::UnknownSegment { .. }
        ));
        assert!(matches!(
            err("miui-android10-cn-global"),
            ProfileError::Repeated {
                dimension: Dimension::Region,
                ..
            }
        ));
        assert!(matches!(
            err("coloros-nopush-android10-nopush"),
            ProfileError::Repeated {
                dimension: Dimension::Quirks,
                ..
            }
        ));
        assert!(matches!(
            err("emui-android10-hms1-nohms"),
            ProfileError::Repeated {
                dimension: Dimension::HmsCore,
                ..
            }
        ));
        let e = err("miui-android13-nopush");
        assert_eq!(
            e.to_string(),
            "profile `miui-android13-nopush`: `nopush` does not apply to miui (only to coloros, funtouch)"
        );
        assert!(matches!(
            err("coloros-android10-passthrough-drop"),
            ProfileError::Conflict {
                dimension: Dimension::Quirks,
                ..
            }
        ));
        assert!(matches!(
            err("aosp-gms-android13-nogms"),
            ProfileError::Conflict {
                dimension: Dimension::PlayServices,
                ..
            }
        ));
        assert!(matches!(
            err("aosp-nogms-android13-gms"),
            ProfileError::Conflict {
                dimension: Dimension::PlayServices,
                ..
            }
        ));
    }

    /// Any profile the grammar can describe.
    fn specs() -> impl Strategy<Value = ProfileSpec> {
        (
            proptest::sample::select(Rom::ALL.to_vec()),
            ApiLevel::MIN..=ApiLevel::MAX,
            proptest::option::of(proptest::sample::select(vec![Region::Cn, Region::Global])),
            proptest::option::of(proptest::option::of(prop_oneof![
                Just(HMS_CORE_MIN_PUSH - 1),
                Just(HMS_CORE_MIN_PUSH),
                Just(HMS_CORE_CURRENT),
                1u64..100_000_000,
            ])),
            proptest::option::of(proptest::option::of(prop_oneof![
                Just(PLAY_SERVICES_CURRENT),
                1u64..300_000_000,
            ])),
            proptest::sample::subsequence(Quirk::ALL.to_vec(), 0..=2),
        )
            .prop_map(|(rom, api, region, hms_core, play_services, quirks)| {
                let quirks = quirks
                    .into_iter()
                    .filter(|q| q.roms().contains(&rom))
                    .collect();
                let play_services = match (rom, play_services) {
                    (Rom::AospGms, Some(None)) | (Rom::AospNoGms, Some(Some(_))) => None,
                    (_, p) => p,
                };
                ProfileSpec {
                    rom,
                    api_level: ApiLevel(api),
                    region,
                    hms_core,
                    play_services,
                    quirks,
                }
            })
    }

    proptest! {
        #[test]
        fn canonical_names_round_trip(spec in specs()) {
            let p = spec.build().unwrap();
            let name = p.canonical_name();
            prop_assert_eq!(&p.name, &name);
            let again = Profile::parse(&name).unwrap();
            prop_assert_eq!(&again, &p);
            prop_assert_eq!(again.spec().build().unwrap(), p);
        }

        #[test]
        fn parsing_never_panics(name in "[a-z0-9.-]{0,40}") {
            if let Ok(p) = Profile::parse(&name) {
                prop_assert_eq!(Profile::parse(&p.canonical_name()).unwrap().canonical_name(), p.canonical_name());
            }
        }
    }
}
