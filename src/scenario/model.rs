//! The scenario file format as Rust types: what a YAML file may say, with
//! `serde` for reading it and `schemars` for the JSON Schema editors use.
//!
//! Unknown keys are errors everywhere (`deny_unknown_fields`). Steps are an
//! externally tagged enum (`- send: {...}`); steps whose arguments are all
//! optional may also be written bare (`- login`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::diagnosis::Diagnosis;
use crate::push::VendorId;

/// The demo app every built-in scenario drives.
pub const DEMO_PACKAGE: &str = "com.pushlab.demo";

/// The device profile used when a file names none.
pub const DEFAULT_PROFILE: &str = crate::profile::DEFAULT_PROFILE;

/// The built-in example profiles scenario files have always named (any
/// name the grammar in [`crate::profile`] reads is accepted).
pub const PROFILES: &[&str] = crate::profile::KNOWN_PROFILES;

/// One scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// The push vendor every case of this file goes through.
    #[schemars(schema_with = "vendor_schema")]
    pub vendor: VendorId,
    /// The offline-push certificate saved in the IM console before each case.
    pub certificate: CertificateSpec,
    /// Device profile(s): one name or inline definition, or a list of them
    /// (the file then runs as a matrix, every case on every profile).
    #[serde(default)]
    pub devices: Devices,
    /// Values the steps fall back on.
    #[serde(default)]
    pub defaults: Defaults,
    /// Vendor endpoint limits (quota, frequency control) for every case, in
    /// the vendor's own `limits` shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<serde_json::Value>,
    /// How the demo app is configured before each case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AppConfig>,
    /// The vendor app as the vendor's own developer console holds it, for
    /// every case. Absent: the console holds exactly the certificate's
    /// package and credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<ConsoleSpec>,
    /// How long a saved certificate takes to take effect (default `600s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_delay: Option<Wait>,
    /// The cases, each run with a fresh hub and a fresh app state.
    pub cases: Vec<Case>,
}

fn vendor_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = VendorId::ALL.iter().map(|v| v.name()).collect();
    json_schema!({ "type": "string", "enum": names })
}

fn optional_vendor_schema(g: &mut SchemaGenerator) -> Schema {
    vendor_schema(g)
}

fn diagnosis_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": *DIAGNOSIS_CODES })
}

/// Every diagnosis code, for error messages and the schema.
pub static DIAGNOSIS_CODES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| Diagnosis::ALL.iter().map(|d| d.code()).collect());

/// Reads a diagnosis code, naming the allowed ones when it is unknown.
fn de_diagnosis<'de, D: Deserializer<'de>>(d: D) -> Result<Diagnosis, D::Error> {
    let s = String::deserialize(d)?;
    s.parse()
        .map_err(|_| de::Error::unknown_variant(&s, DIAGNOSIS_CODES.as_slice()))
}

/// [`de_diagnosis`] for an optional field.
fn de_opt_diagnosis<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Diagnosis>, D::Error> {
    de_diagnosis(d).map(Some)
}

fn opt_diagnosis_schema(g: &mut SchemaGenerator) -> Schema {
    diagnosis_schema(g)
}

/// The certificate as a file states it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// The certificate id (`businessID`); chosen by the IM server when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The app's package (default `com.pushlab.demo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The vendor credentials, in the vendor's own fields (e.g. Mi:
    /// `app_id`, `app_key`, `app_secret`). FCM's `service_account` may omit
    /// `private_key`: a throwaway test key is generated for the run.
    pub credentials: serde_json::Map<String, serde_json::Value>,
    /// The click event (default `open_app`).
    #[serde(default, deserialize_with = "de_enum")]
    pub click: ClickSpec,
    /// The console's channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Huawei badge: the app's entry activity class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge_class: Option<String>,
}

/// Case-level changes to the file's certificate. `null` removes a field.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(
        default,
        deserialize_with = "de_enum_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub click: Option<ClickSpec>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_id: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub badge_class: Option<Option<String>>,
}

