//! The intent-URI grammar: `Intent.toUri(URI_INTENT_SCHEME)` and
//! `Intent.parseUri(uri, flags)`.
//!
//! ```text
//! intent:<data without its scheme>#Intent;scheme=…;action=…;category=…;type=…;
//!     identifier=…;launchFlags=0x…;package=…;component=…;sourceBounds=…;
//!     <T>.<key>=<value>;…[SEL;<selector items>]end
//! ```
//!
//! Also read: `android-app://pkg[/scheme[/host[/path]]][#Intent;…end]`, the
//! `#Intent;…end` fragment after a normal URI (when the intent-scheme flag is
//! not given) and the pre-1.0 fragment `#action(…)categories(a!b)…extras(…)`.
//!
//! pushlab is stricter than Android in a few places, so that a broken URI in a
//! push certificate is reported instead of silently altered: a malformed `%`
//! escape, an unparsable `component=` or `sourceBounds=`, and a missing `end`
//! are errors (Android substitutes U+FFFD, drops the field, or loops).

use serde::{Deserialize, Serialize};

use super::intent::{
    ComponentName, ExtraValue, Intent, LaunchFlags, Rect, ACTION_MAIN, ACTION_VIEW,
};
use super::uri;
pub use super::uri::split_scheme;

/// The `Intent.URI_*` flags that change how a URI is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UriFlags {
    /// `URI_INTENT_SCHEME` (1): only `intent:` URIs carry an intent; anything
    /// else is a VIEW of the whole string.
    pub intent_scheme: bool,
    /// `URI_ANDROID_APP_SCHEME` (2): `android-app:` URIs carry an intent too.
    pub android_app_scheme: bool,
    /// `URI_ALLOW_UNSAFE` (4): keep the URI-grant launch flags.
    pub allow_unsafe: bool,
}

impl UriFlags {
    /// `URI_INTENT_SCHEME`, what apps and vendor push services use.
    pub const INTENT_SCHEME: UriFlags = UriFlags {
        intent_scheme: true,
        android_app_scheme: false,
        allow_unsafe: false,
    };
    /// What `am start <uri>` uses:
    /// `URI_INTENT_SCHEME | URI_ANDROID_APP_SCHEME | URI_ALLOW_UNSAFE`.
    pub const AM_START: UriFlags = UriFlags {
        intent_scheme: true,
        android_app_scheme: true,
        allow_unsafe: true,
    };

    /// From Android's integer form (`1`, `2`, `4` or'ed).
    pub fn from_bits(bits: u32) -> Self {
        UriFlags {
            intent_scheme: bits & 1 != 0,
            android_app_scheme: bits & 2 != 0,
            allow_unsafe: bits & 4 != 0,
        }
    }

    pub fn bits(self) -> u32 {
        u32::from(self.intent_scheme)
            | u32::from(self.android_app_scheme) << 1
            | u32::from(self.allow_unsafe) << 2
    }
}

/// Why an intent URI could not be read. [`IntentUriError::kind`] gives the
/// stable name used by the shared vectors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntentUriError {
    #[error("the `#Intent;` fragment is not terminated by `end`")]
    Unterminated,
    #[error("intent URI item `{0}` is not `name=value`")]
    MalformedItem(String),
    #[error("unknown extra type in `{0}` (expected one of S. B. b. c. d. f. i. l. s.)")]
    UnknownExtraType(String),
    #[error("launchFlags `{0}` is not an integer")]
    BadLaunchFlags(String),
    #[error("extra `{key}` of type {prefix} has a bad value `{value}`")]
    BadExtraValue {
        key: String,
        prefix: char,
        value: String,
    },
    #[error("bad percent-encoding in `{0}`")]
    BadPercentEncoding(String),
    #[error("component `{0}` is not `pkg/cls`")]
    BadComponent(String),
    #[error("sourceBounds `{0}` is not four integers")]
    BadSourceBounds(String),
    #[error("malformed legacy intent fragment: {0}")]
    BadLegacyFragment(String),
}

