//! `dumpsys notification [--noredact]`: the `Notification List` records and
//! the preferences section (`AppSettings:` with its `NotificationChannel{…}`
//! lines). Works on plain command output and on bugreports.

use std::collections::BTreeMap;

use crate::android::notification::{
    AppNotificationSettings, NotificationChannel, NotificationRecord, NotificationText,
    PendingIntentSummary, NOTIFICATION_FLAG_NAMES,
};
use crate::android::Importance;

use super::bugreport::service_sections;
use super::{split_comma_kv, token_value};

const RECORD: &str = "NotificationRecord(";
const CHANNEL: &str = "NotificationChannel{";

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Every `NotificationRecord(…)` block, in the order printed.
pub fn parse_notification_records(dump: &str) -> Vec<NotificationRecord> {
    let text = service_sections(dump, "notification");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if !trimmed.starts_with(RECORD) {
            i += 1;
            continue;
        }
        let head_indent = indent(line);
        let mut end = i + 1;
        // Unredacted text may hold newlines: inside `extras={…}` a line with
        // no indentation is a continuation, not the end of the record.
        let mut in_extras = false;
        while end < lines.len() {
            let l = lines[end];
            let lt = l.trim();
            if lt.starts_with(RECORD) && indent(l) <= head_indent {
                break;
            }
            if lt.starts_with("extras={") {
                in_extras = true;
            } else if in_extras && lt == "}" {
                in_extras = false;
            } else if !in_extras && !lt.is_empty() && indent(l) <= head_indent {
                break;
            }
            end += 1;
        }
        if let Some(rec) = parse_record(trimmed, &lines[i + 1..end]) {
            out.push(rec);
        }
        i = end.max(i + 1);
    }
    out
}

fn parse_record(header: &str, body: &[&str]) -> Option<NotificationRecord> {
    let mut rec = parse_header(header)?;
    let mut j = 0;
    while j < body.len() {
        let line = body[j];
        j += 1;
        let Some((k, v)) = line.trim().split_once('=') else {
            continue;
        };
        match k {
            "uid" => rec.uid = v.split_whitespace().next().and_then(|u| u.parse().ok()),
            "opPkg" => rec.op_pkg = Some(v.to_string()),
            "flags" => {
                if let Some(f) = parse_flags(v) {
                    rec.flags = Some(f);
                }
            }
            "key" if !v.is_empty() => rec.key = v.to_string(),
            "seen" => rec.seen = v.parse().ok(),
            "groupKey" => rec.group_key = Some(v.to_string()),
            "when" => rec.when = v.split('/').next().and_then(|w| w.parse().ok()),
            "contentIntent" if v != "null" => rec.content_intent = Some(parse_pending_intent(v)),
            "mImportance" if rec.importance.is_none() => rec.importance = Importance::parse(v),
            "effectiveNotificationChannel" => rec.effective_channel = parse_channel(v),
            "extras" if v.starts_with('{') => j = parse_extras(&mut rec, body, j, indent(line)),
            _ => {}
        }
    }
    Some(rec)
}

