//! Intents and component names as Android writes and reads them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A component: a package plus a class, written `pkg/cls` (short form
/// `pkg/.Cls` when the class lives under the package).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentName {
    pub package: String,
    /// Always the fully qualified class name.
    pub class: String,
}

/// Why a component string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComponentError {
    #[error("component `{0}` has no `/` between package and class")]
    MissingSlash(String),
    #[error("component `{0}` has an empty package or class")]
    Empty(String),
}

impl ComponentName {
    pub fn new(package: impl Into<String>, class: impl Into<String>) -> Self {
        let package = package.into();
        let class = class.into();
        let class = if let Some(rest) = class.strip_prefix('.') {
            format!("{package}.{rest}")
        } else {
            class
        };
        Self { package, class }
    }

    /// `pkg/.Cls` when the class is inside the package, else `pkg/cls`.
    pub fn flatten_to_short_string(&self) -> String {
        match self.class.strip_prefix(&self.package) {
            Some(rest) if rest.starts_with('.') => format!("{}/{}", self.package, rest),
            _ => format!("{}/{}", self.package, self.class),
        }
    }

    /// Always `pkg/full.Class`.
    pub fn flatten_to_string(&self) -> String {
        format!("{}/{}", self.package, self.class)
    }
}

impl FromStr for ComponentName {
    type Err = ComponentError;

    /// Reads `pkg/cls` or `pkg/.Cls`, as `ComponentName.unflattenFromString`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (pkg, cls) = s
            .split_once('/')
            .ok_or_else(|| ComponentError::MissingSlash(s.to_string()))?;
        if pkg.is_empty() || cls.is_empty() || cls == "." {
            return Err(ComponentError::Empty(s.to_string()));
        }
        Ok(Self::new(pkg, cls))
    }
}

impl fmt::Display for ComponentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.flatten_to_short_string())
    }
}

impl Serialize for ComponentName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.flatten_to_string())
    }
}

impl<'de> Deserialize<'de> for ComponentName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A typed intent extra, as the intent-URI grammar and `am start` carry them.
///
/// On the gateway wire it is `{"type":"string","value":"…"}` so that the Java
/// side reads the type without guessing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum ExtraValue {
    String(String),
    Boolean(bool),
    Byte(i8),
    Char(char),
    Double(f64),
    Float(f32),
    Int(i32),
    Long(i64),
    Short(i16),
}

impl ExtraValue {
    /// The value as the app would read it with `getString`, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ExtraValue::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for ExtraValue {
    fn from(s: &str) -> Self {
        ExtraValue::String(s.to_string())
    }
}

impl From<String> for ExtraValue {
    fn from(s: String) -> Self {
        ExtraValue::String(s)
    }
}

macro_rules! extra_from {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for ExtraValue {
            fn from(x: $t) -> Self {
                ExtraValue::$v(x)
            }
        }
    )*};
}
extra_from!(bool => Boolean, i8 => Byte, char => Char, f64 => Double, f32 => Float, i32 => Int, i64 => Long, i16 => Short);

impl ExtraValue {
    /// The one-letter type prefix of the intent-URI grammar (`S.`, `i.`...).
    pub fn uri_prefix(&self) -> char {
        match self {
            ExtraValue::String(_) => 'S',
            ExtraValue::Boolean(_) => 'B',
            ExtraValue::Byte(_) => 'b',
            ExtraValue::Char(_) => 'c',
            ExtraValue::Double(_) => 'd',
            ExtraValue::Float(_) => 'f',
            ExtraValue::Int(_) => 'i',
            ExtraValue::Long(_) => 'l',
            ExtraValue::Short(_) => 's',
        }
    }

    /// `String.valueOf(value)` as Java prints it (`1.0`, `1.0E10`, `true`).
    pub fn to_java_string(&self) -> String {
        match self {
            ExtraValue::String(s) => s.clone(),
            ExtraValue::Boolean(b) => b.to_string(),
            ExtraValue::Byte(v) => v.to_string(),
            ExtraValue::Char(c) => c.to_string(),
            ExtraValue::Double(v) => java_double(*v, format!("{v}"), format!("{v:e}")),
            ExtraValue::Float(v) => java_double(f64::from(*v), format!("{v}"), format!("{v:e}")),
            ExtraValue::Int(v) => v.to_string(),
            ExtraValue::Long(v) => v.to_string(),
            ExtraValue::Short(v) => v.to_string(),
        }
    }
}

