//! Reading an APK's binary `AndroidManifest.xml` for `pm install`.

use axmldecoder::Element;

use crate::android::apk::{attr, children, decode_manifest, manifest_root, plain, ApkError};

use super::packages::{ComponentInfo, IntentFilter, Manifest, PathMatch};
use super::types::InstallError;

/// The manifest of an APK file's bytes.
pub fn read_manifest(apk: &[u8], shown_path: &str) -> Result<Manifest, InstallError> {
    let error = |e| match e {
        ApkError::NotApk => InstallError::NotApk(shown_path.to_string()),
        ApkError::BadManifest(m) => InstallError::BadManifest(m),
    };
    let doc = decode_manifest(apk).map_err(error)?;
    manifest_from(manifest_root(&doc).map_err(error)?)
}

fn manifest_from(root: &Element) -> Result<Manifest, InstallError> {
    if root.get_tag() != "manifest" {
        return Err(InstallError::BadManifest("root is not <manifest>".into()));
    }
    let package = attr(root, "package")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| InstallError::BadManifest("<manifest> has no package name".into()))?;
    let app = children(root, "application").next();
    let label = app.and_then(|a| plain(attr(a, "label"))).unwrap_or(package);
    let mut m = Manifest::new(package, label);
    m.version_code = attr(root, "versionCode")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    m.version_name = plain(attr(root, "versionName"))
        .unwrap_or("1.0")
        .to_string();
    if let Some(sdk) = children(root, "uses-sdk").next() {
        m.min_sdk = attr(sdk, "minSdkVersion")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        m.target_sdk = attr(sdk, "targetSdkVersion")
            .and_then(|v| v.parse().ok())
            .unwrap_or(m.min_sdk);
    }
    m.requested_permissions = children(root, "uses-permission")
        .filter_map(|p| attr(p, "name"))
        .map(str::to_string)
        .collect();
    if let Some(app) = app {
        for (tag, list) in [
            ("activity", &mut m.activities),
            ("activity-alias", &mut Vec::new()),
            ("receiver", &mut m.receivers),
            ("service", &mut m.services),
        ] {
            for c in children(app, tag) {
                let Some(name) = attr(c, "name") else {
                    continue;
                };
                let filters: Vec<IntentFilter> =
                    children(c, "intent-filter").map(filter_from).collect();
                let mut info = ComponentInfo::new(qualify(package, name), filters);
                if let Some(e) = attr(c, "exported") {
                    info.exported = e == "true";
                }
                info.permission = attr(c, "permission").map(str::to_string);
                info.label = plain(attr(c, "label")).map(str::to_string);
                list.push(info);
            }
        }
    }
    Ok(m)
}

fn qualify(package: &str, class: &str) -> String {
    if let Some(rest) = class.strip_prefix('.') {
        format!("{package}.{rest}")
    } else if !class.contains('.') {
        format!("{package}.{class}")
    } else {
        class.to_string()
    }
}

fn filter_from(f: &Element) -> IntentFilter {
    let mut out = IntentFilter::default();
    for a in children(f, "action").filter_map(|a| attr(a, "name")) {
        out.actions.push(a.to_string());
    }
    for c in children(f, "category").filter_map(|a| attr(a, "name")) {
        out.categories.push(c.to_string());
    }
    for d in children(f, "data") {
        if let Some(s) = attr(d, "scheme") {
            out.schemes.push(s.to_string());
        }
        if let Some(h) = attr(d, "host") {
            out.hosts.push(h.to_string());
        }
        if let Some(p) = attr(d, "path") {
            out.paths.push(PathMatch::Literal(p.to_string()));
        }
        if let Some(p) = attr(d, "pathPrefix") {
            out.paths.push(PathMatch::Prefix(p.to_string()));
        }
        if let Some(p) = attr(d, "pathPattern") {
            out.paths.push(PathMatch::Pattern(p.to_string()));
        }
        if let Some(t) = attr(d, "mimeType") {
            out.mime_types.push(t.to_string());
        }
    }
    out
}
