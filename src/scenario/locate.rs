//! Finds where a path (`cases[2].steps[3].send`) sits in a YAML text, for
//! errors found after parsing (semantic checks), which serde cannot place.
//!
//! It reads the block structure by indentation, which is how scenario files
//! are written; for anything it cannot follow it answers the deepest
//! position it did find, so an error always has a line.
//!
//! Hand-written because no YAML crate gives this for the parser that reads
//! the files: `serde_yaml_ng` places only its own syntax and type errors,
//! and its values keep no positions. The crates that keep positions
//! (`marked-yaml`, `saphyr`'s markers) are whole second YAML parsers with
//! their own reading of a document; placing a path needs only the block
//! structure of the same text, which is this small reader.

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    pub fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }
}

/// Renders a path as `cases[2].steps[3].send`.
pub fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

struct Line<'a> {
    /// Column (0-based, in chars) where the content starts, after
    /// indentation and any `- ` sequence markers.
    content_col: usize,
    /// Columns of the `- ` markers on this line.
    dashes: Vec<usize>,
    content: &'a str,
}

fn lines(text: &str) -> Vec<Option<Line<'_>>> {
    text.lines()
        .map(|raw| {
            let mut col = 0;
            let mut dashes = Vec::new();
            let mut rest = raw;
            loop {
                let trimmed = rest.trim_start_matches(' ');
                col += rest.len() - trimmed.len();
                rest = trimmed;
                if rest == "-" || rest.starts_with("- ") {
                    dashes.push(col);
                    col += 1;
                    rest = &rest[1..];
                } else {
                    break;
                }
            }
            if rest.is_empty() && dashes.is_empty() || rest.starts_with('#') {
                None
            } else {
                Some(Line {
                    content_col: col,
                    dashes,
                    content: rest,
                })
            }
        })
        .collect()
}

/// 1-based (line, column) of the node at `path`, or of its nearest ancestor
/// that could be found.
pub fn locate(text: &str, path: &[Seg]) -> (usize, usize) {
    let ls = lines(text);
    // The current node: the line range it spans and the column its
    // children are deeper than.
    let (mut start, mut end) = (0usize, ls.len());
    let mut parent_col: isize = -1;
    let mut found = first_content(&ls, 0, ls.len()).unwrap_or((1, 1));
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let hit = (start..end).find_map(|i| {
                    let l = ls[i].as_ref()?;
                    let key_match = l.content.starts_with(&format!("{k}:"))
                        || l.content.starts_with(&format!("\"{k}\":"));
                    (key_match && l.content_col as isize > parent_col).then_some((i, l.content_col))
                });
                match hit {
                    Some((i, col)) => {
                        found = (i + 1, col + 1);
                        let next = block_end(&ls, i + 1, end, col);
                        start = i;
                        end = next;
                        parent_col = col as isize;
                        // The key's own line counts for inline children.
                    }
                    None => {
                        // A flow mapping on one line: `{key: ...}`.
                        if let Some((i, col)) = (start..end).find_map(|i| {
                            let l = ls[i].as_ref()?;
                            l.content
                                .find(&format!("{k}:"))
                                .map(|p| (i, l.content_col + l.content[..p].chars().count()))
                        }) {
                            found = (i + 1, col + 1);
                        }
                        return found;
                    }
                }
            }
            Seg::Index(n) => {
                // Items: lines in range with a dash deeper than the parent.
                let mut items = Vec::new();
                let mut item_col = None;
                for (i, l) in ls.iter().enumerate().take(end).skip(start) {
                    let Some(l) = l.as_ref() else { continue };
                    for &d in &l.dashes {
                        if d as isize >= parent_col && item_col.is_none_or(|c| d <= c) {
                            if item_col != Some(d) {
                                items.clear();
                                item_col = Some(d);
                            }
                            items.push(i);
                            break;
                        }
                    }
                }
                match (items.get(*n), item_col) {
                    (Some(&i), Some(col)) => {
                        let l = ls[i].as_ref().map(|l| l.content_col).unwrap_or(col);
                        found = (i + 1, l + 1);
                        let next = items.get(n + 1).copied().unwrap_or(end);
                        start = i;
                        end = next;
                        parent_col = col as isize;
                    }
                    _ => return found,
                }
            }
        }
    }
    found
}

fn first_content(ls: &[Option<Line<'_>>], start: usize, end: usize) -> Option<(usize, usize)> {
    (start..end).find_map(|i| ls[i].as_ref().map(|l| (i + 1, l.content_col + 1)))
}

/// The first line after `from` whose content (or first dash) is not deeper
/// than `col`.
fn block_end(ls: &[Option<Line<'_>>], from: usize, end: usize, col: usize) -> usize {
    (from..end)
        .find(|&i| {
            ls[i].as_ref().is_some_and(|l| {
                let first = l.dashes.first().copied().unwrap_or(l.content_col);
                first < col || (first == col && l.dashes.is_empty())
            })
        })
        .unwrap_or(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "vendor: xiaomi\ncases:\n  - name: a\n    steps:\n      - login\n      - send:\n          text: hi\n  - name: b\n    steps:\n      - expect_no_notification: {reason: im.nope}\n";

    #[test]
    fn finds_keys_items_and_flow_keys() {
        assert_eq!(locate(DOC, &[Seg::key("vendor")]), (1, 1));
        assert_eq!(locate(DOC, &[Seg::key("cases"), Seg::Index(1)]), (8, 5));
        let p = [
            Seg::key("cases"),
            Seg::Index(0),
            Seg::key("steps"),
            Seg::Index(1),
            Seg::key("send"),
            Seg::key("text"),
        ];
        assert_eq!(locate(DOC, &p), (7, 11));
        let p = [
            Seg::key("cases"),
            Seg::Index(1),
            Seg::key("steps"),
            Seg::Index(0),
            Seg::key("expect_no_notification"),
            Seg::key("reason"),
        ];
        assert_eq!(locate(DOC, &p), (10, 34));
        assert_eq!(
            render(&p),
            "cases[1].steps[0].expect_no_notification.reason"
        );
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in ["", "-", "- - -", ":\n  :", "a:\n\t- b", "ü: - ü"] {
            locate(text, &[Seg::key("a"), Seg::Index(3), Seg::key("ü")]);
        }
    }
}
