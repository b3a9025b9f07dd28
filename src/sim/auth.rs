//! adbd's host authentication: the `AUTH` token/signature/public-key flow.
//!
//! A secure adbd sends a random 20-byte token; the host signs it with each of
//! its private keys (RSA PKCS#1 v1.5 with the SHA-1 DigestInfo, the token
//! standing in for the digest) until one verifies against the device's
//! `adb_keys`, and otherwise offers its public key, which a real device
//! shows to the user. The simulator never has a user to ask, so with an
//! explicit key list an unknown host stays `unauthorized`.

use std::path::Path;

use base64::Engine;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};

/// Size of the token adbd sends.
pub const TOKEN_SIZE: usize = 20;
/// Size of Android's binary RSA public key struct (2048-bit keys).
pub const ANDROID_PUBKEY_SIZE: usize = 524;
const MODULUS_WORDS: u32 = 64;

/// Which hosts the device lets in.
#[derive(Debug, Clone, Default)]
pub enum AuthPolicy {
    /// Like `ro.adb.secure=0`: no `AUTH` at all, `CNXN` is answered at once.
    Disabled,
    /// Run the token flow but accept whatever signature or key the host
    /// offers (a device that has already trusted every computer).
    #[default]
    AcceptAny,
    /// Accept only hosts whose signature verifies against one of these keys.
    Keys(Vec<AdbPublicKey>),
}

/// Why a key or key file does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("public key is not valid base64")]
    Base64,
    #[error("public key struct has {0} bytes, expected 524")]
    Size(usize),
    #[error("public key struct declares {0} modulus words, expected 64")]
    Words(u32),
    #[error("public key is not a valid RSA key")]
    Rsa,
    #[error("{path}:{line}: {source}")]
    InFile {
        path: String,
        line: usize,
        source: Box<KeyError>,
    },
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
}

/// One host public key as listed in `adb_keys` / `adbkey.pub`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdbPublicKey {
    key: RsaPublicKey,
    /// The `user@host` comment, if any.
    pub comment: String,
}

impl AdbPublicKey {
    /// Parses one `adb_keys` line: base64 of the Android key struct, then an
    /// optional comment. A trailing NUL (as in `AUTH RSAPUBLICKEY`) is allowed.
    pub fn parse_line(line: &str) -> Result<Self, KeyError> {
        let line = line.trim_matches(|c: char| c == '\0' || c.is_whitespace());
        let (b64, comment) = match line.split_once(char::is_whitespace) {
            Some((b, c)) => (b, c.trim().to_string()),
            None => (line, String::new()),
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| KeyError::Base64)?;
        Ok(AdbPublicKey {
            key: Self::decode_struct(&raw)?,
            comment,
        })
    }

    fn decode_struct(raw: &[u8]) -> Result<RsaPublicKey, KeyError> {
        if raw.len() != ANDROID_PUBKEY_SIZE {
            return Err(KeyError::Size(raw.len()));
        }
        let word = |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
        let words = word(0);
        if words != MODULUS_WORDS {
            return Err(KeyError::Words(words));
        }
        let n = BigUint::from_bytes_le(&raw[8..8 + 256]);
        let e = BigUint::from(word(8 + 512));
        RsaPublicKey::new(n, e).map_err(|_| KeyError::Rsa)
    }

    /// Whether `signature` is this key's signature over `token`.
    pub fn verifies(&self, token: &[u8], signature: &[u8]) -> bool {
        self.key
            .verify(Pkcs1v15Sign::new::<sha1::Sha1>(), token, signature)
            .is_ok()
    }

    /// Reads an `adb_keys` file: one key per line, blank lines and `#`
    /// comments skipped.
    pub fn load_file(path: &Path) -> Result<Vec<Self>, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| KeyError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|(i, l)| {
                Self::parse_line(l).map_err(|e| KeyError::InFile {
                    path: path.display().to_string(),
                    line: i + 1,
                    source: Box::new(e),
                })
            })
            .collect()
    }
}

impl AuthPolicy {
    /// Whether the host's signature over `token` lets it in.
    pub fn accepts_signature(&self, token: &[u8], signature: &[u8]) -> bool {
        match self {
            AuthPolicy::Disabled | AuthPolicy::AcceptAny => true,
            AuthPolicy::Keys(keys) => keys.iter().any(|k| k.verifies(token, signature)),
        }
    }

    /// Whether an offered public key is let in without a signature (the
    /// "Allow USB debugging?" prompt that only an accept-all device answers).
    pub fn accepts_offered_key(&self) -> bool {
        !matches!(self, AuthPolicy::Keys(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_keys_are_errors_not_panics() {
        assert_eq!(AdbPublicKey::parse_line("!!!"), Err(KeyError::Base64));
        assert_eq!(
            AdbPublicKey::parse_line("QUFB user@host"),
            Err(KeyError::Size(3))
        );
        let mut raw = vec![0u8; ANDROID_PUBKEY_SIZE];
        raw[0] = 63;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
        assert_eq!(AdbPublicKey::parse_line(&b64), Err(KeyError::Words(63)));
    }
}
