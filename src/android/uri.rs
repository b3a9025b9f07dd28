//! `android.net.Uri.encode` / `Uri.decode`, the percent-encoding that intent
//! URIs use for every item value.

/// Why a percent-encoded string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad percent-encoding in `{0}`")]
pub struct DecodeError(pub String);

/// Characters `Uri.encode` never escapes: `A-Z a-z 0-9 _ - ! . ~ ' ( ) *`.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'-' | b'!' | b'.' | b'~' | b'\'' | b'(' | b')' | b'*'
        )
}

/// `Uri.encode(s)`: every byte of the UTF-8 form that is not unreserved
/// becomes `%XX` (upper-case hex).
pub fn encode(s: &str) -> String {
    encode_allowing(s, "")
}

/// `Uri.encode(s, allow)`: like [`encode`] but also keeps the ASCII
/// characters in `allow` (intent URIs keep `/` in `type=` and `component=`).
pub fn encode_allowing(s: &str, allow: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if is_unreserved(b) || (b.is_ascii() && allow.as_bytes().contains(&b)) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push_str(&format!("{b:02X}"));
        }
    }
    out
}

/// `Uri.decode(s)`: percent-decoding only (`+` stays `+`).
///
/// Android replaces a malformed escape or invalid UTF-8 with U+FFFD; pushlab
/// rejects it instead, so that a broken URI in a push certificate is reported
/// rather than silently altered.
pub fn decode(s: &str) -> Result<String, DecodeError> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| DecodeError(s.to_string()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError(s.to_string()))
}

/// Splits `scheme:rest` when `s` starts with a scheme (`[A-Za-z0-9.+-]+`
/// then `:`), the way `Intent.toUri` decides.
pub fn split_scheme(s: &str) -> Option<(&str, &str)> {
    for (i, c) in s.char_indices() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+') {
            continue;
        }
        if c == ':' && i > 0 {
            return Some((&s[..i], &s[i + 1..]));
        }
        return None;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_android() {
        assert_eq!(encode("a b;c=d/e"), "a%20b%3Bc%3Dd%2Fe");
        assert_eq!(encode_allowing("text/plain", "/"), "text/plain");
        assert_eq!(encode("_-!.~'()*"), "_-!.~'()*");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(decode("a%20b+c").unwrap(), "a b+c");
        assert!(decode("%zz").is_err());
        assert!(decode("%4").is_err());
        assert!(decode("%FF").is_err());
    }
}
