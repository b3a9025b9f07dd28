//! Device profiles: the kinds of phone scenarios are written for. The
//! simulator boots a device from one ([`crate::sim`]); the runner matches
//! real devices against them by their facts ([`crate::runner::matching`]).
//!
//! A profile combines a ROM, an API level and a region; its name reads
//! `<rom>-android<version>[-cn|-global]` (e.g. `coloros-android10`,
//! `miui-android13-global`, `aosp-nogms-android12l`) or `<rom>-api<N>`.
//! Named variants: `<rom>-nopush-android<N>` (a ColorOS/Funtouch model
//! whose push service does not support the app), `emui-hms-old` (HMS Core
//! below [`HMS_CORE_MIN_PUSH`]) and `emui-passthrough-drop` (Huawei data lost
//! on tap).
//!
//! The profile decides the `getprop` values, the CNXN banner and the ROM's
//! push capabilities ([`Profile::vendor_push`], [`Profile::hms_core_version`],
//! [`Profile::play_services`], [`Profile::region`],
//! [`Profile::drops_huawei_passthrough`]; [`Profile::device_info`] is what
//! the push service reports to the hub). On the device they show where a
//! real phone shows them: locale and region properties,
//! `ro.com.google.gmsversion`, the push service package being installed
//! (`pm list packages`) and its version code (`dumpsys package`), and the
//! `debug.pushlab.*` properties a tester sets on a phone for what it cannot
//! show by itself (`debug.pushlab.vendor_push=false`,
//! `debug.pushlab.drops_huawei_passthrough=true`). Read back over ADB with
//! [`crate::device::Device::device_info`], they give exactly
//! [`Profile::device_info`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The name of the profile used when none is given.
pub const DEFAULT_PROFILE: &str = "aosp-gms-android13";

/// Names of the built-in example profiles (any parseable name also works).
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

/// HMS Core's version code on a current Huawei profile.
pub const HMS_CORE_CURRENT: u64 = 60_800_312;
/// The lowest HMS Core version code that supports push (below it token
/// requests fail).
pub const HMS_CORE_MIN_PUSH: u64 = 20_401_300;
/// HMS Core's version code on the `emui-hms-old` profile.
pub const HMS_CORE_OLD: u64 = 20_301_300;

/// The ROM family running on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rom {
    /// AOSP with Google Play services (FCM available).
    AospGms,
    /// AOSP without Google Play services.
    AospNoGms,
    /// Xiaomi MIUI.
    Miui,
    /// Huawei EMUI.
    Emui,
    /// OPPO ColorOS.
    ColorOs,
    /// vivo FuntouchOS.
    FuntouchOs,
    /// Meizu Flyme.
    Flyme,
}

impl Rom {
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

    /// The region a device with this ROM ships to unless stated.
    pub fn default_region(self) -> Region {
        match self {
            Rom::AospGms | Rom::AospNoGms => Region::Global,
            _ => Region::Cn,
        }
    }

    const ALL: [Rom; 7] = [
        Rom::AospGms,
        Rom::AospNoGms,
        Rom::Miui,
        Rom::Emui,
        Rom::ColorOs,
        Rom::FuntouchOs,
        Rom::Flyme,
    ];
}

/// Where the device is sold; decides locale and, later, service availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// Mainland China.
    Cn,
    /// Everywhere else.
    Global,
}

/// An Android API level within the supported range 23..=34.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiLevel(u8);

impl ApiLevel {
    /// Lowest supported level (Android 6.0).
    pub const MIN: u8 = 23;
    /// Highest supported level (Android 14).
    pub const MAX: u8 = 34;

    /// The level, if within the supported range.
    pub fn new(level: u8) -> Option<Self> {
        (Self::MIN..=Self::MAX)
            .contains(&level)
            .then_some(ApiLevel(level))
    }

    /// The numeric level (`ro.build.version.sdk`).
    pub fn get(self) -> u8 {
        self.0
    }

    /// `ro.build.version.release` for this level.
    pub fn release(self) -> &'static str {
        match self.0 {
            23 => "6.0.1",
            24 => "7.0",
            25 => "7.1.2",
            26 => "8.0.0",
            27 => "8.1.0",
            28 => "9",
            29 => "10",
            30 => "11",
            31 => "12",
            32 => "12",
            33 => "13",
            _ => "14",
        }
    }

    /// The level for a version as written in profile names (`10`, `8.1`, `12l`).
    fn from_version(v: &str) -> Option<Self> {
        let level = match v {
            "6" | "6.0" => 23,
            "7" | "7.0" => 24,
            "7.1" => 25,
            "8" | "8.0" => 26,
            "8.1" => 27,
            "9" => 28,
            "10" => 29,
            "11" => 30,
            "12" => 31,
            "12l" => 32,
            "13" => 33,
            "14" => 34,
            _ => return None,
        };
        Self::new(level)
    }
}

