//! Request and reply signing with a shared key: HMAC-SHA256 over a timestamp and the frame.
//!
//! A signed request is two frames: the JSON body, untouched, and `v1:<unix ms>:<hex mac>` where
//! the MAC covers `v1:<unix ms>:` followed by the body. Keeping the body byte-for-byte unsigned
//! means any client (pyzmq included) signs what it sends without canonicalising JSON, and a
//! Lazy Pirate resend re-signs the same body with a fresh timestamp. A signature is accepted
//! once: the timestamp window bounds how long a captured frame could be replayed, and the
//! gateway remembers every signature inside that window ([`SeenSignatures`]) to refuse the
//! replay itself.
//!
//! Replies of a keyed gateway are two frames too: the JSON, then `v1r:<unix ms>:<hex mac>` where
//! the MAC covers `v1r:<unix ms>:`, the request's signature frame as received (empty if it had
//! none), a newline, and the reply body. The scheme differs so that a reply can never pass for a
//! request, and the request's signature is in it so that a captured reply cannot be passed off
//! as the answer to another request.

mod replay;

pub use replay::{SeenSignatures, DEFAULT_MAX_SEEN_SIGNATURES};

use std::path::Path;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;
/// The bytes of one HMAC-SHA256 tag.
pub const TAG_BYTES: usize = 32;

/// How far a request's timestamp may be from the gateway's clock.
pub const DEFAULT_SIGNATURE_WINDOW: Duration = Duration::from_secs(30);
/// Shortest key accepted: 128 bits.
pub const MIN_KEY_BYTES: usize = 16;
const SCHEME: &str = "v1";
const REPLY_SCHEME: &str = "v1r";

/// A request signature that verified: its timestamp and tag, what [`SeenSignatures`] remembers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Signature {
    /// The signer's clock, ms since the Unix epoch.
    pub timestamp_ms: u64,
    /// The HMAC-SHA256 tag.
    pub tag: [u8; TAG_BYTES],
}

/// Why a request was refused, or a key could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No signature frame.
    #[error("request is not signed")]
    Unsigned,
    /// The signature frame is not `v1:<ms>:<hex>`.
    #[error("signature frame is malformed")]
    Malformed,
    /// The timestamp is outside the window.
    #[error("signature timestamp is {skew_ms} ms from the gateway's clock; at most {window_ms} ms allowed")]
    OutsideWindow {
        /// Distance from the gateway's clock.
        skew_ms: u64,
        /// The window.
        window_ms: u64,
    },
    /// The MAC does not match.
    #[error("signature does not match")]
    Forged,
    /// A signature that was already accepted within the window: a replayed frame.
    #[error("signature already used: a request is accepted once; sign a resend afresh")]
    Replayed,
    /// The window holds as many signatures as the gateway remembers.
    #[error("too many signed requests within the window ({0} remembered); retry shortly")]
    TooManySignatures(usize),
    /// The configured key is too short.
    #[error("shared key must be at least {MIN_KEY_BYTES} bytes, got {0}")]
    KeyTooShort(usize),
    /// The key file could not be read.
    #[error("cannot read key file: {0}")]
    KeyFile(String),
}

/// The secret shared by the gateway and its clients.
#[derive(Clone)]
pub struct SharedKey(Vec<u8>);

impl std::fmt::Debug for SharedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedKey(..)")
    }
}