impl IntentUriError {
    /// A stable snake_case name for the error, as in `fixtures/intent-uris.json`.
    pub fn kind(&self) -> &'static str {
        match self {
            IntentUriError::Unterminated => "unterminated",
            IntentUriError::MalformedItem(_) => "malformed_item",
            IntentUriError::UnknownExtraType(_) => "unknown_extra_type",
            IntentUriError::BadLaunchFlags(_) => "bad_launch_flags",
            IntentUriError::BadExtraValue { .. } => "bad_extra_value",
            IntentUriError::BadPercentEncoding(_) => "bad_percent_encoding",
            IntentUriError::BadComponent(_) => "bad_component",
            IntentUriError::BadSourceBounds(_) => "bad_source_bounds",
            IntentUriError::BadLegacyFragment(_) => "bad_legacy_fragment",
        }
    }
}

impl From<uri::DecodeError> for IntentUriError {
    fn from(e: uri::DecodeError) -> Self {
        IntentUriError::BadPercentEncoding(e.0)
    }
}

impl Intent {
    /// `toUri(URI_INTENT_SCHEME)`.
    pub fn to_uri(&self) -> String {
        let mut out = String::new();
        let mut scheme = None;
        match &self.data {
            Some(data) => match split_scheme(data) {
                Some((s, rest)) => {
                    scheme = Some(s);
                    out.push_str("intent:");
                    out.push_str(rest);
                }
                None => out.push_str(data),
            },
            None => out.push_str("intent:"),
        }
        let mut frag = String::new();
        self.write_items(&mut frag, scheme, Some(ACTION_VIEW));
        if let Some(sel) = &self.selector {
            frag.push_str("SEL;");
            let sel_scheme = sel.data.as_deref().and_then(split_scheme).map(|(s, _)| s);
            sel.write_items(&mut frag, sel_scheme, None);
        }
        if !frag.is_empty() {
            out.push_str("#Intent;");
            out.push_str(&frag);
            out.push_str("end");
        }
        out
    }

    /// `toUriInner`: the `name=value;` items in Android's order.
    fn write_items(&self, out: &mut String, scheme: Option<&str>, default_action: Option<&str>) {
        let mut item = |name: &str, value: String| {
            out.push_str(name);
            out.push('=');
            out.push_str(&value);
            out.push(';');
        };
        if let Some(s) = scheme {
            item("scheme", uri::encode(s));
        }
        if let Some(a) = &self.action {
            if Some(a.as_str()) != default_action {
                item("action", uri::encode(a));
            }
        }
        for c in &self.categories {
            item("category", uri::encode(c));
        }
        if let Some(t) = &self.mime_type {
            item("type", uri::encode_allowing(t, "/"));
        }
        if let Some(id) = &self.identifier {
            item("identifier", uri::encode_allowing(id, "/"));
        }
        if !self.launch_flags.is_empty() {
            item("launchFlags", format!("0x{:x}", self.launch_flags.0));
        }
        if let Some(p) = &self.package {
            item("package", uri::encode(p));
        }
        if let Some(c) = &self.component {
            item(
                "component",
                uri::encode_allowing(&c.flatten_to_short_string(), "/"),
            );
        }
        if let Some(b) = &self.source_bounds {
            item("sourceBounds", uri::encode(&b.flatten_to_string()));
        }
        for (k, v) in self.extras.iter() {
            item(
                &format!("{}.{}", v.uri_prefix(), uri::encode(k)),
                uri::encode(&v.to_java_string()),
            );
        }
    }

    /// `Intent.parseUri(uri, URI_INTENT_SCHEME)`.
    pub fn parse_uri(s: &str) -> Result<Intent, IntentUriError> {
        Self::parse_uri_with(s, UriFlags::INTENT_SCHEME)
    }