/// Why a profile name does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown ROM in profile {name:?} (expected one of aosp-gms, aosp-nogms, miui, emui, coloros, funtouch, flyme)")]
    UnknownRom { name: String },
    #[error("bad Android version in profile {name:?} (expected android<6..14> or api<23..34>)")]
    BadVersion { name: String },
    #[error("bad region in profile {name:?} (expected cn or global)")]
    BadRegion { name: String },
}

/// A simulated device's identity and system properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The canonical profile name.
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
    /// (false on the `-nopush` ColorOS/Funtouch models, and on AOSP).
    pub vendor_push: bool,
    /// HMS Core's version code on Huawei devices (`None`: not installed).
    /// Below [`HMS_CORE_MIN_PUSH`] push registration fails.
    pub hms_core_version: Option<u64>,
    /// Google Play services are installed (FCM needs them, and a region
    /// other than `cn`).
    pub play_services: bool,
    /// The device loses the data of Huawei notification messages on tap.
    pub drops_huawei_passthrough: bool,
}

impl Profile {
    /// The profile for a ROM, API level and region, with a representative
    /// model of that ROM's maker.
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
        let region_suffix = match (region, rom.default_region()) {
            (r, d) if r == d => "",
            (Region::Cn, _) => "-cn",
            (Region::Global, _) => "-global",
        };
        let name = format!(
            "{}-android{}{}",
            rom.token(),
            version_token(api_level),
            region_suffix
        );
        let serial = format!(
            "SIM{}{:02}",
            rom.token().replace('-', "").to_uppercase(),
            api_level.get()
        );
        Profile {
            name,
            rom,
            api_level,
            region,
            vendor_push: !matches!(rom, Rom::AospGms | Rom::AospNoGms),
            hms_core_version: (rom == Rom::Emui).then_some(HMS_CORE_CURRENT),
            play_services: rom == Rom::AospGms,
            drops_huawei_passthrough: false,
            brand: brand.into(),
            manufacturer: manufacturer.into(),
            model: model.into(),
            product: product.into(),
            device: device.into(),
            serial,
            extra_props: BTreeMap::new(),
        }
    }

    /// Parses a profile name (see the module docs): the generic
    /// `<rom>[-nopush]-android<N>[-cn|-global]` forms and the named
    /// variants `emui-hms-old` (HMS Core too old for push) and
    /// `emui-passthrough-drop` (Huawei data lost on tap).
    pub fn parse(name: &str) -> Result<Self, ProfileError> {
        let lower = name.trim().to_ascii_lowercase();
        match lower.as_str() {
            "emui-hms-old" => {
                let mut p = Profile::parse("emui-android10")?;
                p.hms_core_version = Some(HMS_CORE_OLD);
                p.name = lower;
                return Ok(p);
            }
            "emui-passthrough-drop" => {
                let mut p = Profile::parse("emui-android10")?;
                p.drops_huawei_passthrough = true;
                p.name = lower;
                return Ok(p);
            }
            _ => {}
        }
        if let Some((rom, rest)) = lower
            .split_once("-nopush-")
            .filter(|(rom, _)| Rom::ALL.iter().any(|r| r.token() == *rom))
        {
            let mut p = Profile::parse(&format!("{rom}-{rest}"))?;
            p.vendor_push = false;
            p.name = format!("{rom}-nopush-{}", &p.name[rom.len() + 1..]);
            return Ok(p);
        }
        let err_rom = || ProfileError::UnknownRom { name: name.into() };
        let (rom, rest) = Rom::ALL
            .iter()
            .filter_map(|r| {
                lower
                    .strip_prefix(r.token())
                    .and_then(|rest| rest.strip_prefix('-'))
                    .map(|rest| (*r, rest))
            })
            .next()
            .ok_or_else(err_rom)?;
        let (version, region) = match rest.split_once('-') {
            Some((v, region)) => (v, Some(region)),
            None => (rest, None),
        };
        let api = if let Some(v) = version.strip_prefix("android") {
            ApiLevel::from_version(v)
        } else if let Some(n) = version.strip_prefix("api") {
            n.parse::<u8>().ok().and_then(ApiLevel::new)
        } else {
            None
        }
        .ok_or_else(|| ProfileError::BadVersion { name: name.into() })?;
        let region = match region {
            None => rom.default_region(),
            Some("cn") => Region::Cn,
            Some("global") => Region::Global,
            Some(_) => return Err(ProfileError::BadRegion { name: name.into() }),
        };
        Ok(Profile::new(rom, api, region))
    }

    /// The default profile (`aosp-gms-android13`).
    pub fn default_profile() -> Self {
        Profile::new(Rom::AospGms, ApiLevel(33), Region::Global)
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
        if self.play_services {
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
            region: match self.region {
                Region::Cn => "cn".into(),
                Region::Global => "global".into(),
            },
            vendor_push: self.vendor_push,
            hms_core_version: self.hms_core_version,
            play_services: self.play_services,
            drops_huawei_passthrough: self.drops_huawei_passthrough,
        }
    }

    /// Whether FCM can deliver on this device: Play services installed and
    /// not a mainland China device.
    pub fn fcm_available(&self) -> bool {
        self.play_services && self.region != Region::Cn
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

fn version_token(api: ApiLevel) -> &'static str {
    match api.get() {
        23 => "6",
        24 => "7",
        25 => "7.1",
        26 => "8",
        27 => "8.1",
        28 => "9",
        29 => "10",
        30 => "11",
        31 => "12",
        32 => "12l",
        33 => "13",
        _ => "14",
    }
}

