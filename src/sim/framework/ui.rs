//! The simulated screen: the notification shade's layout (shared by
//! `uiautomator dump`, `input tap` and `screencap`), the hierarchy XML and
//! the PNG rendering.

use std::fmt::Write;

use super::state::{ActivityRecord, PostedNotification, State};
use crate::android::Rect;

/// Screen size in pixels (portrait, like a 1080p phone).
pub const SCREEN_W: i32 = 1080;
pub const SCREEN_H: i32 = 2400;
const STATUS_H: i32 = 96;
const HEADER_BOTTOM: i32 = 280;
const ROW_H: i32 = 240;
const ROW_GAP: i32 = 24;

/// One notification row of the open shade.
#[derive(Debug, Clone, PartialEq)]
pub struct ShadeRow {
    pub key: String,
    pub bounds: Rect,
    pub app_name: String,
    pub title: String,
    pub text: String,
}

/// The rows of the open shade, newest first.
pub fn shade_rows(st: &State) -> Vec<ShadeRow> {
    let mut out = Vec::new();
    for (i, n) in st.notifications.iter().rev().enumerate() {
        let top = HEADER_BOTTOM + 20 + i as i32 * (ROW_H + ROW_GAP);
        if top + ROW_H > SCREEN_H {
            break;
        }
        out.push(ShadeRow {
            key: n.key.clone(),
            bounds: Rect::new(32, top, SCREEN_W - 32, top + ROW_H),
            app_name: app_label(st, n),
            title: n.title.clone(),
            text: n.text.clone(),
        });
    }
    out
}

fn app_label(st: &State, n: &PostedNotification) -> String {
    st.packages
        .get(&n.package)
        .map(|p| p.manifest.label.clone())
        .unwrap_or_else(|| n.package.clone())
}

/// The notification under a point of the open shade.
pub fn row_at(st: &State, x: i32, y: i32) -> Option<String> {
    if !st.shade_open {
        return None;
    }
    shade_rows(st)
        .into_iter()
        .find(|r| {
            x >= r.bounds.left && x < r.bounds.right && y >= r.bounds.top && y < r.bounds.bottom
        })
        .map(|r| r.key)
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            c if (c as u32) < 0x20 => {}
            c => o.push(c),
        }
    }
    o
}

struct Node<'a> {
    index: usize,
    text: &'a str,
    id: &'a str,
    class: &'a str,
    package: &'a str,
    desc: &'a str,
    clickable: bool,
    scrollable: bool,
    bounds: Rect,
}

fn open(o: &mut String, n: &Node) {
    let _ = write!(
        o,
        "<node index=\"{}\" text=\"{}\" resource-id=\"{}\" class=\"{}\" package=\"{}\" content-desc=\"{}\" checkable=\"false\" checked=\"false\" clickable=\"{}\" enabled=\"true\" focusable=\"{}\" focused=\"false\" scrollable=\"{}\" long-clickable=\"{}\" password=\"false\" selected=\"false\" bounds=\"[{},{}][{},{}]\">",
        n.index,
        esc(n.text),
        n.id,
        n.class,
        n.package,
        esc(n.desc),
        n.clickable,
        n.clickable,
        n.scrollable,
        n.clickable,
        n.bounds.left,
        n.bounds.top,
        n.bounds.right,
        n.bounds.bottom
    );
}

/// `uiautomator dump`'s XML (one line) of what is on screen.
pub fn hierarchy_xml(st: &State) -> String {
    let mut o = String::from(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">",
    );
    let full = Rect::new(0, 0, SCREEN_W, SCREEN_H);
    if st.shade_open {
        shade_nodes(&mut o, st, full);
    } else if let Some((_, a)) = st.resumed() {
        app_nodes(&mut o, st, a, full);
    }
    o.push_str("</hierarchy>");
    o
}

