//! `uiautomator dump` XML: `<hierarchy rotation="0"><node index text
//! resource-id class package content-desc … bounds="[l,t][r,b]">…`.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use serde::{Deserialize, Serialize};

use crate::android::Rect;

/// Why a dump could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UiDumpError {
    /// `ERROR: null root node` and similar: uiautomator could not take the
    /// dump (often while an animation runs); retry.
    #[error("uiautomator reported: {0}")]
    Reported(String),
    #[error("no <hierarchy> element in the dump")]
    NoHierarchy,
    #[error("malformed uiautomator XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
}

/// One `<node>`, flattened in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiNode {
    /// Index of the parent in [`UiHierarchy::nodes`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    pub depth: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resource_id: String,
    pub class: String,
    pub package: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content_desc: String,
    pub clickable: bool,
    pub enabled: bool,
    pub focused: bool,
    pub selected: bool,
    pub checked: bool,
    pub scrollable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounds: Option<Rect>,
}

/// A parsed dump.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UiHierarchy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<u32>,
    pub nodes: Vec<UiNode>,
}

impl UiHierarchy {
    /// Nodes whose text or content description equals `text`.
    pub fn find_text<'a>(&'a self, text: &'a str) -> impl Iterator<Item = &'a UiNode> + 'a {
        self.nodes
            .iter()
            .filter(move |n| n.text == text || n.content_desc == text)
    }

    /// Nodes with this `resource-id` (`android:id/title`).
    pub fn find_resource_id<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a UiNode> + 'a {
        self.nodes.iter().filter(move |n| n.resource_id == id)
    }

    /// The nearest clickable ancestor-or-self of node `i` (what a tap hits).
    pub fn clickable_ancestor(&self, mut i: usize) -> Option<&UiNode> {
        loop {
            let n = self.nodes.get(i)?;
            if n.clickable {
                return Some(n);
            }
            i = n.parent?;
        }
    }
}

/// `[l,t][r,b]`.
pub fn parse_bounds(s: &str) -> Option<Rect> {
    let s = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    let (a, b) = s.split_once("][")?;
    let (l, t) = a.split_once(',')?;
    let (r, btm) = b.split_once(',')?;
    Some(Rect::new(
        l.trim().parse().ok()?,
        t.trim().parse().ok()?,
        r.trim().parse().ok()?,
        btm.trim().parse().ok()?,
    ))
}

/// Parses the output of `uiautomator dump /dev/tty` or the dumped file.
/// Text around the XML (`UI hierchary dumped to: …`) is ignored.
pub fn parse_ui_dump(output: &str) -> Result<UiHierarchy, UiDumpError> {
    let Some(start) = output.find("<hierarchy").or_else(|| output.find("<?xml")) else {
        if let Some(err) = output.lines().find(|l| l.trim_start().starts_with("ERROR")) {
            return Err(UiDumpError::Reported(err.trim().to_string()));
        }
        return Err(UiDumpError::NoHierarchy);
    };
    let xml = &output[start..];
    let end = xml
        .find("</hierarchy>")
        .map(|e| e + "</hierarchy>".len())
        .unwrap_or(xml.len());
    let xml = &xml[..end];
    let mut reader = Reader::from_str(xml);
    let mut h = UiHierarchy::default();
    let mut stack: Vec<usize> = Vec::new();
    let mut saw_hierarchy = false;
    loop {
        let ev = reader.read_event().map_err(|e| UiDumpError::Xml {
            position: reader.buffer_position(),
            message: e.to_string(),
        })?;
        match ev {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"hierarchy" => {
                saw_hierarchy = true;
                h.rotation = attr(&e, b"rotation").and_then(|r| r.parse().ok());
            }
            Event::Start(e) if e.name().as_ref() == b"node" => {
                let i = push_node(&mut h, &e, stack.last().copied(), stack.len());
                stack.push(i);
            }
            Event::Empty(e) if e.name().as_ref() == b"node" => {
                push_node(&mut h, &e, stack.last().copied(), stack.len());
            }
            Event::End(e) if e.name().as_ref() == b"node" => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_hierarchy {
        return Err(UiDumpError::NoHierarchy);
    }
    Ok(h)
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            a.normalized_value(XmlVersion::Explicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
        })
}

fn push_node(
    h: &mut UiHierarchy,
    e: &BytesStart<'_>,
    parent: Option<usize>,
    depth: usize,
) -> usize {
    let s = |n: &[u8]| attr(e, n).unwrap_or_default();
    let b = |n: &[u8]| attr(e, n).is_some_and(|v| v == "true");
    h.nodes.push(UiNode {
        parent,
        depth,
        text: s(b"text"),
        resource_id: s(b"resource-id"),
        class: s(b"class"),
        package: s(b"package"),
        content_desc: s(b"content-desc"),
        clickable: b(b"clickable"),
        enabled: b(b"enabled"),
        focused: b(b"focused"),
        selected: b(b"selected"),
        checked: b(b"checked"),
        scrollable: b(b"scrollable"),
        bounds: attr(e, b"bounds").and_then(|v| parse_bounds(&v)),
    });
    h.nodes.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nodes_and_reported_errors() {
        let x = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\"><node text=\"A &amp; B\" class=\"c\" package=\"p\" clickable=\"true\" bounds=\"[0,0][10,20]\"><node text=\"x\" bounds=\"[1,2][3,4]\" /></node></hierarchy>UI hierchary dumped to: /dev/tty";
        let h = parse_ui_dump(x).unwrap();
        assert_eq!(h.nodes.len(), 2);
        assert_eq!(h.nodes[0].text, "A & B");
        assert_eq!(h.nodes[1].parent, Some(0));
        assert_eq!(
            h.clickable_ancestor(1).map(|n| n.text.as_str()),
            Some("A & B")
        );
        assert_eq!(
            parse_ui_dump("ERROR: null root node returned by UiTestAutomationBridge.\n"),
            Err(UiDumpError::Reported(
                "ERROR: null root node returned by UiTestAutomationBridge.".into()
            ))
        );
    }
}