/// `Some(None)` for an explicit `null`, `None` for an absent key.
fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The certificate's click event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ClickSpec {
    /// Open the app's launcher activity.
    #[default]
    OpenApp,
    /// Open a web page.
    OpenUrl(String),
    /// Open an in-app page, named the way the vendor names it.
    OpenPage(#[serde(deserialize_with = "de_enum")] PageSpec),
}

/// Reads an externally tagged enum written as YAML people write it: a bare
/// name for a unit variant (`open_app`) or a one-key map (`open_url: …`),
/// rather than the YAML tags (`!open_url …`) the YAML crate expects.
fn de_enum<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a name or a one-key map")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            T::deserialize(de::value::StrDeserializer::<E>::new(s))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

fn de_enum_some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    de_enum(d).map(Some)
}

/// How an in-app page is named.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PageSpec {
    /// An intent URI (Mi, Huawei, vivo, OPPO).
    IntentUri(String),
    /// A fully qualified activity class (Meizu, OPPO).
    Activity(String),
    /// An intent action (OPPO, Huawei, FCM).
    Action(String),
}

impl PageSpec {
    /// The key as written in a file.
    pub fn key(&self) -> &'static str {
        match self {
            PageSpec::IntentUri(_) => "intent_uri",
            PageSpec::Activity(_) => "activity",
            PageSpec::Action(_) => "action",
        }
    }
}

/// The pattern a profile name follows (the grammar in [`crate::profile`]),
/// for the schema. Names are read without regard to case; the pattern
/// gives the lower-case spelling.
pub static PROFILE_NAME_PATTERN: LazyLock<String> = LazyLock::new(|| {
    let roms = crate::profile::Rom::tokens().join("|");
    let versions: Vec<String> = crate::profile::ApiLevel::version_spellings()
        .iter()
        .map(|v| regex_syntax_escape(v))
        .collect();
    format!(
        "^(emui-hms-old|emui-passthrough-drop|({roms})(-nopush)?-(android({})|api(1[6-9]|2[0-9]|3[0-6]))(-(cn|global|hms[0-9]+|nohms|gms[0-9]*|nogms|nopush|passthrough-drop))*)$",
        versions.join("|")
    )
});

/// Escapes the `.` of version spellings for a pattern.
fn regex_syntax_escape(s: &str) -> String {
    s.replace('.', "\\.")
}

/// How the schema describes a profile name.
const PROFILE_NAME_DESCRIPTION: &str = "A device profile name: <rom>-<version>[-<region>][-<hms>][-<gms>][-<quirk>...]. rom: aosp-gms, aosp-nogms, miui, emui, coloros, funtouch, flyme; version: android4.1 … android16 (4.1, 4.2, 4.3, 4.4, 4.4w, 5, 5.1, 6, 7, 7.1, 8, 8.1, 9, 10, 11, 12, 12l, 13, 14, 15, 16) or api16 … api36; region: cn or global; hms: hms<versionCode> or nohms; gms: gms, gms<versionCode> or nogms; quirks: nopush (coloros, funtouch), passthrough-drop (emui). E.g. coloros-api26, emui-android10-hms20401299, aosp-gms-android5, funtouch-android11-nopush. Older names emui-hms-old, emui-passthrough-drop and <rom>-nopush-<version> also work.";

/// A device a file or case runs on: a profile name (the grammar in
/// [`crate::profile`]) or a profile defined in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DeviceRef {
    /// A profile name, e.g. `coloros-api26`.
    Name(String),
    /// A profile defined field by field.
    Inline(InlineDevice),
}

impl DeviceRef {
    /// The profile, or why the name or definition makes none (checked at
    /// load time, so a loaded file's devices all have one).
    pub fn profile(&self) -> Result<crate::profile::Profile, DeviceError> {
        match self {
            DeviceRef::Name(n) => crate::profile::Profile::parse(n).map_err(DeviceError::Profile),
            DeviceRef::Inline(d) => d.profile(),
        }
    }