/// `Double.toString`: plain notation in [1e-3, 1e7), else `d.dddE±n`.
fn java_double(v: f64, plain: String, sci: String) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let a = v.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let (mant, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        let mant = if mant.contains('.') {
            mant.to_string()
        } else {
            format!("{mant}.0")
        };
        format!("{mant}E{exp}")
    }
}

/// `Intent.ACTION_VIEW`, the action every intent URI starts from.
pub const ACTION_VIEW: &str = "android.intent.action.VIEW";
/// `Intent.ACTION_MAIN`.
pub const ACTION_MAIN: &str = "android.intent.action.MAIN";
/// `Intent.CATEGORY_LAUNCHER`.
pub const CATEGORY_LAUNCHER: &str = "android.intent.category.LAUNCHER";
/// `Intent.CATEGORY_BROWSABLE`.
pub const CATEGORY_BROWSABLE: &str = "android.intent.category.BROWSABLE";

/// `Intent.setFlags` bits, as `launchFlags=` and `am start -f` carry them.
///
/// A plain `u32` newtype rather than a closed enum: vendors and ROMs use bits
/// the framework does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LaunchFlags(pub u32);

impl LaunchFlags {
    pub const GRANT_READ_URI_PERMISSION: u32 = 0x0000_0001;
    pub const GRANT_WRITE_URI_PERMISSION: u32 = 0x0000_0002;
    pub const GRANT_PERSISTABLE_URI_PERMISSION: u32 = 0x0000_0040;
    pub const GRANT_PREFIX_URI_PERMISSION: u32 = 0x0000_0080;
    pub const INCLUDE_STOPPED_PACKAGES: u32 = 0x0000_0020;
    pub const ACTIVITY_SINGLE_TOP: u32 = 0x2000_0000;
    pub const ACTIVITY_NEW_TASK: u32 = 0x1000_0000;
    pub const ACTIVITY_CLEAR_TOP: u32 = 0x0400_0000;
    pub const ACTIVITY_CLEAR_TASK: u32 = 0x0000_8000;
    /// `Intent.IMMUTABLE_FLAGS`: the URI-grant bits that `parseUri` strips
    /// unless `URI_ALLOW_UNSAFE` is given.
    pub const IMMUTABLE: u32 = Self::GRANT_READ_URI_PERMISSION
        | Self::GRANT_WRITE_URI_PERMISSION
        | Self::GRANT_PERSISTABLE_URI_PERMISSION
        | Self::GRANT_PREFIX_URI_PERMISSION;

    pub fn contains(self, bits: u32) -> bool {
        self.0 & bits == bits
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
}

/// An `android.graphics.Rect`: `sourceBounds=` of an intent, `bounds=` of a
/// uiautomator node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Rect {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl Rect {
    pub fn new(left: i32, top: i32, right: i32, bottom: i32) -> Self {
        Self {
            left,
            top,
            right,
            bottom,
        }
    }

    /// The point a tap on this rectangle should hit.
    pub fn center(&self) -> (i32, i32) {
        (
            ((i64::from(self.left) + i64::from(self.right)) / 2) as i32,
            ((i64::from(self.top) + i64::from(self.bottom)) / 2) as i32,
        )
    }

    pub fn width(&self) -> i64 {
        i64::from(self.right) - i64::from(self.left)
    }

    pub fn height(&self) -> i64 {
        i64::from(self.bottom) - i64::from(self.top)
    }

    /// `Rect.flattenToString()`: `"l t r b"`.
    pub fn flatten_to_string(&self) -> String {
        format!("{} {} {} {}", self.left, self.top, self.right, self.bottom)
    }

    /// `Rect.unflattenFromString`: four space-separated integers.
    pub fn unflatten_from_string(s: &str) -> Option<Self> {
        let mut it = s.split(' ');
        let mut next = || it.next().and_then(|v| v.parse::<i32>().ok());
        let r = Self::new(next()?, next()?, next()?, next()?);
        if it.next().is_some() {
            return None;
        }
        Some(r)
    }
}

