//! Host keys in Android's `adbkey.pub` / `adb_keys` format.

use base64::Engine;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};

/// Modulus words of the only key size Android's struct holds (2048 bits).
const WORDS: usize = 64;

/// `key` as one `adb_keys` line: base64 of the 524-byte `RSAPublicKey`
/// struct (word count, n0inv, modulus, R² mod n, exponent; all
/// little-endian), a space and `comment`. `None` unless `key` is a 2048-bit
/// RSA key with a 32-bit exponent, the only shape adbd reads.
pub fn android_public_key(key: &RsaPublicKey, comment: &str) -> Option<String> {
    let n = key.n();
    if n.bits() != WORDS * 32 {
        return None;
    }
    let mut modulus = n.to_bytes_le();
    modulus.resize(WORDS * 4, 0);
    let n0 = u32::from_le_bytes([modulus[0], modulus[1], modulus[2], modulus[3]]);
    // The inverse of n0 modulo 2^32 by Newton's iteration (n is odd); each
    // step doubles the correct low bits: 1, 2, 4, ... 32.
    let mut inv: u32 = 1;
    for _ in 0..5 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(n0.wrapping_mul(inv)));
    }
    let mut rr = ((BigUint::from(1u8) << (WORDS * 32 * 2)) % n).to_bytes_le();
    rr.resize(WORDS * 4, 0);
    let mut exponent = key.e().to_bytes_le();
    if exponent.len() > 4 {
        return None;
    }
    exponent.resize(4, 0);
    let mut raw = Vec::with_capacity(12 + 2 * WORDS * 4);
    raw.extend_from_slice(&(WORDS as u32).to_le_bytes());
    raw.extend_from_slice(&inv.wrapping_neg().to_le_bytes());
    raw.extend_from_slice(&modulus);
    raw.extend_from_slice(&rr);
    raw.extend_from_slice(&exponent);
    Some(format!(
        "{} {comment}",
        base64::engine::general_purpose::STANDARD.encode(&raw)
    ))
}