/// The record's header line: `NotificationRecord(0x… : pkg=… user=… id=…
/// tag=… importance=… key=…: Notification(channel=… flags=… vis=…))`.
fn parse_header(header: &str) -> Option<NotificationRecord> {
    let pkg = token_value(header, "pkg")?.to_string();
    let user = header
        .find("user=UserHandle{")
        .and_then(|p| {
            let rest = &header[p + "user=UserHandle{".len()..];
            rest.split('}').next()?.parse().ok()
        })
        .unwrap_or(0);
    let header_key = header.find(" key=").map(|p| {
        let rest = &header[p + " key=".len()..];
        let end = rest
            .find(": Notification(")
            .into_iter()
            .chain(rest.find(' '))
            .min()
            .unwrap_or(rest.len());
        rest[..end].trim_end_matches(':').to_string()
    });
    let notif = header
        .find("Notification(")
        .map(|p| &header[p..])
        .unwrap_or("");
    Some(NotificationRecord {
        pkg,
        user,
        id: token_value(header, "id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        tag: token_value(header, "tag")
            .filter(|t| *t != "null")
            .map(str::to_string),
        key: header_key.unwrap_or_default(),
        channel: token_value(notif, "channel")
            .filter(|c| *c != "null")
            .map(str::to_string),
        title: None,
        text: None,
        flags: token_value(notif, "flags").and_then(parse_flags),
        content_intent: None,
        importance: token_value(header, "importance")
            .and_then(|v| v.parse::<i32>().ok())
            .and_then(Importance::from_int),
        uid: None,
        op_pkg: None,
        group_key: None,
        when: None,
        seen: None,
        visibility: token_value(notif, "vis").map(|v| v.trim_end_matches(')').to_string()),
        category: token_value(notif, "category").map(str::to_string),
        effective_channel: None,
        extras: BTreeMap::new(),
    })
}

/// The `extras={ … }` block starting at `body[j]`: every key into
/// `rec.extras`, title and text parsed. Returns the line after the block.
fn parse_extras(
    rec: &mut NotificationRecord,
    body: &[&str],
    mut j: usize,
    extras_indent: usize,
) -> usize {
    while j < body.len() {
        let l = body[j];
        let lt = l.trim();
        if lt == "}" && indent(l) <= extras_indent + 4 {
            return j + 1;
        }
        j += 1;
        let Some((ek, ev)) = lt.split_once('=') else {
            continue;
        };
        let mut value = ev.to_string();
        // `--noredact` prints text with newlines as is: keep reading until
        // the parenthesis closes.
        if opens_paren(ev) {
            while !value.ends_with(')') && j < body.len() && body[j].trim() != "}" {
                value.push('\n');
                value.push_str(body[j]);
                j += 1;
            }
        }
        match ek {
            "android.title" => rec.title = Some(parse_text(&value)),
            "android.text" => rec.text = Some(parse_text(&value)),
            _ => {}
        }
        rec.extras.insert(ek.to_string(), value);
    }
    j
}

fn opens_paren(v: &str) -> bool {
    v.split_once(" (")
        .is_some_and(|(class, _)| !class.contains(' '))
}

/// `0x68`, or the symbolic `ONGOING_EVENT|FOREGROUND_SERVICE` of Android 15+.
fn parse_flags(v: &str) -> Option<u32> {
    let v = v.trim();
    if let Some(hex) = v.strip_prefix("0x") {
        return u32::from_str_radix(hex, 16).ok();
    }
    if let Ok(d) = v.parse::<u32>() {
        return Some(d);
    }
    let mut bits = 0;
    let mut any = false;
    for name in v.split('|') {
        if let Some((_, b)) = NOTIFICATION_FLAG_NAMES.iter().find(|(n, _)| *n == name) {
            bits |= b;
            any = true;
        }
    }
    any.then_some(bits)
}

/// `String (Hello)`, `String [length=5]`, `String`, `null`.
fn parse_text(v: &str) -> NotificationText {
    let v = v.trim_start();
    if v == "null" {
        return NotificationText::Null;
    }
    if let Some((_class, rest)) = v.split_once(" (") {
        let value = rest.strip_suffix(')').unwrap_or(rest);
        return NotificationText::Plain {
            value: value.to_string(),
        };
    }
    if let Some((class, rest)) = v.split_once(" [length=") {
        let length = rest.trim_end_matches(']').parse().ok();
        return NotificationText::Redacted {
            class: class.to_string(),
            length,
        };
    }
    NotificationText::Redacted {
        class: v.to_string(),
        length: None,
    }
}

/// `PendingIntent{f8475c5: PendingIntentRecord{8e59cf5 android startActivity (allowlist: …)}}`.
fn parse_pending_intent(v: &str) -> PendingIntentSummary {
    let mut package = String::new();
    let mut kind = String::new();
    if let Some(p) = v.find("PendingIntentRecord{") {
        let mut parts = v[p + "PendingIntentRecord{".len()..].split([' ', '}']);
        let _hash = parts.next();
        package = parts.next().unwrap_or("").to_string();
        kind = parts.next().unwrap_or("").to_string();
    }
    PendingIntentSummary {
        package,
        kind,
        raw: v.to_string(),
    }
}

/// One `NotificationChannel{mId='…', mName=…, …}` (the text may continue
/// after the closing brace). Fields are read by key; unknown ones are skipped.
pub fn parse_channel(s: &str) -> Option<NotificationChannel> {
    let start = s.find(CHANNEL)? + CHANNEL.len();
    let body = &s[start..];
    let body = body.strip_suffix('}').unwrap_or(body);
    let kv = split_comma_kv(body);
    let get = |k: &str| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let unquote = |v: &str| v.trim_matches('\'').to_string();
    let id = unquote(get("mId")?);
    let importance = get("mImportance")
        .and_then(Importance::parse)
        .unwrap_or(Importance::Unspecified);
    Some(NotificationChannel {
        id,
        name: get("mName").map(str::to_string),
        importance,
        has_description: get("mDescription").is_some_and(|d| !d.trim().is_empty()),
        group: get("mGroup").map(unquote).filter(|g| g != "null"),
        deleted: get("mDeleted").and_then(|d| d.parse().ok()),
        show_badge: get("mShowBadge").and_then(|d| d.parse().ok()),
        package: None,
    })
}

/// The preferences section: one entry per `AppSettings:` line with the
/// channels listed under it.
pub fn parse_notification_preferences(dump: &str) -> Vec<AppNotificationSettings> {
    let text = service_sections(dump, "notification");
    let mut out: Vec<AppNotificationSettings> = Vec::new();
    let mut current: Option<(usize, AppNotificationSettings)> = None;
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("AppSettings: ") {
            if let Some((_, app)) = current.take() {
                out.push(app);
            }
            current = parse_app_settings(rest).map(|a| (indent(line), a));
            continue;
        }
        let Some((app_indent, app)) = current.as_mut() else {
            continue;
        };
        if t.is_empty() {
            continue;
        }
        if indent(line) <= *app_indent {
            if let Some((_, app)) = current.take() {
                out.push(app);
            }
            continue;
        }
        if t.starts_with(CHANNEL) {
            if let Some(mut ch) = parse_channel(t) {
                ch.package = Some(app.package.clone());
                app.channels.push(ch);
            }
        }
    }
    if let Some((_, app)) = current.take() {
        out.push(app);
    }
    out
}