/// The open notification shade's nodes: the stack and one row per
/// notification.
fn shade_nodes(o: &mut String, st: &State, full: Rect) {
    let sysui = super::packages::SYSTEMUI_PACKAGE;
    open(
        o,
        &Node {
            index: 0,
            text: "",
            id: "",
            class: "android.widget.FrameLayout",
            package: sysui,
            desc: "",
            clickable: false,
            scrollable: false,
            bounds: full,
        },
    );
    open(
        o,
        &Node {
            index: 0,
            text: "",
            id: "com.android.systemui:id/notification_stack_scroller",
            class: "android.view.ViewGroup",
            package: sysui,
            desc: "",
            clickable: false,
            scrollable: true,
            bounds: Rect::new(0, HEADER_BOTTOM, SCREEN_W, SCREEN_H),
        },
    );
    for (i, r) in shade_rows(st).iter().enumerate() {
        let desc = format!("{} notification: {}", r.app_name, r.title);
        open(
            o,
            &Node {
                index: i,
                text: "",
                id: "com.android.systemui:id/expandableNotificationRow",
                class: "android.widget.FrameLayout",
                package: sysui,
                desc: &desc,
                clickable: true,
                scrollable: false,
                bounds: r.bounds,
            },
        );
        let b = r.bounds;
        let parts = [
            (
                "android:id/app_name_text",
                r.app_name.as_str(),
                Rect::new(b.left + 40, b.top + 24, b.left + 668, b.top + 72),
            ),
            (
                "android:id/title",
                r.title.as_str(),
                Rect::new(b.left + 40, b.top + 84, b.right - 40, b.top + 144),
            ),
            (
                "android:id/text",
                r.text.as_str(),
                Rect::new(b.left + 40, b.top + 156, b.right - 40, b.top + 216),
            ),
        ];
        for (j, (id, text, bounds)) in parts.into_iter().enumerate() {
            open(
                o,
                &Node {
                    index: j,
                    text,
                    id,
                    class: "android.widget.TextView",
                    package: sysui,
                    desc: "",
                    clickable: false,
                    scrollable: false,
                    bounds,
                },
            );
            o.push_str("</node>");
        }
        o.push_str("</node>");
    }
    o.push_str("</node></node>");
}

/// The resumed activity's nodes: its label and its name.
fn app_nodes(o: &mut String, st: &State, a: &ActivityRecord, full: Rect) {
    let pkg = a.component.package.as_str();
    let label = st
        .packages
        .get(pkg)
        .map(|p| p.manifest.label.clone())
        .unwrap_or_default();
    let name = a.component.flatten_to_short_string();
    open(
        o,
        &Node {
            index: 0,
            text: "",
            id: "",
            class: "android.widget.FrameLayout",
            package: pkg,
            desc: "",
            clickable: false,
            scrollable: false,
            bounds: full,
        },
    );
    open(
        o,
        &Node {
            index: 0,
            text: &label,
            id: "android:id/title",
            class: "android.widget.TextView",
            package: pkg,
            desc: "",
            clickable: false,
            scrollable: false,
            bounds: Rect::new(0, STATUS_H, SCREEN_W, STATUS_H + 160),
        },
    );
    o.push_str("</node>");
    open(
        o,
        &Node {
            index: 1,
            text: &name,
            id: "android:id/content",
            class: "android.widget.TextView",
            package: pkg,
            desc: "",
            clickable: false,
            scrollable: false,
            bounds: Rect::new(0, STATUS_H + 160, SCREEN_W, SCREEN_H),
        },
    );
    o.push_str("</node></node>");
}

// ----- rendering ----------------------------------------------------------

/// The PNG is drawn at half the screen's resolution.
const SCALE_DOWN: i32 = 2;