    /// How runs name the device: a name as the file writes it, an inline
    /// definition by its profile's canonical name.
    pub fn run_name(&self) -> String {
        match self {
            DeviceRef::Name(n) => n.trim().to_string(),
            DeviceRef::Inline(d) => d
                .profile()
                .map(|p| p.name)
                .unwrap_or_else(|_| "invalid-inline-device".into()),
        }
    }
}

impl From<&str> for DeviceRef {
    fn from(name: &str) -> Self {
        DeviceRef::Name(name.to_string())
    }
}

/// Why a device of a file makes no profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceError {
    /// The grammar refused the name or the definition's values.
    Profile(crate::profile::ProfileError),
    /// An inline definition gives both `api` and `android`, or neither.
    Version { both: bool },
    /// An inline `api` outside 16..=36.
    Api(u8),
    /// An inline `android` that is no Android version.
    Android(String),
}

/// A device profile defined in place, e.g. `{rom: emui, api: 29, region:
/// cn, hms_core: 20401299, quirks: [drops_passthrough]}`. Every field but
/// `rom` and the version may be left out for the ROM's default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InlineDevice {
    /// The ROM family.
    pub rom: crate::profile::Rom,
    /// The API level (16–36); or give `android`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 16, max = 36))]
    pub api: Option<u8>,
    /// The Android version as names write it (`"8.1"`, `"4.4w"`, `12l`,
    /// `10`); or give `api`.
    #[serde(
        default,
        deserialize_with = "de_version",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "version_schema")]
    pub android: Option<String>,
    /// Where the device is sold (default: `cn`, `global` on `aosp-*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<crate::profile::Region>,
    /// HMS Core's version code, or `false` for none installed (default:
    /// current on `emui`, none elsewhere).
    #[serde(
        default,
        deserialize_with = "de_installed_hms",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "hms_schema")]
    pub hms_core: Option<Option<u64>>,
    /// Google Play services: `true`, `false`, or a version code (default:
    /// installed on `aosp-gms` only).
    #[serde(
        default,
        deserialize_with = "de_installed_gms",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "gms_schema")]
    pub play_services: Option<Option<u64>>,
    /// Model quirks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quirks: Vec<crate::profile::Quirk>,
}

impl InlineDevice {
    /// The profile the definition makes.
    pub fn profile(&self) -> Result<crate::profile::Profile, DeviceError> {
        use crate::profile::{ApiLevel, ProfileSpec};
        let api = match (&self.api, &self.android) {
            (Some(n), None) => ApiLevel::new(*n).ok_or(DeviceError::Api(*n))?,
            (None, Some(v)) => ApiLevel::from_version(&v.to_ascii_lowercase())
                .ok_or_else(|| DeviceError::Android(v.clone()))?,
            (a, _) => return Err(DeviceError::Version { both: a.is_some() }),
        };
        ProfileSpec {
            rom: self.rom,
            api_level: api,
            region: self.region,
            hms_core: self.hms_core,
            play_services: self.play_services,
            quirks: self.quirks.clone(),
        }
        .build()
        .map_err(DeviceError::Profile)
    }
}

fn version_schema(_: &mut SchemaGenerator) -> Schema {
    let versions = crate::profile::ApiLevel::version_spellings();
    json_schema!({
        "description": "An Android version: 4.1, 4.2, 4.3, 4.4, 4.4w, 5, 5.1, 6 … 12, 12l, 13 … 16.",
        "anyOf": [
            { "type": "string", "enum": versions },
            { "type": "number", "enum": [4.1, 4.2, 4.3, 4.4, 5, 5.0, 5.1, 6, 6.0, 7, 7.0, 7.1, 8, 8.0, 8.1, 9, 10, 11, 12, 13, 14, 15, 16] }
        ]
    })
}

fn hms_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "HMS Core's versionCode (e.g. 20401300, the lowest with push), or false for none.",
        "anyOf": [ { "type": "integer", "minimum": 1 }, { "const": false } ]
    })
}