    /// `Intent.parseUri(uri, flags)`.
    pub fn parse_uri_with(s: &str, flags: UriFlags) -> Result<Intent, IntentUriError> {
        let android_app = s.starts_with("android-app:");
        if (flags.intent_scheme || flags.android_app_scheme)
            && !s.starts_with("intent:")
            && !android_app
        {
            return Ok(Intent::view(s));
        }
        let hash = s.rfind('#');
        let fragment_at = match hash {
            None if !android_app => return Ok(Intent::view(s)),
            None => None,
            Some(i) if s[i..].starts_with("#Intent;") => Some(i),
            Some(_) if !android_app => return parse_legacy(s, flags),
            Some(_) => None,
        };
        let mut base = Intent::new(ACTION_VIEW);
        let data_part = match fragment_at {
            Some(i) => &s[..i],
            None => s,
        };
        let mut fragment = Fragment::default();
        if let Some(i) = fragment_at {
            parse_fragment(&s[i + "#Intent;".len()..], flags, &mut base, &mut fragment)?;
        }
        let Fragment {
            selector,
            explicit_action,
            scheme,
        } = fragment;
        if let Some(sel) = selector {
            if base.package.is_none() {
                base.selector = Some(Box::new(sel));
            }
        }
        let mut data = data_part.to_string();
        if let Some(rest) = data_part.strip_prefix("intent:") {
            data = match &scheme {
                Some(sc) => format!("{sc}:{rest}"),
                None => rest.to_string(),
            };
        } else if let Some(rest) = data_part.strip_prefix("android-app:") {
            data = match rest.strip_prefix("//") {
                Some(rest) => android_app_data(rest, &mut base, explicit_action),
                None => String::new(),
            };
        }
        if !data.is_empty() {
            base.data = Some(data);
        }
        Ok(base)
    }
}

/// What the `#Intent;…;end` items set besides the base intent.
#[derive(Default)]
struct Fragment {
    /// The `SEL` intent, when there is one.
    selector: Option<Intent>,
    /// An `action=` item for the base intent.
    explicit_action: bool,
    /// The `scheme=` item of the base intent.
    scheme: Option<String>,
}

/// Reads the items after `#Intent;` up to `end` into `base` (or its
/// selector after `SEL`).
fn parse_fragment(
    mut rest: &str,
    flags: UriFlags,
    base: &mut Intent,
    frag: &mut Fragment,
) -> Result<(), IntentUriError> {
    loop {
        if rest.starts_with("end") {
            return Ok(());
        }
        let semi = rest.find(';').ok_or(IntentUriError::Unterminated)?;
        let raw = &rest[..semi];
        rest = &rest[semi + 1..];
        if raw == "SEL" {
            frag.selector = Some(Intent::default());
            continue;
        }
        let in_selector = frag.selector.is_some();
        let target = frag.selector.as_mut().unwrap_or(&mut *base);
        let (name, value) = raw
            .split_once('=')
            .ok_or_else(|| IntentUriError::MalformedItem(raw.to_string()))?;
        let value = uri::decode(value)?;
        match name {
            "action" => {
                target.action = Some(value);
                if !in_selector {
                    frag.explicit_action = true;
                }
            }
            "category" => target.add_category(value),
            "type" => target.mime_type = Some(value),
            "identifier" => target.identifier = Some(value),
            "launchFlags" => {
                let mut f =
                    java_integer_decode(&value).ok_or(IntentUriError::BadLaunchFlags(value))?;
                if !flags.allow_unsafe {
                    f &= !LaunchFlags::IMMUTABLE;
                }
                target.launch_flags = LaunchFlags(f);
            }
            "package" => target.package = Some(value),
            "component" => {
                target.component = Some(
                    value
                        .parse::<ComponentName>()
                        .map_err(|_| IntentUriError::BadComponent(value))?,
                )
            }
            "scheme" if in_selector => target.data = Some(format!("{value}:")),
            "scheme" => frag.scheme = Some(value),
            "sourceBounds" => {
                target.source_bounds = Some(
                    Rect::unflatten_from_string(&value)
                        .ok_or(IntentUriError::BadSourceBounds(value))?,
                )
            }
            _ => {
                let (prefix, key) = extra_prefix(name)
                    .ok_or_else(|| IntentUriError::UnknownExtraType(raw.to_string()))?;
                let key = uri::decode(key)?;
                let v = parse_extra(prefix, &key, value)?;
                target.extras.insert(key, v);
            }
        }
    }
}

/// `android-app://pkg[/scheme[/host[/path]]]`: sets the package and returns
/// the data URI it names (empty for a bare package).
fn android_app_data(rest: &str, intent: &mut Intent, explicit_action: bool) -> String {
    let main = |intent: &mut Intent| {
        if !explicit_action {
            intent.action = Some(ACTION_MAIN.to_string());
        }
        String::new()
    };
    let Some((pkg, after)) = rest.split_once('/') else {
        intent.package = Some(rest.to_string());
        return main(intent);
    };
    intent.package = Some(pkg.to_string());
    if after.is_empty() {
        return main(intent);
    }
    match after.split_once('/') {
        None => format!("{after}:"),
        Some((scheme, after)) => match after.split_once('/') {
            None => format!("{scheme}:"),
            Some((authority, path)) => format!("{scheme}://{authority}/{path}"),
        },
    }
}

