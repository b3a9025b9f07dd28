//! A device's facts read over ADB, and which scenario profiles a device can
//! stand for.
//!
//! Every simulated profile reports, through `getprop`, `dumpsys package`
//! and `pm list packages`, exactly the facts its push service registers
//! with; real phones are matched to profiles by those same facts.

mod sim_support;

use std::net::Ipv4Addr;
use std::time::Duration;

use pushlab::device::{Device, Target};
use pushlab::runner::matching::{describe_device, fit, Fit};
use pushlab::scenario::model::PROFILES;
use pushlab::sim::profile::Profile;
use pushlab::sim::SimDevice;
use pushlab::wire::protocol::{DeviceInfo, Rom};

const DEADLINE: Duration = Duration::from_secs(30);

async fn facts_of_simulated(profile: &Profile) -> DeviceInfo {
    let sim = SimDevice::spawn(profile.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("the simulated device starts");
    let device = Device::new(Target::tcp(sim.addr()));
    tokio::time::timeout(DEADLINE, device.device_info())
        .await
        .expect("device_info within the deadline")
        .expect("device_info")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_simulated_profile_reports_over_adb_what_its_push_service_registers_with() {
    let extra = [
        "coloros-android14-global",
        "funtouch-nopush-android8",
        "miui-android6",
        "aosp-nogms-android12l-cn",
        "flyme-android13-global",
        "emui-android10-hms20401299",
        "emui-android10-nohms",
        "miui-android13-global-gms",
        "miui-android13-hms60800312",
        "aosp-gms-android5",
        "aosp-gms-android4.1",
        "aosp-gms-android16-gms220000000",
        "coloros-api25",
        "funtouch-android11-nopush",
        "emui-android10-passthrough-drop",
    ];
    for name in PROFILES.iter().chain(extra.iter()) {
        let profile = Profile::parse(name).expect("profile");
        let read = facts_of_simulated(&profile).await;
        assert_eq!(read, profile.device_info(), "{name}");
        assert_eq!(fit(&profile, &read), Fit::Exact, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facts_read_through_the_adb_server_are_the_same() {
    let profile = Profile::parse("funtouch-nopush-android11").expect("profile");
    let sim = SimDevice::spawn(profile.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("the simulated device starts");
    let server = sim_support::AdbServer::start().await;
    server.connect(&sim.serial()).await;
    let device = Device::new(Target::AdbServer {
        serial: Some(sim.serial()),
        host: Ipv4Addr::LOCALHOST,
        port: server.port,
    });
    let read = tokio::time::timeout(DEADLINE, device.device_info())
        .await
        .expect("device_info within the deadline")
        .expect("device_info");
    assert_eq!(read, profile.device_info());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tester_s_setprop_changes_what_the_device_reports() {
    let profile = Profile::parse("coloros-android10").expect("profile");
    let sim = SimDevice::spawn(profile.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("the simulated device starts");
    let device = Device::new(Target::tcp(sim.addr()));
    device
        .shell_ok("setprop debug.pushlab.vendor_push false; setprop debug.pushlab.region global")
        .await
        .expect("setprop");
    let read = tokio::time::timeout(DEADLINE, device.device_info())
        .await
        .expect("device_info within the deadline")
        .expect("device_info");
    assert!(!read.vendor_push);
    assert_eq!(read.region, "global");
    assert!(fit(
        &Profile::parse("coloros-nopush-android10-global").expect("profile"),
        &read
    )
    .fits());
    assert!(!fit(&profile, &read).fits());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hms_core_s_version_comes_from_dumpsys_package() {
    let sim = SimDevice::spawn(
        Profile::parse("emui-hms-old").expect("profile"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("the simulated device starts");
    let device = Device::new(Target::tcp(sim.addr()));
    let hms = device
        .package_version("com.huawei.hwid")
        .await
        .expect("dumpsys package")
        .expect("HMS Core installed");
    assert_eq!(hms.version_code, 20_301_300);
    assert_eq!(
        device
            .package_version("com.google.android.gms")
            .await
            .expect("dumpsys package"),
        None
    );
}

/// A phone as it reports itself with the agent's default properties: the
/// ROM its maker ships.
fn phone(brand: &str, manufacturer: &str, model: &str, api: u32, region: &str) -> DeviceInfo {
    DeviceInfo {
        brand: brand.into(),
        manufacturer: manufacturer.into(),
        model: model.into(),
        api_level: api,
        rom: Rom::shipped_by(manufacturer),
        region: region.into(),
        vendor_push: true,
        hms_core_version: None,
        play_services: false,
        drops_huawei_passthrough: false,
    }
}

fn real_phones() -> Vec<DeviceInfo> {
    let with = |mut d: DeviceInfo, f: &dyn Fn(&mut DeviceInfo)| {
        f(&mut d);
        d
    };
    vec![
        phone("Redmi", "Xiaomi", "23049RAD8C", 34, "cn"),
        phone("POCO", "Xiaomi", "22101320G", 33, "global"),
        with(phone("google", "Google", "Pixel 7", 33, "global"), &|d| {
            d.play_services = true
        }),
        phone("Android", "unknown", "sdk_gphone64_x86_64", 30, "global"),
        with(phone("HUAWEI", "HUAWEI", "ELS-AN00", 29, "cn"), &|d| {
            d.hms_core_version = Some(60_800_312)
        }),
        with(phone("HONOR", "HONOR", "COL-AL10", 29, "cn"), &|d| {
            d.hms_core_version = Some(20_301_000)
        }),
        // A HONOR made after the 2020 split: MagicOS, no HMS Core.
        with(phone("HONOR", "HONOR", "PGT-AN10", 33, "cn"), &|d| {
            d.rom = Rom::Aosp
        }),
        with(phone("HUAWEI", "HUAWEI", "NOH-AN00", 29, "cn"), &|d| {
            d.hms_core_version = Some(60_800_312);
            d.drops_huawei_passthrough = true;
        }),
        phone("OPPO", "OPPO", "A57", 24, "cn"),
        phone("OnePlus", "OnePlus", "PHB110", 31, "cn"),
        with(phone("OPPO", "OPPO", "PEAM00", 29, "cn"), &|d| {
            d.vendor_push = false
        }),
        phone("iQOO", "vivo", "V2231A", 30, "cn"),
        with(phone("vivo", "vivo", "V1730EA", 30, "cn"), &|d| {
            d.vendor_push = false
        }),
        phone("meizu", "Meizu", "MEIZU 18s", 31, "cn"),
    ]
}

#[test]
fn real_phones_stand_for_the_profiles_of_their_kind() {
    let mut table = String::new();
    for info in real_phones() {
        table.push_str(&format!("{}:\n", describe_device(&info)));
        for name in PROFILES {
            let profile = Profile::parse(name).expect("profile");
            match fit(&profile, &info) {
                Fit::Exact => table.push_str(&format!("  {name}: exact\n")),
                Fit::Compatible => table.push_str(&format!("  {name}: compatible\n")),
                Fit::No(reasons) => {
                    table.push_str(&format!("  {name}: no\n"));
                    for r in reasons {
                        table.push_str(&format!("    - {r}\n"));
                    }
                }
            }
        }
    }
    insta::assert_snapshot!(table);
}

#[test]
fn the_example_phones_fit_where_a_tester_expects() {
    let fits = |info: &DeviceInfo| -> Vec<&str> {
        PROFILES
            .iter()
            .copied()
            .filter(|n| fit(&Profile::parse(n).expect("profile"), info).fits())
            .collect()
    };
    let phones = real_phones();
    assert_eq!(fits(&phones[0]), ["miui-android13"]);
    assert_eq!(fits(&phones[2]), ["aosp-gms-android13"]);
    assert_eq!(fits(&phones[5]), ["emui-hms-old"]);
    assert_eq!(fits(&phones[7]), ["emui-passthrough-drop"]);
    assert_eq!(fits(&phones[8]), ["coloros-android7"]);
    assert_eq!(fits(&phones[10]), ["coloros-nopush-android10"]);
    assert_eq!(fits(&phones[11]), ["funtouch-android11"]);
    assert_eq!(fits(&phones[12]), ["funtouch-nopush-android11"]);
    assert_eq!(fits(&phones[13]), ["flyme-android11"]);
    let vivo = Profile::parse("funtouch-android11").expect("profile");
    let reasons = fit(&vivo, &phones[2]).reasons().to_vec();
    assert!(
        reasons[0].contains("vivo"),
        "the first reason names vivo: {reasons:?}"
    );
}
