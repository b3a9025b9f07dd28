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