fn gms_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "Google Play services installed (true/false), or their versionCode.",
        "anyOf": [ { "type": "boolean" }, { "type": "integer", "minimum": 1 } ]
    })
}

/// An Android version written as a string or a YAML number (`8.1`, `10`).
fn de_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an Android version such as 8.1, 10 or 12l")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(s.trim().to_string()))
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(n.to_string()))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
            Ok(Some(n.to_string()))
        }
        fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
            Ok(Some(n.to_string()))
        }
    }
    d.deserialize_any(V)
}

/// A service as installed (`false`: not installed; a number: its version
/// code; `true`, where `allow_true`: installed at the default version).
fn de_installed<'de, D: Deserializer<'de>>(
    d: D,
    allow_true: Option<u64>,
) -> Result<Option<Option<u64>>, D::Error> {
    struct V(Option<u64>);
    impl<'de> Visitor<'de> for V {
        type Value = Option<Option<u64>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            match self.0 {
                Some(_) => f.write_str("true, false or a version code"),
                None => f.write_str("a version code or false"),
            }
        }
        fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
            match (b, self.0) {
                (false, _) => Ok(Some(None)),
                (true, Some(v)) => Ok(Some(Some(v))),
                (true, None) => Err(E::invalid_value(de::Unexpected::Bool(true), &self)),
            }
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            if n == 0 {
                return Err(E::invalid_value(de::Unexpected::Unsigned(0), &self));
            }
            Ok(Some(Some(n)))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
            match u64::try_from(n) {
                Ok(n) => self.visit_u64(n),
                Err(_) => Err(E::invalid_value(de::Unexpected::Signed(n), &self)),
            }
        }
    }
    d.deserialize_any(V(allow_true))
}

fn de_installed_hms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    de_installed(d, None)
}

fn de_installed_gms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    de_installed(d, Some(crate::profile::PLAY_SERVICES_CURRENT))
}

impl JsonSchema for DeviceRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DeviceRef".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let inline = g.subschema_for::<InlineDevice>();
        json_schema!({
            "description": "A device profile: a name, or a definition in place.",
            "anyOf": [
                {
                    "type": "string",
                    "pattern": *PROFILE_NAME_PATTERN,
                    "description": PROFILE_NAME_DESCRIPTION,
                    "examples": crate::profile::EXAMPLE_PROFILES.iter().map(|(n, _)| *n).collect::<Vec<_>>()
                },
                inline
            ]
        })
    }
}

impl<'de> Deserialize<'de> for DeviceRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DeviceRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a device profile name or a definition {rom: …, api: …}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DeviceRef, E> {
                Ok(DeviceRef::Name(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DeviceRef, A::Error> {
                InlineDevice::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(DeviceRef::Inline)
            }
        }
        d.deserialize_any(V)
    }
}

/// One device profile or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Devices(pub Vec<DeviceRef>);

impl Default for Devices {
    fn default() -> Self {
        Devices(vec![DeviceRef::Name(DEFAULT_PROFILE.to_string())])
    }
}

