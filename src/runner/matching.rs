//! Which scenario profiles a device can stand for.
//!
//! A run names a device profile ([`Profile`]); a real phone is what it is,
//! so a run goes only to a device whose facts ([`DeviceInfo`], read with
//! [`crate::device::Device::device_info`]) give the same outcome as the
//! profile would:
//!
//! - [`Fit::Exact`]: every fact equal, brand, manufacturer and model
//!   included (a simulated device of that very profile);
//! - [`Fit::Compatible`]: the same ROM family (from the brand and
//!   manufacturer, as phones report them), the same region, the same push
//!   capabilities where they change what the vendors answer (HMS Core on
//!   the same side of [`HMS_CORE_MIN_PUSH`], or absent alike; Play services
//!   installed alike; the same quirks), and the API level on the same side
//!   of every [`API_THRESHOLDS`] level;
//! - [`Fit::No`]: why not, in words a tester can act on.
//!
//! Vendor push support is compared on ColorOS and Funtouch only: the AOSP
//! profiles model a stock phone on which OPPO's and vivo's SDKs refuse to
//! register (`vendor_push` false, shown on the simulated device as
//! `debug.pushlab.vendor_push=false`), while the agent on a stock phone
//! reports vendor push unless that property is set; no AOSP case depends
//! on it, since a vivo or OPPO case needs a vivo or OPPO device.

use std::fmt;

use crate::profile::{Profile, Region, Rom, HMS_CORE_MIN_PUSH};
use crate::wire::protocol::{DeviceInfo, Rom as WireRom};

/// API levels at which the simulated framework (`src/sim/android`,
/// `src/sim/apps`) behaves differently, so a case's outcome may change
/// when a device is on the other side of one:
///
/// - 26 (Android 8): notification channels (a notification without one is
///   dropped, apps and push services create theirs), background service
///   starts refused, implicit broadcasts limited;
/// - 33 (Android 13): the `POST_NOTIFICATIONS` runtime permission.
///
/// The other levels the simulator branches on only change output formats
/// (`dumpsys` layouts at 25, 29, 31, 33 and 34, `am start -W` fields and
/// the activity manager's log tag at 29), which the parsers read either
/// way, and ColorOS's push service package name at 29, which no case
/// observes.
pub const API_THRESHOLDS: &[u32] = &[26, 33];

/// How well a device stands for a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    /// Every fact equal: the device is that profile.
    Exact,
    /// Another device of the same kind, on which the profile's cases have
    /// the same outcome.
    Compatible,
    /// Not this profile, with the reasons (one per differing fact).
    No(Vec<String>),
}

impl Fit {
    /// Whether the device can run the profile's cases.
    pub fn fits(&self) -> bool {
        !matches!(self, Fit::No(_))
    }

    /// Why the device does not fit (empty when it does).
    pub fn reasons(&self) -> &[String] {
        match self {
            Fit::No(reasons) => reasons,
            _ => &[],
        }
    }
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fit::Exact => f.write_str("exact"),
            Fit::Compatible => f.write_str("compatible"),
            Fit::No(reasons) => write!(f, "no: {}", reasons.join("; ")),
        }
    }
}

/// A ROM family as far as push is concerned: which vendor's push service
/// the ROM carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RomFamily {
    /// Xiaomi, Redmi, POCO: MIUI / HyperOS.
    Miui,
    /// HUAWEI, and HONOR models from before the split (with HMS Core): EMUI.
    Emui,
    /// OPPO, realme, OnePlus: ColorOS and its derivatives.
    ColorOs,
    /// vivo, iQOO: Funtouch OS / OriginOS.
    Funtouch,
    /// Meizu: Flyme.
    Flyme,
    /// Everything else: stock Android, with or without Play services.
    Aosp,
}

impl RomFamily {
    /// The family a profile's ROM belongs to.
    pub fn of_rom(rom: Rom) -> RomFamily {
        match rom {
            Rom::AospGms | Rom::AospNoGms => RomFamily::Aosp,
            Rom::Miui => RomFamily::Miui,
            Rom::Emui => RomFamily::Emui,
            Rom::ColorOs => RomFamily::ColorOs,
            Rom::FuntouchOs => RomFamily::Funtouch,
            Rom::Flyme => RomFamily::Flyme,
        }
    }

