//! Sections of a bugreport (`DUMP OF SERVICE [CRITICAL ]<name>:`).
//!
//! `dumpsys notification` is registered with two dump priorities, so a
//! bugreport splits it: records under `DUMP OF SERVICE CRITICAL notification:`,
//! preferences and channels under `DUMP OF SERVICE notification:`.

const HEADER: &str = "DUMP OF SERVICE ";

/// The bodies of every `DUMP OF SERVICE [<priority> ]<service>:` section of
/// `text`, concatenated in order. When `text` has no such header at all it is
/// taken to be the plain command output and returned whole.
pub fn service_sections<'a>(text: &'a str, service: &str) -> std::borrow::Cow<'a, str> {
    if !text.lines().any(|l| l.starts_with(HEADER)) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(HEADER) {
            let name = rest.trim_end().trim_end_matches(':');
            let name = name.rsplit(' ').next().unwrap_or(name);
            inside = name == service;
            continue;
        }
        if line.starts_with("------")
            || line.starts_with("--------- ") && line.contains("was the duration of")
        {
            // Section separators and dumpsys duration footers.
            if line.contains("was the duration of dumpsys") {
                inside = false;
            }
            continue;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_both_priorities_of_a_service() {
        let br = "DUMP OF SERVICE CRITICAL notification:\nA\n--------- 0.02s was the duration of dumpsys notification, ending at: x\nDUMP OF SERVICE package:\nB\nDUMP OF SERVICE notification:\nC\n";
        assert_eq!(service_sections(br, "notification"), "A\nC\n");
        assert_eq!(service_sections("plain\n", "notification"), "plain\n");
    }
}