impl JsonSchema for Devices {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Devices".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let one = g.subschema_for::<DeviceRef>();
        json_schema!({
            "description": "A device profile, or a list of them (a matrix).",
            "anyOf": [
                one.clone(),
                { "type": "array", "items": one, "minItems": 1 }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for Devices {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Devices;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a device profile (a name or a definition) or a list of them")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Devices, E> {
                Ok(Devices(vec![DeviceRef::Name(s.to_string())]))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Devices, A::Error> {
                InlineDevice::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|d| Devices(vec![DeviceRef::Inline(d)]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Devices, A::Error> {
                let mut v = Vec::new();
                while let Some(d) = seq.next_element::<DeviceRef>()? {
                    v.push(d);
                }
                if v.is_empty() {
                    return Err(de::Error::invalid_length(0, &"at least one profile"));
                }
                Ok(Devices(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// File-wide defaults.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// How long an `expect_*` waits (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Wait>,
    /// The user logged in on the device and sent to (default `bob`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The sender of `send` (default `alice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
}

/// The demo app's notification channel setup.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// The channel id the app uses (default `im`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Whether the app creates its channel at first launch (default true).
    #[serde(default = "yes")]
    pub create_channel: bool,
}

fn yes() -> bool {
    true
}

/// A duration: `500ms`, `10s`, `10m`, `1h`, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Wait(pub Duration);

impl From<Wait> for String {
    fn from(w: Wait) -> String {
        let ms = w.0.as_millis();
        if ms.is_multiple_of(1000) {
            format!("{}s", ms / 1000)
        } else {
            format!("{ms}ms")
        }
    }
}

impl std::str::FromStr for Wait {
    type Err = String;
    fn from_str(s: &str) -> Result<Wait, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (n, unit) = s.split_at(split);
        let n: u64 = n
            .parse()
            .map_err(|_| format!("`{s}` is not a duration (e.g. 500ms, 10s, 10m)"))?;
        let ms = match unit.trim() {
            "ms" => Some(n),
            "" | "s" => n.checked_mul(1000),
            "m" | "min" => n.checked_mul(60_000),
            "h" => n.checked_mul(3_600_000),
            _ => None,
        }
        .ok_or_else(|| format!("`{s}` is not a duration (allowed units: ms, s, m, h)"))?;
        Ok(Wait(Duration::from_millis(ms)))
    }
}

impl<'de> Deserialize<'de> for Wait {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Wait;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as 500ms, 10s or 10m")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Wait, E> {
                Ok(Wait(Duration::from_secs(n)))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Wait, E> {
                u64::try_from(n)
                    .map(|n| Wait(Duration::from_secs(n)))
                    .map_err(|_| E::custom("a duration cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Wait, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Wait {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Wait".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: 500ms, 10s, 10m, 1h, or a number of seconds.",
            "anyOf": [
                { "type": "string", "pattern": "^[0-9]+ *(ms|s|m|min|h)?$" },
                { "type": "integer", "minimum": 0 }
            ]
        })
    }
}

/// One case: a list of steps, with optional overrides.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique within the file.
    pub name: String,
    /// What the case proves, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// Runs only on this profile (a name or a definition) instead of the
    /// file's `devices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceRef>,
    /// Goes through another vendor than the file's (the case's
    /// `certificate` must then give that vendor's `credentials`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "optional_vendor_schema")]
    pub vendor: Option<VendorId>,
    /// Changes to the file's certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateOverride>,
    /// Let the certificate's 10 minutes pass before the steps (default
    /// true; costs no wall time on a virtual clock). `false` tests the delay.
    #[serde(default = "yes")]
    pub certificate_effective: bool,
    /// Vendor endpoint limits for this case (merged over the file's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<serde_json::Value>,
    /// Demo app setup for this case (replaces the file's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AppConfig>,
    /// The vendor console's app for this case (merged over the file's
    /// `console`, which is merged over the certificate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<ConsoleSpec>,
    /// The certificate delay for this case (default: the file's, else
    /// `600s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_delay: Option<Wait>,
    pub steps: Vec<StepEntry>,
}

/// A step as written: bare (`- login`) or with arguments (`- login: {...}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct StepEntry(pub Step);

/// Steps that may be written bare because all their arguments are optional.
const BARE_STEPS: &[&str] = &[
    "login",
    "logout",
    "kick",
    "report_token",
    "kill_app",
    "launch_app",
    "tap_notification",
    "expect_no_ext",
];

impl<'de> Deserialize<'de> for StepEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StepEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a step such as `login` or `send: {...}`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<StepEntry, E> {
                if !BARE_STEPS.contains(&s) {
                    if STEP_NAMES.contains(&s) {
                        return Err(E::custom(format!("step `{s}` needs arguments")));
                    }
                    return Err(E::unknown_variant(s, STEP_NAMES));
                }
                let map = de::value::MapDeserializer::<_, E>::new(std::iter::once((s, ())));
                Step::deserialize(de::value::MapAccessDeserializer::new(map)).map(StepEntry)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StepEntry, A::Error> {
                Step::deserialize(de::value::MapAccessDeserializer::new(map)).map(StepEntry)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for StepEntry {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StepEntry".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let step = g.subschema_for::<Step>();
        json_schema!({
            "anyOf": [
                { "type": "string", "enum": BARE_STEPS },
                step
            ]
        })
    }
}

/// Every step name, for error messages.
pub const STEP_NAMES: &[&str] = &[
    "login",
    "logout",
    "kick",
    "report_token",
    "kill_app",
    "launch_app",
    "send",
    "burst",
    "expect_notification",
    "expect_no_notification",
    "tap_notification",
    "expect_activity",
    "expect_url",
    "expect_ext",
    "expect_no_ext",
    "advance_time",
    "edit_certificate",
    "expect_callback",
];

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// The demo app logs the user in to the IM server.
    Login(Option<UserArgs>),
    /// The demo app logs the user out.
    Logout(Option<UserArgs>),
    /// A login on another device kicks the user off this one.
    Kick(Option<KickArgs>),
    /// The demo app registers with the vendor's push service and reports
    /// (certificate id, token) to the IM server.
    ReportToken(Option<ReportTokenArgs>),
    /// The app's process goes away.
    KillApp(Option<KillArgs>),
    /// The app is opened from the launcher.
    LaunchApp(Option<Empty>),
    /// `sendmsg` to the recipient.
    Send(SendArgs),
    /// The same message sent `count` times in a row.
    Burst(BurstArgs),
    /// The last message's notification is in the shade.
    ExpectNotification(ExpectNotificationArgs),
    /// The last message does not show, for this reason (a diagnosis code).
    ExpectNoNotification(ExpectNoNotificationArgs),
    /// The user taps the last message's notification.
    TapNotification(Option<TapArgs>),
    /// The tap opened this activity (`pkg/.Class` or `pkg/full.Class`).
    ExpectActivity(ExpectActivityArgs),
    /// The tap opened this URL in a browser.
    ExpectUrl(ExpectUrlArgs),
    /// The app received the message's ext.
    ExpectExt(ExpectExtArgs),
    /// No ext reaches the app: for `reason` (the first broken link), or, with
    /// no reason, none arrives while the chain goes on (watched `within`).
    ExpectNoExt(Option<ExpectNoExtArgs>),
    /// Moves the hub's clock forward.
    AdvanceTime(Wait),
    /// Saves the case's certificate again in the IM console with these
    /// fields changed (same certificate id). The new version takes effect
    /// after the certificate delay; until then the previous one stays in
    /// effect.
    EditCertificate(EditCertificateArgs),
    /// The vendor SDK callback (or the opened activity) that handed the
    /// last message to the app.
    ExpectCallback(ExpectCallbackArgs),
}

impl Step {
    /// The step's name as written in a file.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Login(_) => "login",
            Step::Logout(_) => "logout",
            Step::Kick(_) => "kick",
            Step::ReportToken(_) => "report_token",
            Step::KillApp(_) => "kill_app",
            Step::LaunchApp(_) => "launch_app",
            Step::Send(_) => "send",
            Step::Burst(_) => "burst",
            Step::ExpectNotification(_) => "expect_notification",
            Step::ExpectNoNotification(_) => "expect_no_notification",
            Step::TapNotification(_) => "tap_notification",
            Step::ExpectActivity(_) => "expect_activity",
            Step::ExpectUrl(_) => "expect_url",
            Step::ExpectExt(_) => "expect_ext",
            Step::ExpectNoExt(_) => "expect_no_ext",
            Step::AdvanceTime(_) => "advance_time",
            Step::EditCertificate(_) => "edit_certificate",
            Step::ExpectCallback(_) => "expect_callback",
        }
    }

    /// Whether the step is about the last message sent.
    pub fn needs_message(&self) -> bool {
        matches!(
            self,
            Step::ExpectNotification(_)
                | Step::ExpectNoNotification(_)
                | Step::TapNotification(_)
                | Step::ExpectActivity(_)
                | Step::ExpectUrl(_)
                | Step::ExpectExt(_)
                | Step::ExpectNoExt(_)
                | Step::ExpectCallback(_)
        )
    }
}

/// No arguments.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserArgs {
    /// Default: the file's `defaults.user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KickArgs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The other device's id (default `other-phone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportTokenArgs {
    /// The certificate id the app reports (default: the certificate's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<u64>,
}

/// How the app's process goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KillMode {
    /// `am force-stop`: the app enters the stopped state (no broadcasts).
    ForceStop,
    /// Home, then `am kill`: process death only.
    #[default]
    Kill,
    /// Swiped away from recents: home, then `am kill` (process death only).
    Swipe,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KillArgs {
    #[serde(default)]
    pub mode: KillMode,
}

/// `sendmsg` content.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendArgs {
    /// Default: the file's `defaults.sender`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Default: the file's `defaults.user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A text message (TIMTextElem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A custom message (TIMCustomElem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<CustomArgs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_push: Option<OfflinePushArgs>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomArgs {
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub ext: String,
}

/// `OfflinePushInfo`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflinePushArgs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Passed through verbatim (OPPO wants a JSON object string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<String>,
    /// `AndroidInfo` with TIM's field names (`Sound`, `OPPOChannelID`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android_info: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurstArgs {
    /// How many times (at least 1).
    pub count: u32,
    pub send: SendArgs,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectNotificationArgs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The channel the notification is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The launcher badge it set (`null`: it set none).
    #[serde(
        default,
        deserialize_with = "double_option_badge",
        skip_serializing_if = "Option::is_none"
    )]
    pub badge: Option<Option<BadgeExpect>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Wait>,
}