    /// The family of a device, from the ROM it reports (read from the
    /// ROM's own version property, or `debug.pushlab.rom` on an emulator
    /// standing for a vendor phone). The vendors decide registration by
    /// that same fact, so a phone branded Xiaomi that reports no MIUI
    /// cannot stand for a MIUI profile.
    pub fn of_device(info: &DeviceInfo) -> RomFamily {
        match info.rom {
            WireRom::Miui | WireRom::Hyperos => RomFamily::Miui,
            WireRom::Emui | WireRom::Harmonyos => RomFamily::Emui,
            WireRom::Coloros => RomFamily::ColorOs,
            WireRom::Funtouchos | WireRom::Originos => RomFamily::Funtouch,
            WireRom::Flyme => RomFamily::Flyme,
            WireRom::Aosp => RomFamily::Aosp,
        }
    }

    /// The `debug.pushlab.rom` value that makes a device report this
    /// family.
    pub fn rom_name(self) -> &'static str {
        match self {
            RomFamily::Miui => "miui",
            RomFamily::Emui => "emui",
            RomFamily::ColorOs => "coloros",
            RomFamily::Funtouch => "funtouchos",
            RomFamily::Flyme => "flyme",
            RomFamily::Aosp => "aosp",
        }
    }

    /// How a reason names a device of this family.
    pub fn label(self) -> &'static str {
        match self {
            RomFamily::Miui => "a Xiaomi (MIUI/HyperOS) device",
            RomFamily::Emui => "a Huawei (EMUI) device",
            RomFamily::ColorOs => "an OPPO (ColorOS) device",
            RomFamily::Funtouch => "a vivo (Funtouch OS) device",
            RomFamily::Flyme => "a Meizu (Flyme) device",
            RomFamily::Aosp => "a stock Android (AOSP) device",
        }
    }

    /// The vendor whose push service the ROM carries (for reasons).
    fn vendor(self) -> &'static str {
        match self {
            RomFamily::Miui => "Mi",
            RomFamily::Emui => "Huawei",
            RomFamily::ColorOs => "OPPO",
            RomFamily::Funtouch => "vivo",
            RomFamily::Flyme => "Flyme",
            RomFamily::Aosp => "vendor",
        }
    }
}

/// Where HMS Core stands for Huawei push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hms {
    Missing,
    TooOld,
    Supported,
}

impl Hms {
    fn of(version: Option<u64>) -> Hms {
        match version {
            None => Hms::Missing,
            Some(v) if v < HMS_CORE_MIN_PUSH => Hms::TooOld,
            Some(_) => Hms::Supported,
        }
    }

    fn need(self) -> String {
        match self {
            Hms::Missing => "needs a device without HMS Core".into(),
            Hms::TooOld => {
                format!("needs HMS Core older than {HMS_CORE_MIN_PUSH} (too old for push)")
            }
            Hms::Supported => format!("needs HMS Core {HMS_CORE_MIN_PUSH} or newer"),
        }
    }

    fn have(version: Option<u64>) -> String {
        match version {
            None => "this device has no HMS Core".into(),
            Some(v) => format!("this device has HMS Core {v}"),
        }
    }
}

/// How well the device with facts `info` stands for `profile`.
pub fn fit(profile: &Profile, info: &DeviceInfo) -> Fit {
    let want = profile.device_info();
    if *info == want {
        return Fit::Exact;
    }
    let mut reasons = Vec::new();
    let family = RomFamily::of_rom(profile.rom);
    let same_family = RomFamily::of_device(info) == family;
    if !same_family {
        reasons.push(format!(
            "needs {}; this is {} (setprop debug.pushlab.rom {} to make an emulator stand for one)",
            family.label(),
            describe_device(info),
            family.rom_name()
        ));
    }
    let region = region_of(info);
    if region != profile.region {
        reasons.push(format!(
            "needs {}; this device's region is {} (setprop debug.pushlab.region {} to change it)",
            region_need(profile.region),
            region_token(region),
            region_token(profile.region)
        ));
    }
    // The push capabilities of another ROM family say nothing useful.
    if same_family {
        reasons.extend(capability_reasons(family, &want, info));
    }
    match api_band(want.api_level) {
        (lowest, _) if info.api_level < lowest => reasons.push(format!(
            "needs Android {} or later (API {lowest}+); this device is API {}",
            android_version(lowest),
            info.api_level
        )),
        (_, Some(highest)) if info.api_level > highest => reasons.push(format!(
            "needs Android {} or earlier (API {highest} or lower); this device is API {}",
            android_version(highest),
            info.api_level
        )),
        _ => {}
    }
    if reasons.is_empty() {
        Fit::Compatible
    } else {
        Fit::No(reasons)
    }
}

