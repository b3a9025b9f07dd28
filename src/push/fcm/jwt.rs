//! The service-account assertion of Google's JWT-bearer flow: an RS256 JWT
//! the client signs with the account's private key and the simulated token
//! endpoint checks against the public half. Signing and checking are the
//! `jsonwebtoken` crate's; this module only fixes the header and claims
//! google-auth uses, and the answers the token endpoint gives.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The claims the client signs (the same as google-auth's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub aud: Value,
    pub iat: i64,
    pub exp: i64,
}

/// Why an assertion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the assertion is not a JWT")]
    Malformed,
    #[error("unsupported JWT algorithm {0:?}")]
    Algorithm(String),
    #[error("Invalid JWT Signature.")]
    Signature,
}

/// Reads an RSA private key PEM (PKCS#8 as Google writes it, or PKCS#1).
pub fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, String> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("private_key is not an RSA PEM key: {e}"))
}

/// The signing key `jsonwebtoken` makes of an RSA private key.
pub fn encoding_key(key: &RsaPrivateKey) -> Result<EncodingKey, String> {
    key.to_pkcs1_der()
        .map(|der| EncodingKey::from_rsa_der(der.as_bytes()))
        .map_err(|e| format!("private_key cannot be encoded: {e}"))
}

/// The verifying key `jsonwebtoken` makes of an RSA public key.
pub fn decoding_key(key: &RsaPublicKey) -> Result<DecodingKey, String> {
    key.to_pkcs1_der()
        .map(|der| DecodingKey::from_rsa_der(der.as_bytes()))
        .map_err(|e| format!("public key cannot be encoded: {e}"))
}

/// Signs `claims` as an RS256 JWT with `kid` in its header, as google-auth
/// does (`{"typ":"JWT","alg":"RS256","kid":…}`).
pub fn sign_assertion(key: &EncodingKey, kid: &str, claims: &Claims) -> Result<String, String> {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, key)
        .map_err(|e| format!("cannot sign the assertion: {e}"))
}

/// An assertion's header and claims, read before its signature is checked:
/// the issuer names the account whose key checks it.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub header: Header,
    pub claims: Claims,
}

/// Reads an assertion without checking its signature; only RS256 is
/// accepted.
pub fn read_assertion(token: &str) -> Result<Assertion, JwtError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError::Malformed)?;
    let claims = jsonwebtoken::dangerous::insecure_decode_claims::<Claims>(token)
        .map_err(|_| JwtError::Malformed)?;
    if header.alg != Algorithm::RS256 {
        return Err(JwtError::Algorithm(format!("{:?}", header.alg)));
    }
    Ok(Assertion { header, claims })
}

/// Checks the assertion's RS256 signature against `key`. Only the
/// signature: the token endpoint checks the lifetime itself, to answer as
/// Google does, and ignores the audience (see its notes).
pub fn verify_assertion(token: &str, key: &DecodingKey) -> Result<(), JwtError> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<serde::de::IgnoredAny>(token, key, &validation)
        .map(|_| ())
        .map_err(|_| JwtError::Signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap())
    }

    fn claims() -> Claims {
        Claims {
            iss: "sa@example.iam.gserviceaccount.com".into(),
            scope: "s".into(),
            aud: Value::Null,
            iat: 100,
            exp: 200,
        }
    }

    fn signed() -> String {
        sign_assertion(&encoding_key(key()).unwrap(), "kid-1", &claims()).unwrap()
    }

    #[test]
    fn a_signed_assertion_reads_back_and_verifies_with_the_public_half() {
        let token = signed();
        let a = read_assertion(&token).unwrap();
        assert_eq!(a.claims, claims());
        assert_eq!(a.header.kid.as_deref(), Some("kid-1"));
        let public = decoding_key(&key().to_public_key()).unwrap();
        assert_eq!(verify_assertion(&token, &public), Ok(()));
    }

    #[test]
    fn a_tampered_assertion_fails_the_signature_check() {
        let token = signed();
        let (rest, sig) = token.rsplit_once('.').unwrap();
        let flipped = if sig.starts_with('A') { "B" } else { "A" };
        let tampered = format!("{rest}.{flipped}{}", &sig[1..]);
        let public = decoding_key(&key().to_public_key()).unwrap();
        assert_eq!(
            verify_assertion(&tampered, &public),
            Err(JwtError::Signature)
        );
    }

    #[test]
    fn not_a_jwt_and_other_algorithms_are_refused_when_read() {
        assert_eq!(read_assertion("abc").unwrap_err(), JwtError::Malformed);
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(b"k").unwrap(),
        )
        .unwrap();
        assert_eq!(
            read_assertion(&hs).unwrap_err(),
            JwtError::Algorithm("HS256".into())
        );
    }
}
