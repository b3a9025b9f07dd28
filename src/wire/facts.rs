//! What a device is: the facts its push service reports when it registers
//! ([`DeviceInfo`]), read over ADB exactly as the companion agent reads them
//! on the phone (`DeviceInfo.fromProperties` in `android-app/core`).
//!
//! | fact | source |
//! |---|---|
//! | brand, manufacturer, model | `ro.product.brand`, `ro.product.manufacturer`, `ro.product.model` |
//! | API level | `ro.build.version.sdk` (0 when unreadable) |
//! | ROM | `debug.pushlab.rom`, else the ROM's own version property ([`rom_from_props`]) |
//! | region | `debug.pushlab.region`, else the country of `persist.sys.country`, `persist.sys.locale` or `ro.product.locale`: `cn` for CN, else `global` |
//! | vendor push | true unless `debug.pushlab.vendor_push` is `false` |
//! | HMS Core | `debug.pushlab.hms_core_version`, else the `versionCode` of `com.huawei.hwid` (`None`: not installed) |
//! | Play services | `debug.pushlab.play_services` (`true`/anything else), else `com.google.android.gms` installed |
//! | Huawei pass-through loss | `debug.pushlab.drops_huawei_passthrough` is `true` |
//!
//! The `debug.pushlab.*` properties are what a tester sets with `adb shell
//! setprop` to make a phone or emulator stand for a case it cannot show by
//! itself; the simulated device carries them in its profile's properties.
//!
//! Over the wire: one `getprop` (every property), `dumpsys package
//! com.huawei.hwid` and `pm list packages`.

use std::collections::BTreeMap;

use super::protocol::Rom;
use super::DeviceInfo;

/// HMS Core's package: its version code decides whether Huawei push works.
pub const HMS_CORE_PACKAGE: &str = "com.huawei.hwid";
/// Google Play services' package: FCM needs it installed.
pub const PLAY_SERVICES_PACKAGE: &str = "com.google.android.gms";

/// Property overriding the region (`cn` or `global`).
pub const PROP_REGION: &str = "debug.pushlab.region";
/// Property that, set to `false`, says the ROM's push service does not
/// accept the app's vendor channel (a vivo or OPPO model without push).
pub const PROP_VENDOR_PUSH: &str = "debug.pushlab.vendor_push";
/// Property overriding HMS Core's version code.
pub const PROP_HMS_CORE_VERSION: &str = "debug.pushlab.hms_core_version";
/// Property overriding whether Play services are installed (`true`/`false`).
pub const PROP_PLAY_SERVICES: &str = "debug.pushlab.play_services";
/// Property that, set to `true`, makes the device lose the data of Huawei
/// notification messages on tap.
pub const PROP_DROPS_HUAWEI_PASSTHROUGH: &str = "debug.pushlab.drops_huawei_passthrough";

/// Property overriding the ROM (a [`Rom`] name, e.g. `miui`), for an
/// emulator that stands for a vendor phone.
pub const PROP_ROM: &str = "debug.pushlab.rom";

/// The ROM from system properties, as the agent's `DeviceInfo.romFrom`
/// reads it: `debug.pushlab.rom` when set, else the first ROM whose own
/// version property is present — HyperOS `ro.mi.os.version.name`, MIUI
/// `ro.miui.ui.version.name`, HarmonyOS `hw_sc.build.platform.version`,
/// EMUI `ro.build.version.emui`, ColorOS `ro.build.version.opporom` or
/// `ro.build.version.oplusrom`, vivo `ro.vivo.os.version` (OriginOS when
/// `ro.vivo.os.name` says so, else FuntouchOS), Flyme a
/// `ro.build.display.id` naming Flyme — else `aosp`. HyperOS phones keep
/// the MIUI property, so HyperOS is tried first.
pub fn rom_from_props(props: &BTreeMap<String, String>) -> Rom {
    let get = |key: &str| props.get(key).map(|v| v.trim()).unwrap_or("");
    if !get(PROP_ROM).is_empty() {
        return Rom::from_name(get(PROP_ROM));
    }
    let has = |key: &str| !get(key).is_empty();
    if has("ro.mi.os.version.name") {
        Rom::Hyperos
    } else if has("ro.miui.ui.version.name") {
        Rom::Miui
    } else if has("hw_sc.build.platform.version") {
        Rom::Harmonyos
    } else if has("ro.build.version.emui") {
        Rom::Emui
    } else if has("ro.build.version.opporom") || has("ro.build.version.oplusrom") {
        Rom::Coloros
    } else if has("ro.vivo.os.version") || has("ro.vivo.os.name") {
        if get("ro.vivo.os.name")
            .to_ascii_lowercase()
            .contains("origin")
        {
            Rom::Originos
        } else {
            Rom::Funtouchos
        }
    } else if get("ro.build.display.id")
        .to_ascii_lowercase()
        .contains("flyme")
    {
        Rom::Flyme
    } else {
        Rom::Aosp
    }
}

