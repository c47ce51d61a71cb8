//! Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where
//! each `v1` is HMAC-SHA256 of `"<t>.<raw body>"` with the endpoint's secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signatures older or newer than this are refused, against replays.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    Malformed,
    TooOld,
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureError::Malformed => "the Stripe-Signature header is missing or malformed",
            SignatureError::TooOld => "the Stripe-Signature timestamp is outside the 300 s tolerance",
            SignatureError::Mismatch => "no signature in Stripe-Signature matches the payload",
        })
    }
}

/// The timestamp and the `v1` signatures of a header.
pub fn parse_header(header: &str) -> Result<(i64, Vec<Vec<u8>>), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=').ok_or(SignatureError::Malformed)?;
        match key {
            "t" => timestamp = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            "v1" => signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    match timestamp {
        Some(t) if !signatures.is_empty() => Ok((t, signatures)),
        _ => Err(SignatureError::Malformed),
    }
}

/// Checks `header` against the raw `payload`; the comparison is constant-time.
pub fn verify(header: &str, payload: &[u8], secret: &str, now_secs: i64) -> Result<(), SignatureError> {
    let (timestamp, signatures) = parse_header(header)?;
    if (now_secs - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::TooOld);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    // `verify_slice` compares in constant time.
    if signatures.iter().any(|sig| mac.clone().verify_slice(sig).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Signs a payload as Stripe does; for tests and the Stripe double.
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";

    #[test]
    fn a_payload_signed_with_the_secret_verifies() {
        let header = sign(b"{}", SECRET, 1000);
        assert_eq!(verify(&header, b"{}", SECRET, 1000), Ok(()));
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let good = sign(b"{}", SECRET, 1000);
        let header = format!(
            "t=1000,v1={},{}",
            "00".repeat(32),
            good.split_once(',').unwrap().1
        );
        assert_eq!(verify(&header, b"{}", SECRET, 1000), Ok(()));
    }

    #[test]
    fn another_secret_or_a_changed_payload_does_not_verify() {
        let header = sign(b"{}", SECRET, 1000);
        assert_eq!(
            verify(&header, b"{}", "whsec_other", 1000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, b"{ }", SECRET, 1000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_signature_older_than_five_minutes_is_refused() {
        let header = sign(b"{}", SECRET, 1000);
        assert_eq!(verify(&header, b"{}", SECRET, 1000 + 300), Ok(()));
        assert_eq!(
            verify(&header, b"{}", SECRET, 1000 + 301),
            Err(SignatureError::TooOld)
        );
    }

    #[test]
    fn malformed_headers_are_refused() {
        for bad in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=zz", "garbage"] {
            assert_eq!(parse_header(bad).unwrap_err(), SignatureError::Malformed, "{bad}");
        }
    }
}