/// Why the device's push capabilities differ from the profile's, where
/// they change what the vendors answer on that ROM family: vendor push on
/// ColorOS and Funtouch (OPPO and vivo refuse models without it), HMS
/// Core's presence and its side of [`HMS_CORE_MIN_PUSH`] (on any device:
/// it decides Huawei registration wherever it is installed), Play services
/// on stock Android (FCM), the pass-through loss on EMUI.
fn capability_reasons(family: RomFamily, want: &DeviceInfo, info: &DeviceInfo) -> Vec<String> {
    let mut reasons = Vec::new();
    if matches!(family, RomFamily::ColorOs | RomFamily::Funtouch)
        && info.vendor_push != want.vendor_push
    {
        let vendor = family.vendor();
        reasons.push(if want.vendor_push {
            format!("needs a model whose {vendor} push accepts the app; this device reports none (debug.pushlab.vendor_push=false)")
        } else {
            format!("needs a model without {vendor} push support; this device has it (setprop debug.pushlab.vendor_push false to stand for one)")
        });
    }
    let hms = Hms::of(want.hms_core_version);
    if Hms::of(info.hms_core_version) != hms {
        reasons.push(format!(
            "{}; {}",
            hms.need(),
            Hms::have(info.hms_core_version)
        ));
    }
    // Play services decide FCM: on stock Android always, elsewhere where
    // FCM can work at all (outside mainland China) or where the profile
    // says they are installed (`miui-android13-global-gms`).
    let fcm_region = want.region.trim() != "cn";
    if (family == RomFamily::Aosp || fcm_region || want.play_services)
        && info.play_services != want.play_services
    {
        reasons.push(if want.play_services {
            "needs Google Play services; this device has none".to_string()
        } else {
            "needs a device without Google Play services; this device has them (setprop debug.pushlab.play_services false to stand for one)".to_string()
        });
    }
    if family == RomFamily::Emui && info.drops_huawei_passthrough != want.drops_huawei_passthrough {
        reasons.push(if want.drops_huawei_passthrough {
            "needs a device that loses Huawei pass-through data on tap; this device keeps it (setprop debug.pushlab.drops_huawei_passthrough true to stand for one)".to_string()
        } else {
            "needs a device that keeps Huawei pass-through data on tap; this device loses it (debug.pushlab.drops_huawei_passthrough=true)".to_string()
        });
    }
    reasons
}

/// A device as reasons name it: `google Pixel 7 (Android 13, API 33)`.
pub fn describe_device(info: &DeviceInfo) -> String {
    let maker = if info.brand.trim().is_empty() {
        info.manufacturer.trim()
    } else {
        info.brand.trim()
    };
    let name = match (maker, info.model.trim()) {
        ("", "") => "an unnamed device".to_string(),
        (m, "") | ("", m) => m.to_string(),
        (m, model) => format!("{m} {model}"),
    };
    format!(
        "{name} ({}, Android {}, API {})",
        info.rom.display_name(),
        android_version(info.api_level),
        info.api_level
    )
}

/// The API levels (`lowest..=highest`, no upper end above the last
/// threshold) a device may have to stand for a profile at `api`.
fn api_band(api: u32) -> (u32, Option<u32>) {
    let lowest = API_THRESHOLDS
        .iter()
        .copied()
        .filter(|t| *t <= api)
        .max()
        .unwrap_or(0);
    let highest = API_THRESHOLDS
        .iter()
        .copied()
        .filter(|t| *t > api)
        .min()
        .map(|t| t - 1);
    (lowest, highest)
}

/// The device's region as the vendors read it (`cn`, in any case, is
/// mainland China).
fn region_of(info: &DeviceInfo) -> Region {
    if info.region.trim().eq_ignore_ascii_case("cn") {
        Region::Cn
    } else {
        Region::Global
    }
}

fn region_need(region: Region) -> &'static str {
    match region {
        Region::Cn => "a mainland China device",
        Region::Global => "a device outside mainland China",
    }
}

fn region_token(region: Region) -> &'static str {
    match region {
        Region::Cn => "cn",
        Region::Global => "global",
    }
}