/// `Some(None)` for an explicit `badge: null`, `None` for an absent key.
fn double_option_badge<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<BadgeExpect>>, D::Error> {
    Option::<BadgeExpect>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectNoNotificationArgs {
    /// The diagnosis code of the first broken link.
    #[serde(deserialize_with = "de_diagnosis")]
    #[schemars(schema_with = "diagnosis_schema")]
    pub reason: Diagnosis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Wait>,
}

/// How the notification is tapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TapMode {
    /// The push service fires the notification's tap (agent command).
    #[default]
    Service,
    /// The shade is opened and the notification tapped on screen.
    Ui,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TapArgs {
    #[serde(default)]
    pub how: TapMode,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectActivityArgs {
    /// `pkg/.Class` or `pkg/full.Class`.
    pub component: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Wait>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectUrlArgs {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Wait>,
}

/// Where the app found the ext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtVia {
    /// The `ext` extra on the opened activity (Huawei, FCM).
    IntentExtra,
    /// Each JSON key as its own extra (OPPO).
    IntentExtras,
    /// Mi's `MiPushMessage` (`key_message`).
    MipushMessage,
    /// vivo's params map / Mi's click callback extras.
    CallbackParams,
    /// Meizu's `selfDefineContentString`.
    SelfDefineContent,
}

impl ExtVia {
    /// The name the app reports in `ext_received`.
    pub fn name(self) -> &'static str {
        match self {
            ExtVia::IntentExtra => "intent_extra",
            ExtVia::IntentExtras => "intent_extras",
            ExtVia::MipushMessage => "mipush_message",
            ExtVia::CallbackParams => "callback_params",
            ExtVia::SelfDefineContent => "self_define_content",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectNoExtArgs {
    /// The diagnosis code of the link that loses the ext (e.g.
    /// `huawei.passthrough_unsupported`). Without it, the step only checks
    /// that no ext arrives.
    #[serde(
        default,
        deserialize_with = "de_opt_diagnosis",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "opt_diagnosis_schema")]
    pub reason: Option<Diagnosis>,
    /// How long to watch (default: the case's `within`); the step ends
    /// sooner when the chain breaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Wait>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectExtArgs {
    /// The ext as sent (JSON is compared as JSON).
    pub value: String,
    pub via: ExtVia,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Wait>,
}

// ---------------------------------------------------------------------------
// The vendor console and certificate edits
// ---------------------------------------------------------------------------

/// The vendor app as the vendor's own developer console holds it: what the
/// IM certificate is a copy of. Each field given replaces the certificate's
/// value, so a case states only where the two differ (the FAQ's "check that
/// the certificate information is correct": a wrong AppSecret, another
/// app's AppId, another package).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSpec {
    /// The package the vendor app was created for (default: the
    /// certificate's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Credentials in the vendor's own fields; each key given replaces the
    /// certificate's (e.g. Mi `app_secret`, FCM `service_account`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ConsoleSpec {
    /// `self` with `over`'s fields replacing its own (credentials key by
    /// key).
    pub fn merged(&self, over: &ConsoleSpec) -> ConsoleSpec {
        let credentials = match (&self.credentials, &over.credentials) {
            (Some(a), Some(b)) => {
                let mut m = a.clone();
                m.extend(b.clone());
                Some(m)
            }
            (a, b) => b.clone().or_else(|| a.clone()),
        };
        ConsoleSpec {
            package: over.package.clone().or_else(|| self.package.clone()),
            credentials,
        }
    }
}

/// `edit_certificate`: the fields that change; the others keep their value.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditCertificateArgs {
    /// The certificate's package name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Credential fields to change, key by key (the others keep their
    /// value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<serde_json::Map<String, serde_json::Value>>,
    /// The new click event.
    #[serde(
        default,
        deserialize_with = "de_enum_some",
        skip_serializing_if = "Option::is_none"
    )]
    pub click: Option<ClickSpec>,
    /// The new channel id; `null` removes it.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_id: Option<Option<String>>,
    /// The new Huawei badge class; `null` removes it.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub badge_class: Option<Option<String>>,
}