struct Canvas {
    w: i32,
    h: i32,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: i32, h: i32, bg: [u8; 3]) -> Self {
        let mut px = Vec::with_capacity((w * h * 3) as usize);
        for _ in 0..w * h {
            px.extend_from_slice(&bg);
        }
        Canvas { w, h, px }
    }

    /// Fills a rectangle given in screen coordinates.
    fn fill(&mut self, r: Rect, c: [u8; 3]) {
        let (l, t) = (r.left / SCALE_DOWN, r.top / SCALE_DOWN);
        let (rr, b) = (r.right / SCALE_DOWN, r.bottom / SCALE_DOWN);
        for y in t.max(0)..b.min(self.h) {
            for x in l.max(0)..rr.min(self.w) {
                let i = ((y * self.w + x) * 3) as usize;
                self.px[i..i + 3].copy_from_slice(&c);
            }
        }
    }

    /// Draws text at a screen position with an 8x8 font scaled by `scale`
    /// (in canvas pixels), clipped at `max_x` (screen coordinates).
    fn text(&mut self, x: i32, y: i32, scale: i32, c: [u8; 3], s: &str, max_x: i32) {
        let (mut cx, cy) = (x / SCALE_DOWN, y / SCALE_DOWN);
        let limit = (max_x / SCALE_DOWN).min(self.w);
        for ch in s.chars() {
            if cx + 8 * scale > limit {
                break;
            }
            let code = if ch.is_ascii() && !ch.is_ascii_control() {
                ch as usize
            } else {
                b'?' as usize
            };
            let glyph = font8x8::legacy::BASIC_LEGACY[code];
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        for dy in 0..scale {
                            for dx in 0..scale {
                                let px = cx + col * scale + dx;
                                let py = cy + row as i32 * scale + dy;
                                if px >= 0 && py >= 0 && px < self.w && py < self.h {
                                    let i = ((py * self.w + px) * 3) as usize;
                                    self.px[i..i + 3].copy_from_slice(&c);
                                }
                            }
                        }
                    }
                }
            }
            cx += 8 * scale;
        }
    }

    fn png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.w as u32, self.h as u32);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Fast);
            let written = enc
                .write_header()
                .and_then(|mut w| w.write_image_data(&self.px));
            if written.is_err() {
                return Vec::new();
            }
        }
        out
    }
}

const WHITE: [u8; 3] = [255, 255, 255];
const DARK: [u8; 3] = [32, 33, 36];
const CARD: [u8; 3] = [48, 49, 52];
const GREY: [u8; 3] = [170, 174, 181];
const BLUE: [u8; 3] = [26, 115, 232];

/// `screencap -p`: a PNG of the screen (status bar; the shade's cards with
/// app name, title and text; or the resumed activity's name).
pub fn screenshot(st: &State, clock: &str) -> Vec<u8> {
    let mut c = Canvas::new(
        SCREEN_W / SCALE_DOWN,
        SCREEN_H / SCALE_DOWN,
        [240, 240, 240],
    );
    if st.shade_open {
        c.fill(Rect::new(0, 0, SCREEN_W, SCREEN_H), DARK);
        c.text(48, 140, 4, WHITE, clock, SCREEN_W);
        for r in shade_rows(st) {
            c.fill(r.bounds, CARD);
            let b = r.bounds;
            c.text(b.left + 40, b.top + 30, 2, GREY, &r.app_name, b.right - 40);
            c.text(b.left + 40, b.top + 90, 3, WHITE, &r.title, b.right - 40);
            c.text(
                b.left + 40,
                b.top + 162,
                2,
                [220, 220, 220],
                &r.text,
                b.right - 40,
            );
        }
        if st.notifications.is_empty() {
            c.text(300, 700, 3, GREY, "No notifications", SCREEN_W);
        }
    } else if let Some((t, a)) = st.resumed() {
        if t.home {
            c.fill(Rect::new(0, 0, SCREEN_W, SCREEN_H), [38, 70, 83]);
            c.text(380, 1100, 4, WHITE, "Home", SCREEN_W);
        } else {
            let label = st
                .packages
                .get(&a.component.package)
                .map(|p| p.manifest.label.clone())
                .unwrap_or_default();
            c.fill(Rect::new(0, STATUS_H, SCREEN_W, STATUS_H + 160), BLUE);
            c.text(48, STATUS_H + 56, 3, WHITE, &label, SCREEN_W);
            let short = a.component.flatten_to_short_string();
            let (pkg, cls) = short.split_once('/').unwrap_or((short.as_str(), ""));
            c.text(48, 600, 2, DARK, pkg, SCREEN_W);
            c.text(48, 660, 3, DARK, cls, SCREEN_W);
            let mut y = 780;
            for (k, v) in a.intent.extras.iter().take(12) {
                c.text(
                    48,
                    y,
                    2,
                    [90, 90, 90],
                    &format!("{k}={}", v.to_java_string()),
                    SCREEN_W,
                );
                y += 48;
            }
        }
    }
    c.fill(Rect::new(0, 0, SCREEN_W, STATUS_H), [0, 0, 0]);
    c.text(32, 30, 2, WHITE, clock, SCREEN_W);
    let n = st.notifications.len();
    if n > 0 {
        c.text(240, 30, 2, WHITE, &format!("{n} notif"), SCREEN_W);
    }
    c.text(SCREEN_W - 220, 30, 2, WHITE, "100%", SCREEN_W);
    c.png()
}