/// The marketing version of an API level (`26` is `8`, `32` is `12L`).
fn android_version(api: u32) -> String {
    match api {
        16 => "4.1".into(),
        17 => "4.2".into(),
        18 => "4.3".into(),
        19 => "4.4".into(),
        20 => "4.4W".into(),
        21 => "5.0".into(),
        22 => "5.1".into(),
        23 => "6".into(),
        24 => "7".into(),
        25 => "7.1".into(),
        26 => "8".into(),
        27 => "8.1".into(),
        28 => "9".into(),
        29..=31 => (api - 19).to_string(),
        32 => "12L".into(),
        33..=40 => (api - 20).to_string(),
        other => format!("API {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> Profile {
        Profile::parse(name).expect("a known profile")
    }

    fn phone(brand: &str, manufacturer: &str, model: &str, api: u32, region: &str) -> DeviceInfo {
        DeviceInfo {
            brand: brand.into(),
            manufacturer: manufacturer.into(),
            model: model.into(),
            api_level: api,
            rom: WireRom::shipped_by(manufacturer),
            region: region.into(),
            vendor_push: true,
            hms_core_version: None,
            play_services: false,
            drops_huawei_passthrough: false,
        }
    }

    #[test]
    fn every_profile_is_an_exact_fit_for_itself() {
        let examples = crate::profile::EXAMPLE_PROFILES.iter().map(|(n, _)| n);
        for name in crate::scenario::model::PROFILES.iter().chain(examples) {
            let p = profile(name);
            assert_eq!(fit(&p, &p.device_info()), Fit::Exact, "{name}");
        }
    }

    #[test]
    fn a_redmi_on_android_14_stands_for_miui_android13() {
        let redmi = phone("Redmi", "Xiaomi", "23049RAD8C", 34, "cn");
        assert_eq!(fit(&profile("miui-android13"), &redmi), Fit::Compatible);
        assert!(!fit(&profile("miui-android13-global"), &redmi).fits());
        assert!(!fit(&profile("miui-android10"), &redmi).fits());
    }

    #[test]
    fn a_pixel_is_no_vivo() {
        let mut pixel = phone("google", "Google", "Pixel 7", 33, "global");
        pixel.play_services = true;
        let no = fit(&profile("funtouch-android11"), &pixel);
        assert_eq!(
            no.reasons().first().map(String::as_str),
            Some("needs a vivo (Funtouch OS) device; this is google Pixel 7 (stock Android, Android 13, API 33) (setprop debug.pushlab.rom funtouchos to make an emulator stand for one)")
        );
        // A vivo-branded phone that reports no vivo ROM cannot stand for one
        // either: vivo would refuse its registration.
        let mut emulator = phone("vivo", "vivo", "sdk_gphone64", 30, "cn");
        emulator.rom = WireRom::Aosp;
        assert!(!fit(&profile("funtouch-android11"), &emulator).fits());
        emulator.rom = WireRom::Originos;
        assert_eq!(
            fit(&profile("funtouch-android11"), &emulator),
            Fit::Compatible
        );
        assert_eq!(fit(&profile("aosp-gms-android13"), &pixel), Fit::Compatible);
    }

    #[test]
    fn an_old_oppo_stands_for_coloros_android7_only() {
        let oppo = phone("OPPO", "OPPO", "A57", 24, "cn");
        let fitting: Vec<&str> = crate::scenario::model::PROFILES
            .iter()
            .copied()
            .filter(|n| fit(&profile(n), &oppo).fits())
            .collect();
        assert_eq!(fitting, ["coloros-android7"]);
        assert_eq!(
            fit(&profile("coloros-android10"), &oppo).reasons(),
            ["needs Android 8 or later (API 26+); this device is API 24"]
        );
    }

    #[test]
    fn a_honor_with_old_hms_core_is_emui_hms_old_and_without_it_is_no_huawei() {
        let mut honor = phone("HONOR", "HONOR", "COL-AL10", 29, "cn");
        honor.hms_core_version = Some(20_301_000);
        assert_eq!(fit(&profile("emui-hms-old"), &honor), Fit::Compatible);
        assert_eq!(
            fit(&profile("emui-android10"), &honor).reasons(),
            ["needs HMS Core 20401300 or newer; this device has HMS Core 20301000"]
        );
        // A HONOR made after the 2020 split runs MagicOS without HMS Core.
        honor.hms_core_version = None;
        honor.rom = WireRom::Aosp;
        assert_eq!(RomFamily::of_device(&honor), RomFamily::Aosp);
    }

    #[test]
    fn push_capabilities_count_only_where_the_rom_uses_them() {
        let mut vivo = phone("iQOO", "vivo", "V2231A", 30, "cn");
        assert_eq!(fit(&profile("funtouch-android11"), &vivo), Fit::Compatible);
        assert!(!fit(&profile("funtouch-nopush-android11"), &vivo).fits());
        vivo.vendor_push = false;
        assert_eq!(
            fit(&profile("funtouch-nopush-android11"), &vivo),
            Fit::Compatible
        );
        // A stock phone running the agent reports vendor push unless told
        // otherwise; on AOSP profiles it does not matter.
        let mut pixel = phone("google", "Google", "Pixel 8", 34, "global");
        pixel.play_services = true;
        assert_eq!(fit(&profile("aosp-gms-android13"), &pixel), Fit::Compatible);
        assert!(!fit(&profile("aosp-nogms-android13"), &pixel).fits());
        assert!(!fit(&profile("aosp-gms-android13-cn"), &pixel).fits());
    }

    #[test]
    fn hms_core_versions_count_by_their_side_of_the_push_minimum() {
        let mut huawei = phone("HUAWEI", "HUAWEI", "NOH-AN00", 29, "cn");
        huawei.hms_core_version = Some(20_401_299);
        assert_eq!(
            fit(&profile("emui-android10-hms20401299"), &huawei),
            Fit::Compatible
        );
        assert_eq!(
            fit(&profile("emui-android10-hms20401300"), &huawei).reasons(),
            ["needs HMS Core 20401300 or newer; this device has HMS Core 20401299"]
        );
        huawei.hms_core_version = Some(20_401_300);
        assert_eq!(
            fit(&profile("emui-android10-hms20401300"), &huawei),
            Fit::Compatible
        );
        assert_eq!(fit(&profile("emui-android10"), &huawei), Fit::Compatible);
        assert_eq!(
            fit(&profile("emui-android10-nohms"), &huawei).reasons(),
            ["needs a device without HMS Core; this device has HMS Core 20401300"]
        );
    }

    #[test]
    fn play_services_count_on_any_rom_that_says_or_needs_them() {
        let mut poco = phone("POCO", "Xiaomi", "22101320G", 33, "global");
        assert_eq!(
            fit(&profile("miui-android13-global"), &poco),
            Fit::Compatible
        );
        assert_eq!(
            fit(&profile("miui-android13-global-gms"), &poco).reasons(),
            ["needs Google Play services; this device has none"]
        );
        poco.play_services = true;
        assert_eq!(
            fit(&profile("miui-android13-global-gms"), &poco),
            Fit::Compatible
        );
        assert!(!fit(&profile("miui-android13-global"), &poco).fits());
        // In mainland China FCM cannot work either way.
        let mut redmi = phone("Redmi", "Xiaomi", "23049RAD8C", 33, "cn");
        redmi.play_services = true;
        assert_eq!(fit(&profile("miui-android13"), &redmi), Fit::Compatible);
    }

    #[test]
    fn old_api_levels_fit_below_the_channel_threshold() {
        let mut pixel = phone("google", "Google", "Nexus 5", 23, "global");
        pixel.play_services = true;
        assert_eq!(fit(&profile("aosp-gms-android5"), &pixel), Fit::Compatible);
        assert_eq!(
            fit(&profile("aosp-gms-android4.1"), &pixel),
            Fit::Compatible
        );
        pixel.api_level = 26;
        assert_eq!(
            fit(&profile("aosp-gms-android5"), &pixel).reasons(),
            ["needs Android 7.1 or earlier (API 25 or lower); this device is API 26"]
        );
        let oppo = phone("OPPO", "OPPO", "A77", 25, "cn");
        assert_eq!(fit(&profile("coloros-api25"), &oppo), Fit::Compatible);
        assert_eq!(
            fit(&profile("coloros-api26"), &oppo).reasons(),
            ["needs Android 8 or later (API 26+); this device is API 25"]
        );
        let mut vivo = phone("vivo", "vivo", "V1730EA", 30, "cn");
        vivo.vendor_push = false;
        assert_eq!(
            fit(&profile("funtouch-android11-nopush"), &vivo),
            fit(&profile("funtouch-nopush-android11"), &vivo)
        );
        assert_eq!(android_version(16), "4.1");
        assert_eq!(android_version(20), "4.4W");
        assert_eq!(android_version(36), "16");
    }

    #[test]
    fn api_bands_follow_the_thresholds() {
        assert_eq!(api_band(24), (0, Some(25)));
        assert_eq!(api_band(26), (26, Some(32)));
        assert_eq!(api_band(29), (26, Some(32)));
        assert_eq!(api_band(33), (33, None));
        assert_eq!(android_version(32), "12L");
        assert_eq!(android_version(30), "11");
        assert_eq!(android_version(34), "14");
    }
}