/// The device's facts from its system properties, HMS Core's installed
/// version code and whether Play services are installed: the same rules as
/// the agent's `DeviceInfo.fromProperties`.
pub fn device_info_from_props(
    props: &BTreeMap<String, String>,
    hms_core_version: Option<u64>,
    play_services: bool,
) -> DeviceInfo {
    let get = |key: &str| props.get(key).map(|v| v.trim()).unwrap_or("");
    let region = match get(PROP_REGION) {
        "" => {
            let country = match get("persist.sys.country") {
                "" => {
                    let locale = match get("persist.sys.locale") {
                        "" => get("ro.product.locale"),
                        l => l,
                    };
                    locale.rsplit_once('-').map(|(_, c)| c).unwrap_or("")
                }
                c => c,
            };
            if country.eq_ignore_ascii_case("CN") {
                "cn"
            } else {
                "global"
            }
        }
        r => r,
    };
    DeviceInfo {
        brand: get("ro.product.brand").to_string(),
        manufacturer: get("ro.product.manufacturer").to_string(),
        model: get("ro.product.model").to_string(),
        api_level: get("ro.build.version.sdk").parse().unwrap_or(0),
        rom: rom_from_props(props),
        region: region.to_string(),
        vendor_push: get(PROP_VENDOR_PUSH) != "false",
        hms_core_version: match get(PROP_HMS_CORE_VERSION) {
            "" => hms_core_version,
            v => Some(v.parse().unwrap_or(0)),
        },
        play_services: match get(PROP_PLAY_SERVICES) {
            "" => play_services,
            v => v == "true",
        },
        drops_huawei_passthrough: get(PROP_DROPS_HUAWEI_PASSTHROUGH) == "true",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics_and_falls_back_to_the_packages(
            props in proptest::collection::btree_map("\\PC{0,24}", "\\PC{0,24}", 0..12),
            hms in proptest::option::of(any::<u64>()),
            gms in any::<bool>(),
        ) {
            let info = device_info_from_props(&props, hms, gms);
            if !props.contains_key(PROP_HMS_CORE_VERSION) {
                prop_assert_eq!(info.hms_core_version, hms);
            }
            if !props.contains_key(PROP_PLAY_SERVICES) {
                prop_assert_eq!(info.play_services, gms);
            }
        }
    }

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_redmi_in_china_reads_like_the_agent_reads_it() {
        let p = props(&[
            ("ro.product.brand", "Redmi"),
            ("ro.product.manufacturer", "Xiaomi"),
            ("ro.product.model", "23049RAD8C"),
            ("ro.build.version.sdk", "34"),
            ("persist.sys.locale", "zh-Hans-CN"),
        ]);
        let info = device_info_from_props(&p, None, false);
        assert_eq!(
            (
                info.brand.as_str(),
                info.manufacturer.as_str(),
                info.model.as_str()
            ),
            ("Redmi", "Xiaomi", "23049RAD8C")
        );
        assert_eq!((info.api_level, info.region.as_str()), (34, "cn"));
        assert!(info.vendor_push);
        assert_eq!(info.hms_core_version, None);
        assert!(!info.play_services);
        assert!(!info.drops_huawei_passthrough);
    }

    #[test]
    fn the_region_comes_from_the_override_then_the_country_then_the_locale() {
        let region =
            |pairs: &[(&str, &str)]| device_info_from_props(&props(pairs), None, true).region;
        assert_eq!(region(&[]), "global");
        assert_eq!(region(&[("ro.product.locale", "zh-CN")]), "cn");
        assert_eq!(
            region(&[
                ("persist.sys.locale", "en-US"),
                ("ro.product.locale", "zh-CN")
            ]),
            "global"
        );
        assert_eq!(
            region(&[
                ("persist.sys.country", "cn"),
                ("persist.sys.locale", "en-US")
            ]),
            "cn"
        );
        assert_eq!(
            region(&[
                ("debug.pushlab.region", "cn"),
                ("persist.sys.country", "US")
            ]),
            "cn"
        );
        assert_eq!(region(&[("persist.sys.locale", "zh")]), "global");
    }

    #[test]
    fn debug_properties_override_what_the_packages_say() {
        let p = props(&[
            ("debug.pushlab.vendor_push", "false"),
            ("debug.pushlab.hms_core_version", "60800300"),
            ("debug.pushlab.play_services", "false"),
            ("debug.pushlab.drops_huawei_passthrough", "true"),
            ("ro.build.version.sdk", "thirty"),
        ]);
        let info = device_info_from_props(&p, Some(1), true);
        assert!(!info.vendor_push);
        assert_eq!(info.hms_core_version, Some(60_800_300));
        assert!(!info.play_services);
        assert!(info.drops_huawei_passthrough);
        assert_eq!(info.api_level, 0);
        let info = device_info_from_props(
            &props(&[("debug.pushlab.hms_core_version", "new")]),
            None,
            false,
        );
        assert_eq!(info.hms_core_version, Some(0));
    }
}
