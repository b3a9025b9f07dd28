//! `getprop` without arguments: every system property, one `[key]: [value]`
//! line each, sorted by key.

use std::collections::BTreeMap;

/// Reads every `[key]: [value]` line into a map (a later duplicate wins).
/// Lines that are not of that shape (warnings, a value broken over lines)
/// are skipped.
pub fn parse_getprop(output: &str) -> BTreeMap<String, String> {
    output.lines().filter_map(parse_line).collect()
}

/// One `[key]: [value]` line. The key cannot contain `]` (property names
/// are letters, digits and `._-:@`), so the first `]: [` ends it; the value
/// runs to the last `]`, whatever it contains.
fn parse_line(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('[')?;
    let (key, value) = rest.split_once("]: [")?;
    let value = value.strip_suffix(']')?;
    (!key.is_empty()).then(|| (key.to_string(), value.to_string()))
}

/// The listing `getprop` prints for `props` (the inverse of
/// [`parse_getprop`] for values without line breaks).
pub fn format_getprop(props: &BTreeMap<String, String>) -> String {
    props
        .iter()
        .map(|(k, v)| format!("[{k}]: [{v}]\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_a_phone_listing() {
        let out = "[dalvik.vm.heapsize]: [512m]\r\n\
                   [persist.sys.locale]: [zh-CN]\r\n\
                   [ro.build.display.id]: [TQ3A.230901.001 release-keys]\r\n\
                   [ro.empty]: []\r\n\
                   [ro.odd]: [a]: [b]]\r\n\
                   not a property\n\
                   [broken]: [no end\n";
        let props = parse_getprop(out);
        assert_eq!(props["persist.sys.locale"], "zh-CN");
        assert_eq!(props["ro.build.display.id"], "TQ3A.230901.001 release-keys");
        assert_eq!(props["ro.empty"], "");
        assert_eq!(props["ro.odd"], "a]: [b]");
        assert!(!props.contains_key("broken"));
        assert_eq!(props.len(), 5);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_getprop(&s);
        }

        #[test]
        fn never_panics_on_near_misses(s in "[\\[\\]: a\\r\\n]{0,64}") {
            let _ = parse_getprop(&s);
        }

        #[test]
        fn round_trips(props in proptest::collection::btree_map(
            "[a-zA-Z0-9._:@-]{1,32}",
            "[^\\n]{0,40}",
            0..16,
        )) {
            prop_assert_eq!(parse_getprop(&format_getprop(&props)), props);
        }
    }
}