impl SharedKey {
    /// A key from raw bytes, refused when shorter than [`MIN_KEY_BYTES`].
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<SharedKey, AuthError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(AuthError::KeyTooShort(bytes.len()));
        }
        Ok(SharedKey(bytes))
    }

    /// A key read from a file, trailing whitespace removed (so `echo secret > key` works).
    pub fn from_file(path: &Path) -> Result<SharedKey, AuthError> {
        let text = std::fs::read(path).map_err(|e| AuthError::KeyFile(e.to_string()))?;
        let end = text
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        SharedKey::new(&text[..end])
    }

    fn mac(&self, scheme: &str, timestamp_ms: u64, parts: &[&[u8]]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(format!("{scheme}:{timestamp_ms}:").as_bytes());
        for part in parts {
            mac.update(part);
        }
        mac
    }

    fn frame(&self, scheme: &str, timestamp_ms: u64, parts: &[&[u8]]) -> Vec<u8> {
        let tag = self
            .mac(scheme, timestamp_ms, parts)
            .finalize()
            .into_bytes();
        format!("{scheme}:{timestamp_ms}:{}", to_hex(&tag)).into_bytes()
    }

    /// The signature frame for the request `body` at `timestamp_ms`.
    pub fn sign(&self, body: &[u8], timestamp_ms: u64) -> Vec<u8> {
        self.frame(SCHEME, timestamp_ms, &[body])
    }

    /// Checks the signature frame of a request `body`: the window first (cheap), then the MAC in
    /// constant time. Returns the signature, for [`SeenSignatures`] to remember.
    ///
    /// ```
    /// use std::time::Duration;
    /// use gateway_example::security::{AuthError, SharedKey};
    ///
    /// let key = SharedKey::new("sixteen-bytes-or-more").unwrap();
    /// let signature = key.sign(b"{}", 1_000);
    /// let window = Duration::from_secs(30);
    /// assert!(key.verify(b"{}", Some(&signature), 2_000, window).is_ok());
    /// assert_eq!(key.verify(b"{ }", Some(&signature), 2_000, window), Err(AuthError::Forged));
    /// ```
    pub fn verify(
        &self,
        body: &[u8],
        signature: Option<&[u8]>,
        now_ms: u64,
        window: Duration,
    ) -> Result<Signature, AuthError> {
        self.check(SCHEME, &[body], signature, now_ms, window)
    }

    /// The signature frame of a reply `body` to the request signed with `request_signature`.
    pub fn sign_reply(&self, request_signature: &[u8], body: &[u8], timestamp_ms: u64) -> Vec<u8> {
        self.frame(
            REPLY_SCHEME,
            timestamp_ms,
            &[request_signature, b"\n", body],
        )
    }

    /// Checks a reply's signature frame, as a client does with the signature of its request.
    ///
    /// ```
    /// use std::time::Duration;
    /// use gateway_example::security::SharedKey;
    ///
    /// let key = SharedKey::new("sixteen-bytes-or-more").unwrap();
    /// let request = key.sign(b"{}", 1_000);
    /// let reply = key.sign_reply(&request, b"{\"ok\":true}", 1_050);
    /// let window = Duration::from_secs(30);
    /// assert!(key.verify_reply(&request, b"{\"ok\":true}", Some(&reply), 1_100, window).is_ok());
    /// // The same reply does not answer another request.
    /// let other = key.sign(b"{}", 1_001);
    /// assert!(key.verify_reply(&other, b"{\"ok\":true}", Some(&reply), 1_100, window).is_err());
    /// ```
    pub fn verify_reply(
        &self,
        request_signature: &[u8],
        body: &[u8],
        signature: Option<&[u8]>,
        now_ms: u64,
        window: Duration,
    ) -> Result<Signature, AuthError> {
        let parts = [request_signature, b"\n", body];
        self.check(REPLY_SCHEME, &parts, signature, now_ms, window)
    }

    fn check(
        &self,
        scheme: &str,
        parts: &[&[u8]],
        signature: Option<&[u8]>,
        now_ms: u64,
        window: Duration,
    ) -> Result<Signature, AuthError> {
        let signature = signature.ok_or(AuthError::Unsigned)?;
        let text = std::str::from_utf8(signature).map_err(|_| AuthError::Malformed)?;
        let mut fields = text.splitn(3, ':');
        let (Some(found), Some(ts), Some(hex)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(AuthError::Malformed);
        };
        if found != scheme {
            return Err(AuthError::Malformed);
        }
        let timestamp_ms: u64 = ts.parse().map_err(|_| AuthError::Malformed)?;
        let tag: [u8; TAG_BYTES] = from_hex(hex)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(AuthError::Malformed)?;
        let skew_ms = now_ms.abs_diff(timestamp_ms);
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        if skew_ms > window_ms {
            return Err(AuthError::OutsideWindow { skew_ms, window_ms });
        }
        self.mac(scheme, timestamp_ms, parts)
            .verify_slice(&tag)
            .map_err(|_| AuthError::Forged)?;
        Ok(Signature { timestamp_ms, tag })
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = DEFAULT_SIGNATURE_WINDOW;

    fn key() -> SharedKey {
        SharedKey::new("0123456789abcdef-test").unwrap()
    }

    #[test]
    fn a_signed_body_verifies() {
        let sig = key().sign(b"{}", 1_000_000);
        let verified = key().verify(b"{}", Some(&sig), 1_000_500, WINDOW).unwrap();
        assert_eq!(verified.timestamp_ms, 1_000_000);
    }

    #[test]
    fn a_reply_signature_never_passes_for_a_request() {
        let request = key().sign(b"{}", 1_000);
        let reply = key().sign_reply(&request, b"{}", 1_000);
        assert_eq!(
            key().verify(b"{}", Some(&reply), 1_000, WINDOW),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            key().verify_reply(&request, b"{}", Some(&request), 1_000, WINDOW),
            Err(AuthError::Malformed)
        );
    }

    #[test]
    fn forged_unsigned_stale_and_malformed_are_refused() {
        let sig = key().sign(b"{}", 1_000_000);
        assert_eq!(
            key().verify(b"{ }", Some(&sig), 1_000_000, WINDOW),
            Err(AuthError::Forged)
        );
        let other = SharedKey::new("another-key-of-16+bytes").unwrap();
        assert_eq!(
            other.verify(b"{}", Some(&sig), 1_000_000, WINDOW),
            Err(AuthError::Forged)
        );
        assert_eq!(
            key().verify(b"{}", None, 0, WINDOW),
            Err(AuthError::Unsigned)
        );
        assert!(matches!(
            key().verify(b"{}", Some(&sig), 1_000_000 + 31_000, WINDOW),
            Err(AuthError::OutsideWindow { .. })
        ));
        assert_eq!(
            key().verify(b"{}", Some(b"v1:xx:00"), 0, WINDOW),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            key().verify(b"{}", Some(b"v2:1:00"), 1, WINDOW),
            Err(AuthError::Malformed)
        );
        // Moving the timestamp breaks the MAC: it is signed too.
        let text = String::from_utf8(sig)
            .unwrap()
            .replace("1000000", "1000001");
        assert_eq!(
            key().verify(b"{}", Some(text.as_bytes()), 1_000_000, WINDOW),
            Err(AuthError::Forged)
        );
    }

    #[test]
    fn short_keys_are_refused() {
        assert_eq!(
            SharedKey::new("short").unwrap_err(),
            AuthError::KeyTooShort(5)
        );
    }
}