/// What ran in the app for a message: a vendor SDK callback, by its method
/// name, or `activity`, the activity the tap opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackName {
    /// The opened activity (`onCreate` with the tap's intent).
    Activity,
    /// A vendor SDK callback, e.g. Mi's `onNotificationMessageClicked`.
    Sdk(crate::wire::sdk::SdkCallback),
}

impl CallbackName {
    /// The name as written in a file.
    pub fn name(self) -> &'static str {
        match self {
            CallbackName::Activity => "activity",
            CallbackName::Sdk(c) => c.name(),
        }
    }

    /// The names a case through `vendor` may use: `activity` and that
    /// vendor SDK's callbacks.
    pub fn of_vendor(vendor: VendorId) -> Vec<CallbackName> {
        std::iter::once(CallbackName::Activity)
            .chain(
                crate::wire::sdk::SdkCallback::of_vendor(vendor)
                    .iter()
                    .map(|c| CallbackName::Sdk(*c)),
            )
            .collect()
    }

    /// Every name, for error messages and the schema.
    pub fn all_names() -> Vec<&'static str> {
        std::iter::once("activity")
            .chain(crate::wire::sdk::SdkCallback::ALL.iter().map(|c| c.name()))
            .collect()
    }
}

impl fmt::Display for CallbackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for CallbackName {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        if s == "activity" {
            return Ok(CallbackName::Activity);
        }
        s.parse().map(CallbackName::Sdk)
    }
}

impl Serialize for CallbackName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for CallbackName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        static NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(CallbackName::all_names);
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|_| de::Error::unknown_variant(&s, NAMES.as_slice()))
    }
}

impl JsonSchema for CallbackName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CallbackName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "enum": CallbackName::all_names() })
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectCallbackArgs {
    /// The SDK callback's method name (valid ones depend on the case's
    /// vendor), or `activity`.
    pub name: CallbackName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Wait>,
}

/// The launcher badge a notification set (Huawei's `badge`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BadgeExpect {
    /// The activity class the badge is on (the certificate's badge class).
    pub class: String,
    /// The number the launcher shows.
    pub number: u32,
}
