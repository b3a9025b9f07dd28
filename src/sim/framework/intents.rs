//! How Android prints intents: `Intent.toShortString` and
//! `Uri.toSafeString`, as they appear in `am` output and log lines.

use crate::android::uri::split_scheme;
use crate::android::Intent;

/// `Uri.toSafeString()`: sensitive schemes masked, web URLs reduced to
/// `scheme://host/...`, everything else without query and fragment.
pub fn safe_uri(data: &str) -> String {
    let Some((scheme, ssp)) = split_scheme(data) else {
        return data.split(['?', '#']).next().unwrap_or("").to_string();
    };
    let ssp = ssp.split(['?', '#']).next().unwrap_or("");
    let lower = scheme.to_ascii_lowercase();
    match lower.as_str() {
        "tel" | "sip" | "sms" | "smsto" | "mailto" | "nfc" => {
            let masked: String = ssp
                .chars()
                .map(|c| if matches!(c, '-' | '@' | '.') { c } else { 'x' })
                .collect();
            format!("{scheme}:{masked}")
        }
        "http" | "https" | "ftp" | "rtsp" => {
            let auth = ssp.strip_prefix("//").unwrap_or(ssp);
            let auth = auth.split('/').next().unwrap_or("");
            let host = auth.rsplit('@').next().unwrap_or(auth);
            format!("{scheme}://{host}/...")
        }
        _ => format!("{scheme}:{ssp}"),
    }
}

/// `Intent.toShortString(secure, comp=true, extras=true, clip=true)`:
/// `act=… cat=[…] dat=… typ=… flg=0x… pkg=… cmp=… bnds=… (has extras) sel=…`.
pub fn short_string(intent: &Intent, secure: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(a) = &intent.action {
        parts.push(format!("act={a}"));
    }
    if !intent.categories.is_empty() {
        parts.push(format!("cat=[{}]", intent.categories.join(",")));
    }
    if let Some(d) = &intent.data {
        parts.push(format!(
            "dat={}",
            if secure { safe_uri(d) } else { d.clone() }
        ));
    }
    if let Some(t) = &intent.mime_type {
        parts.push(format!("typ={t}"));
    }
    if let Some(id) = &intent.identifier {
        parts.push(format!("id={id}"));
    }
    if intent.launch_flags.0 != 0 {
        parts.push(format!("flg=0x{:x}", intent.launch_flags.0));
    }
    if let Some(p) = &intent.package {
        parts.push(format!("pkg={p}"));
    }
    if let Some(c) = &intent.component {
        parts.push(format!("cmp={}", c.flatten_to_short_string()));
    }
    if let Some(b) = &intent.source_bounds {
        parts.push(format!("bnds={}", b.flatten_to_string()));
    }
    if !intent.extras.is_empty() {
        parts.push("(has extras)".into());
    }
    if let Some(sel) = &intent.selector {
        parts.push(format!("sel={{{}}}", short_string(sel, secure)));
    }
    parts.join(" ")
}

/// `Intent.toString()`: `Intent { <short string> }`.
pub fn intent_string(intent: &Intent) -> String {
    format!("Intent {{ {} }}", short_string(intent, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::ComponentName;

    #[test]
    fn prints_like_android() {
        let mut i = Intent::launch(ComponentName::new(
            "com.facebook.encapp",
            "com.facebook.encapp.MainActivity",
        ));
        i.extras.insert("list_codecs", "a");
        assert_eq!(
            intent_string(&i),
            "Intent { act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] cmp=com.facebook.encapp/.MainActivity (has extras) }"
        );
        let v = Intent::view("https://example.com/a?b=c").with_flags(0x1000_0000);
        assert_eq!(
            short_string(&v, true),
            "act=android.intent.action.VIEW dat=https://example.com/... flg=0x10000000"
        );
        assert_eq!(
            safe_uri("pushscheme://com.pushlab.demo/detail?x=1"),
            "pushscheme://com.pushlab.demo/detail"
        );
        assert_eq!(safe_uri("tel:+1-555"), "tel:xx-xxx");
    }
}
