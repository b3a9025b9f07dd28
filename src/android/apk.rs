//! What an APK file says about itself: its package and version, read from
//! the binary `AndroidManifest.xml` inside the zip. The host reads it to
//! tell whether a device's installed companion app is current; the
//! simulated device reads the whole manifest on `pm install`.

use std::io::{Cursor, Read};

use axmldecoder::{Element, Node, XmlDocument};

/// Why an APK could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApkError {
    /// Not a zip with an `AndroidManifest.xml`.
    #[error("not an APK (no AndroidManifest.xml in a zip)")]
    NotApk,
    /// The binary manifest is unreadable or lacks what every APK has.
    #[error("bad AndroidManifest.xml: {0}")]
    BadManifest(String),
}

/// An APK's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApkInfo {
    pub package: String,
    /// `android:versionCode` (1 when absent, as the package manager reads it).
    pub version_code: i64,
    /// `android:versionName` (empty when absent).
    pub version_name: String,
    /// `<uses-sdk android:minSdkVersion>` (1 when absent).
    pub min_sdk: u32,
}

impl ApkInfo {
    /// Reads an APK file's bytes.
    pub fn from_bytes(apk: &[u8]) -> Result<ApkInfo, ApkError> {
        let doc = decode_manifest(apk)?;
        let root = manifest_root(&doc)?;
        let package = attr(root, "package")
            .filter(|p| !p.is_empty())
            .ok_or_else(|| ApkError::BadManifest("<manifest> has no package name".into()))?
            .to_string();
        let min_sdk = children(root, "uses-sdk")
            .next()
            .and_then(|s| attr(s, "minSdkVersion"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        Ok(ApkInfo {
            package,
            version_code: attr(root, "versionCode")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1),
            version_name: plain(attr(root, "versionName"))
                .unwrap_or_default()
                .to_string(),
            min_sdk,
        })
    }
}

/// An APK's decoded binary manifest.
pub(crate) fn decode_manifest(apk: &[u8]) -> Result<XmlDocument, ApkError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(apk)).map_err(|_| ApkError::NotApk)?;
    let mut entry = zip
        .by_name("AndroidManifest.xml")
        .map_err(|_| ApkError::NotApk)?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|_| ApkError::NotApk)?;
    // The decoder indexes tables from the file; keep a malformed file from
    // taking the caller down.
    let doc = std::panic::catch_unwind(|| axmldecoder::parse(&bytes))
        .map_err(|_| ApkError::BadManifest("unreadable binary XML".into()))?
        .map_err(|e| ApkError::BadManifest(e.to_string()))?;
    Ok(doc)
}

/// The root `<manifest>` element of a decoded manifest.
pub(crate) fn manifest_root(doc: &XmlDocument) -> Result<&Element, ApkError> {
    match doc.get_root() {
        Some(Node::Element(root)) if root.get_tag() == "manifest" => Ok(root),
        Some(Node::Element(_)) => Err(ApkError::BadManifest("root is not <manifest>".into())),
        _ => Err(ApkError::BadManifest("no <manifest>".into())),
    }
}

/// An `android:` attribute (or a plain one of that name).
pub(crate) fn attr<'a>(e: &'a Element, name: &str) -> Option<&'a str> {
    let attrs = e.get_attributes();
    attrs
        .get(&format!("android:{name}"))
        .or_else(|| attrs.get(name))
        .map(String::as_str)
}

/// Child elements with a tag.
pub(crate) fn children<'a>(e: &'a Element, tag: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
    e.get_children().iter().filter_map(move |n| match n {
        Node::Element(c) if c.get_tag() == tag => Some(c),
        _ => None,
    })
}

/// A literal attribute value (a resource reference is not one).
pub(crate) fn plain(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.starts_with("ResourceValueType::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_apks_are_refused() {
        assert_eq!(ApkInfo::from_bytes(b"not a zip"), Err(ApkError::NotApk));
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("classes.dex", zip::write::SimpleFileOptions::default())
            .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(ApkInfo::from_bytes(&bytes), Err(ApkError::NotApk));
    }

    #[test]
    fn garbage_manifests_are_errors_not_panics() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(
            "AndroidManifest.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(&[3, 0, 8, 0, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3])
            .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert!(matches!(
            ApkInfo::from_bytes(&bytes),
            Err(ApkError::BadManifest(_))
        ));
    }
}