/// `<pkg> (<uid>) importance=<NAME> userSet=<bool>`.
fn parse_app_settings(rest: &str) -> Option<AppNotificationSettings> {
    let mut parts = rest.split_whitespace();
    let package = parts.next()?.to_string();
    let uid = parts.next()?.trim_matches(['(', ')']).parse().ok()?;
    Some(AppNotificationSettings {
        package,
        uid,
        importance: token_value(rest, "importance")
            .and_then(Importance::parse)
            .unwrap_or(Importance::Unspecified),
        user_set: token_value(rest, "userSet").and_then(|v| v.parse().ok()),
        channels: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_noredact_record_with_multiline_text() {
        let dump = "  Notification List:\n    NotificationRecord(0x0abc: pkg=com.x user=UserHandle{0} id=7 tag=t importance=4 key=0|com.x|7|t|10123 bbbc=0: Notification(channel=msg shortcut=null flags=0x10 vis=PRIVATE))\n      uid=10123 userId=0\n      flags=AUTO_CANCEL|ONLY_ALERT_ONCE\n      notification=\n            contentIntent=PendingIntent{1: PendingIntentRecord{2 com.x startActivity}}\n            extras={\n                android.title=String (Hi (there))\n                android.text=String (line one\nline two)\n            }\n  Snoozed notifications:\n";
        let recs = parse_notification_records(dump);
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.key, "0|com.x|7|t|10123");
        assert_eq!(r.tag.as_deref(), Some("t"));
        assert_eq!(r.flags, Some(0x18));
        assert_eq!(r.title_text(), Some("Hi (there)"));
        assert_eq!(r.text_text(), Some("line one\nline two"));
        assert_eq!(
            r.content_intent.as_ref().map(|c| c.kind.as_str()),
            Some("startActivity")
        );
    }
}