/// An intent's extras in insertion order (a `Bundle` the way the URI grammar
/// sees it). Serialized as a JSON object `{key: {"type":…, "value":…}}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extras(Vec<(String, ExtraValue)>);

impl Extras {
    pub fn new() -> Self {
        Self::default()
    }

    /// `Bundle.putX`: replaces an existing value under the same key.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<ExtraValue>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&ExtraValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &ExtraValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, ExtraValue)> for Extras {
    fn from_iter<T: IntoIterator<Item = (String, ExtraValue)>>(iter: T) -> Self {
        let mut e = Extras::new();
        for (k, v) in iter {
            e.insert(k, v);
        }
        e
    }
}

impl Serialize for Extras {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Extras {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Extras;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of extra name to typed value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Extras, A::Error> {
                let mut e = Extras::new();
                while let Some((k, v)) = a.next_entry::<String, ExtraValue>()? {
                    e.insert(k, v);
                }
                Ok(e)
            }
        }
        d.deserialize_map(V)
    }
}

/// An `android.content.Intent` as far as pushlab needs it: everything the
/// intent-URI grammar and `am start` can carry.
///
/// JSON shape (the shared vectors use it): absent fields are `null`/empty;
/// `type` is the MIME type, `component` is `pkg/full.Class`, `launch_flags`
/// an integer, extras `{key: {"type":"string","value":"…"}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Intent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The data URI exactly as written (Android keeps it encoded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Categories in insertion order, without duplicates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// `Intent.setIdentifier` (API 29+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "LaunchFlags::is_empty")]
    pub launch_flags: LaunchFlags,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_bounds: Option<Rect>,
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extras: Extras,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<Box<Intent>>,
}

impl Intent {
    /// `new Intent(action)`.
    pub fn new(action: impl Into<String>) -> Self {
        Self {
            action: Some(action.into()),
            ..Self::default()
        }
    }

    /// `new Intent(ACTION_VIEW, Uri.parse(data))`.
    pub fn view(data: impl Into<String>) -> Self {
        Self {
            action: Some(ACTION_VIEW.to_string()),
            data: Some(data.into()),
            ..Self::default()
        }
    }

    /// An explicit launch of `component` (what `am start pkg/.Cls` builds).
    pub fn launch(component: ComponentName) -> Self {
        Self {
            action: Some(ACTION_MAIN.to_string()),
            categories: vec![CATEGORY_LAUNCHER.to_string()],
            component: Some(component),
            ..Self::default()
        }
    }

    /// `addCategory`: keeps the set semantics.
    pub fn add_category(&mut self, category: impl Into<String>) {
        let category = category.into();
        if !self.categories.contains(&category) {
            self.categories.push(category);
        }
    }

    pub fn with_component(mut self, component: ComponentName) -> Self {
        self.component = Some(component);
        self
    }

    pub fn with_flags(mut self, flags: u32) -> Self {
        self.launch_flags = LaunchFlags(self.launch_flags.0 | flags);
        self
    }

    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<ExtraValue>) -> Self {
        self.extras.insert(key, value);
        self
    }

    /// The scheme of the data URI, when it has one (`[A-Za-z0-9.+-]+:`).
    pub fn scheme(&self) -> Option<&str> {
        self.data
            .as_deref()
            .and_then(super::uri::split_scheme)
            .map(|(s, _)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_short_and_full_forms() {
        let c: ComponentName =
            "com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity"
                .parse()
                .unwrap();
        assert_eq!(c.package, "com.tencent.qcloud.tim.tuikit");
        assert_eq!(
            c.flatten_to_string(),
            "com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity"
        );
        let c: ComponentName = "com.example/.Main".parse().unwrap();
        assert_eq!(c.class, "com.example.Main");
        assert_eq!(c.to_string(), "com.example/.Main");
        assert!("nope".parse::<ComponentName>().is_err());
        assert!("/x".parse::<ComponentName>().is_err());
    }
}