fn build_id(sdk: u8) -> &'static str {
    match sdk {
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
        _ => "UQ1A.240205.004",
    }
}

fn miui_version(sdk: u8) -> (&'static str, &'static str) {
    match sdk {
        ..=24 => ("V8", "6"),
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
        ..=23 => ("EmotionUI_4.1", "11"),
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
        ..=23 => "V3.0",
        24 | 25 => "V3.2",
        26 | 27 => "V5.0",
        28 => "V6.0",
        29 => "V7.2",
        30 => "V11",
        31 | 32 => "V12.1",
        33 => "V13",
        _ => "V14",
    }
}

fn funtouch_version(sdk: u8) -> &'static str {
    match sdk {
        ..=23 => "2.6",
        24 | 25 => "3.1",
        26 | 27 => "4.0",
        28 => "9.0",
        29 => "10.0",
        30 => "11.0",
        31 | 32 => "12.0",
        33 => "13.0",
        _ => "14.0",
    }
}

fn flyme_display_id(sdk: u8) -> &'static str {
    match sdk {
        ..=25 => "Flyme 6.3.0.0A",
        26 | 27 => "Flyme 7.3.0.0A",
        28 => "Flyme 8.0.5.0A",
        29 => "Flyme 8.1.5.0A",
        30 => "Flyme 9.2.0.0A",
        31 | 32 => "Flyme 9.3.1.0A",
        33 => "Flyme 10.0.0.0A",
        _ => "Flyme 11.0.0.0A",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_profile_parses_to_its_own_name() {
        for name in KNOWN_PROFILES {
            let p = Profile::parse(name).unwrap();
            assert_eq!(&p.name, name);
        }
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
    fn push_capabilities_follow_the_named_profiles() {
        let p = |n: &str| Profile::parse(n).unwrap();
        assert!(p("aosp-gms-android13").fcm_available());
        assert!(!p("aosp-gms-android13-cn").fcm_available());
        assert!(!p("aosp-nogms-android13").play_services);
        assert!(!p("miui-android13").play_services);
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
        for api in 23..=34 {
            for rom in ["miui", "emui", "coloros", "funtouch", "flyme", "aosp-gms"] {
                let name = format!("{rom}-api{api}-global");
                assert_eq!(p(&name).api_level.get(), api);
            }
        }
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(matches!(
            Profile::parse("nokia-android10"),
            Err(ProfileError::UnknownRom { .. })
        ));
        assert!(matches!(
            Profile::parse("miui-android5"),
            Err(ProfileError::BadVersion { .. })
        ));
        assert!(matches!(
            Profile::parse("miui-api35"),
            Err(ProfileError::BadVersion { .. })
        ));
        assert!(matches!(
            Profile::parse("miui-android10-eu"),
            Err(ProfileError::BadRegion { .. })
        ));
    }
}
