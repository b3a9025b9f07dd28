//! Parsers for Android's real output formats, one module each.
//!
//! Every parser is a pure function over text, reads fields by key rather than
//! by position, skips lines it does not understand (vendor ROMs add fields),
//! and never panics on any input.

pub mod activity;
pub mod am_start;
pub mod bugreport;
pub mod getprop;
pub mod logcat;
pub mod notification;
pub mod package_version;
pub mod packages;
pub mod process;
pub mod uiautomator;

pub use activity::{parse_activities, ActivityRecordRef, ActivityState, ResumedSource};
pub use am_start::{parse_am_start, AmStartError, AmStartResult, AmStatus};
pub use getprop::{format_getprop, parse_getprop};
pub use logcat::{parse_logcat, LogLevel, LogLine, NoChannelFound};
pub use notification::{parse_channel, parse_notification_preferences, parse_notification_records};
pub use package_version::{parse_package_version, PackageVersion};
pub use packages::{parse_pm_list_packages, PackageEntry};
pub use process::{parse_pidof, parse_ps, ProcessInfo};
pub use uiautomator::{parse_ui_dump, UiDumpError, UiHierarchy, UiNode};

/// Splits `a=1, b=x, c={y, z}` style `toString()` bodies into key/value pairs:
/// a new pair starts at `, <identifier>=`. Values keep inner commas that are
/// not followed by `key=`.
pub(crate) fn split_comma_kv(body: &str) -> Vec<(&str, &str)> {
    let mut starts = Vec::new();
    let bytes = body.as_bytes();
    // Candidate key starts: position 0 and every position after ", ".
    let mut candidates = vec![0usize];
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b',' && bytes[i + 1] == b' ' {
            candidates.push(i + 2);
        }
        i += 1;
    }
    for c in candidates {
        let rest = &body[c..];
        let key_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
            .count();
        if key_len > 0 && rest.as_bytes().get(key_len) == Some(&b'=') {
            starts.push((c, key_len));
        }
    }
    let mut out = Vec::with_capacity(starts.len());
    for (n, &(c, key_len)) in starts.iter().enumerate() {
        let value_start = c + key_len + 1;
        let value_end = match starts.get(n + 1) {
            Some(&(next, _)) => next - 2,
            None => body.len(),
        };
        let value = body
            .get(value_start..value_end.max(value_start))
            .unwrap_or("");
        out.push((&body[c..c + key_len], value));
    }
    out
}

/// The value of `key=` in a space-separated run of `k=v` tokens (the value
/// ends at the next space).
pub(crate) fn token_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("{key}=");
    let mut search = 0;
    while let Some(pos) = line.get(search..)?.find(&pat) {
        let at = search + pos;
        let boundary = at == 0 || matches!(line.as_bytes()[at - 1], b' ' | b'(' | b'{' | b',');
        if boundary {
            let rest = &line[at + pat.len()..];
            let end = rest.find([' ', ',', ')']).unwrap_or(rest.len());
            return Some(&rest[..end]);
        }
        search = at + pat.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_to_string_bodies_by_key() {
        let kv = split_comma_kv("mId='a', mName=Hello, world, mImportance=3, mAudioAttributes=A: usage=X flags=0x800 tags= bundle=null, mX=1");
        assert_eq!(
            kv,
            vec![
                ("mId", "'a'"),
                ("mName", "Hello, world"),
                ("mImportance", "3"),
                (
                    "mAudioAttributes",
                    "A: usage=X flags=0x800 tags= bundle=null"
                ),
                ("mX", "1")
            ]
        );
        assert_eq!(
            token_value("pkg=a id=3 originalFlags=1 flags=0x2", "flags"),
            Some("0x2")
        );
        assert_eq!(token_value("x", "flags"), None);
    }
}