/// Splits `S.key` into its type letter and key.
fn extra_prefix(name: &str) -> Option<(char, &str)> {
    let mut chars = name.chars();
    let p = chars.next()?;
    if !matches!(p, 'S' | 'B' | 'b' | 'c' | 'd' | 'f' | 'i' | 'l' | 's') {
        return None;
    }
    name[1..].strip_prefix('.').map(|key| (p, key))
}

/// Reads an extra's value the way `Bundle.putX(key, X.parseX(value))` does.
fn parse_extra(prefix: char, key: &str, value: String) -> Result<ExtraValue, IntentUriError> {
    let bad = |value: &str| IntentUriError::BadExtraValue {
        key: key.to_string(),
        prefix,
        value: value.to_string(),
    };
    let v = match prefix {
        'S' => ExtraValue::String(value),
        'B' => ExtraValue::Boolean(value.eq_ignore_ascii_case("true")),
        'b' => ExtraValue::Byte(value.parse().map_err(|_| bad(&value))?),
        'c' => ExtraValue::Char(value.chars().next().ok_or_else(|| bad(&value))?),
        'd' => ExtraValue::Double(java_parse_double(&value).ok_or_else(|| bad(&value))?),
        'f' => ExtraValue::Float(java_parse_float(&value).ok_or_else(|| bad(&value))?),
        'i' => ExtraValue::Int(value.parse().map_err(|_| bad(&value))?),
        'l' => ExtraValue::Long(value.parse().map_err(|_| bad(&value))?),
        's' => ExtraValue::Short(value.parse().map_err(|_| bad(&value))?),
        _ => return Err(IntentUriError::UnknownExtraType(format!("{prefix}.{key}"))),
    };
    Ok(v)
}

/// A Java floating-point literal after `Double.parseDouble`'s clean-up.
enum JavaFloat {
    /// Sign and digits, ready for Rust's parser.
    Text(String),
    Infinity {
        negative: bool,
    },
    NaN,
}

/// `Double.parseDouble` / `Float.parseFloat` spellings: `Infinity`, `NaN`, a
/// trailing `d`/`f`, surrounding blanks, plain decimal and exponent forms.
fn java_float_text(s: &str) -> Option<JavaFloat> {
    let t = s.trim();
    let (negative, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    match body {
        "Infinity" => return Some(JavaFloat::Infinity { negative }),
        "NaN" => return Some(JavaFloat::NaN),
        _ => {}
    }
    let body = body.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(body);
    // Rust also accepts "inf"/"nan"; Java does not.
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
    {
        return None;
    }
    Some(JavaFloat::Text(if negative {
        format!("-{body}")
    } else {
        body.to_string()
    }))
}

fn java_parse_double(s: &str) -> Option<f64> {
    match java_float_text(s)? {
        JavaFloat::Text(t) => t.parse().ok(),
        JavaFloat::Infinity { negative } => Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
        JavaFloat::NaN => Some(f64::NAN),
    }
}

fn java_parse_float(s: &str) -> Option<f32> {
    match java_float_text(s)? {
        JavaFloat::Text(t) => t.parse().ok(),
        JavaFloat::Infinity { negative } => Some(if negative {
            f32::NEG_INFINITY
        } else {
            f32::INFINITY
        }),
        JavaFloat::NaN => Some(f32::NAN),
    }
}

/// `Integer.decode(s).intValue()`: optional sign, then `0x`/`0X`/`#` hex,
/// a leading `0` octal, or decimal; the value must fit an `int`.
pub fn java_integer_decode(s: &str) -> Option<u32> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, digits) =
        if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, h)
        } else if let Some(h) = body.strip_prefix('#') {
            (16, h)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || digits.starts_with(['-', '+']) {
        return None;
    }
    let magnitude = i64::from_str_radix(digits, radix).ok()?;
    let v = if neg { -magnitude } else { magnitude };
    let v = i32::try_from(v).ok()?;
    Some(v as u32)
}

/// The pre-1.0 fragment: `<data>#action(A)categories(a!b)type(T)launchFlags(F)component(pkg!cls)extras(Skey=v!ikey=1)`.
fn parse_legacy(s: &str, flags: UriFlags) -> Result<Intent, IntentUriError> {
    let bad = |m: &str| IntentUriError::BadLegacyFragment(m.to_string());
    let Some(hash) = s.rfind('#') else {
        return Ok(Intent::view(s));
    };
    let mut i = hash + 1;
    let mut is_fragment = false;
    let mut intent = Intent::default();
    // Takes `name(` at i and returns the text up to the next `)`.
    let section = |i: &mut usize, name: &str| -> Result<Option<String>, IntentUriError> {
        let open = format!("{name}(");
        if !s[*i..].starts_with(&open) {
            return Ok(None);
        }
        let start = *i + open.len();
        let end = s[start..]
            .find(')')
            .map(|e| start + e)
            .ok_or_else(|| bad(&format!("`{name}(` has no `)`")))?;
        *i = end + 1;
        Ok(Some(s[start..end].to_string()))
    };
    if let Some(a) = section(&mut i, "action")? {
        is_fragment = true;
        intent.action = Some(a);
    }
    if let Some(c) = section(&mut i, "categories")? {
        is_fragment = true;
        for cat in c.split('!').filter(|c| !c.is_empty()) {
            intent.add_category(cat);
        }
    }
    if let Some(t) = section(&mut i, "type")? {
        is_fragment = true;
        intent.mime_type = Some(t);
    }
    if let Some(f) = section(&mut i, "launchFlags")? {
        is_fragment = true;
        let mut v = java_integer_decode(&f).ok_or(IntentUriError::BadLaunchFlags(f))?;
        if !flags.allow_unsafe {
            v &= !LaunchFlags::IMMUTABLE;
        }
        intent.launch_flags = LaunchFlags(v);
    }
    if let Some(c) = section(&mut i, "component")? {
        is_fragment = true;
        if let Some((pkg, cls)) = c.split_once('!') {
            intent.component = Some(ComponentName::new(pkg, cls));
        }
    }
    if let Some(e) = section(&mut i, "extras")? {
        is_fragment = true;
        for item in e.split('!') {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| bad("EXTRA missing '='"))?;
            let mut chars = name.chars();
            let prefix = chars.next().ok_or_else(|| bad("EXTRA missing '='"))?;
            let key = chars.as_str();
            if key.is_empty() {
                return Err(bad("EXTRA missing '='"));
            }
            if value.is_empty() {
                return Err(bad("EXTRA missing '!'"));
            }
            if !matches!(prefix, 'S' | 'B' | 'b' | 'c' | 'd' | 'f' | 'i' | 'l' | 's') {
                return Err(IntentUriError::UnknownExtraType(item.to_string()));
            }
            let value = match prefix {
                'S' | 'c' => uri::decode(value)?,
                _ => value.to_string(),
            };
            let v = parse_extra(prefix, key, value)?;
            intent.extras.insert(key, v);
        }
    }
    intent.data = Some(if is_fragment {
        s[..hash].to_string()
    } else {
        s.to_string()
    });
    if intent.action.is_none() {
        intent.action = Some(ACTION_VIEW.to_string());
    }
    Ok(intent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_example_round_trips() {
        let uri = "intent://com.tencent.qcloud.tim/detail#Intent;scheme=pushscheme;launchFlags=0x4000000;component=com.tencent.qcloud.tim.tuikit/com.tencent.qcloud.tim.demo.chat.ChatActivity;end";
        let i = Intent::parse_uri(uri).unwrap();
        assert_eq!(
            i.data.as_deref(),
            Some("pushscheme://com.tencent.qcloud.tim/detail")
        );
        assert_eq!(i.action.as_deref(), Some(ACTION_VIEW));
        assert_eq!(i.launch_flags, LaunchFlags(0x0400_0000));
        assert_eq!(i.to_uri(), uri);
    }

    #[test]
    fn integer_decode_follows_java() {
        assert_eq!(java_integer_decode("0x10000000"), Some(0x1000_0000));
        assert_eq!(java_integer_decode("#10"), Some(16));
        assert_eq!(java_integer_decode("010"), Some(8));
        assert_eq!(java_integer_decode("-1"), Some(u32::MAX));
        assert_eq!(java_integer_decode("0x80000000"), None);
        assert_eq!(java_integer_decode("0x"), None);
        assert_eq!(java_integer_decode("12z"), None);
    }
}
