//! Ids in the MongoDB ObjectId layout: 4 bytes of seconds, 5 random bytes fixed per
//! process, 3 bytes of a counter; written as 24 lowercase hex characters.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use rand::Rng;

use crate::error::ApiError;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId([u8; 12]);

fn process_random() -> &'static [u8; 5] {
    static RANDOM: OnceLock<[u8; 5]> = OnceLock::new();
    RANDOM.get_or_init(|| rand::thread_rng().r#gen())
}

fn counter() -> &'static AtomicU32 {
    static COUNTER: OnceLock<AtomicU32> = OnceLock::new();
    COUNTER.get_or_init(|| AtomicU32::new(rand::thread_rng().r#gen::<u32>() & 0x00ff_ffff))
}

impl ObjectId {
    pub fn new() -> Self {
        let secs = chrono::Utc::now().timestamp() as u32;
        let count = counter().fetch_add(1, Ordering::Relaxed) & 0x00ff_ffff;
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&secs.to_be_bytes());
        bytes[4..9].copy_from_slice(process_random());
        bytes[9..].copy_from_slice(&count.to_be_bytes()[1..]);
        ObjectId(bytes)
    }

    /// Accepts exactly 24 lowercase hex characters.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 24
            || !s
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let mut bytes = [0u8; 12];
        hex::decode_to_slice(s, &mut bytes).ok()?;
        Some(ObjectId(bytes))
    }

    /// Parses an id from a path or body, blaming `field` when it is malformed.
    pub fn parse_field(s: &str, field: &str) -> Result<Self, ApiError> {
        Self::parse(s).ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("`{field}` must be an id of 24 lowercase hex characters, got {s:?}"),
            )
        })
    }

    pub fn timestamp_secs(&self) -> u32 {
        u32::from_be_bytes([self.0[0], self.0[1], self.0[2], self.0[3]])
    }
}

impl Default for ObjectId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // On the stack: `hex::encode` builds a String a char at a time, and ids are written
        // on every request (its request id, the product read).
        let mut text = [0u8; 24];
        hex::encode_to_slice(self.0, &mut text).expect("24 bytes hold 12 in hex");
        f.write_str(std::str::from_utf8(&text).expect("hex is ASCII"))
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_id_is_24_lowercase_hex_characters() {
        let id = ObjectId::new().to_string();
        assert_eq!(id.len(), 24);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    #[test]
    fn a_new_id_starts_with_the_current_second() {
        let now = chrono::Utc::now().timestamp() as u32;
        let id = ObjectId::new();
        assert!(id.timestamp_secs().abs_diff(now) <= 1);
    }

    #[test]
    fn ids_made_one_after_another_differ_and_sort_in_order() {
        let a = ObjectId::new();
        let b = ObjectId::new();
        assert_ne!(a, b);
        assert!(a.timestamp_secs() <= b.timestamp_secs());
    }

    #[test]
    fn an_id_survives_a_round_trip_through_text() {
        let id = ObjectId::new();
        assert_eq!(ObjectId::parse(&id.to_string()), Some(id));
    }

    #[test]
    fn uppercase_short_long_and_non_hex_ids_are_refused() {
        for bad in [
            "663139EFB61FFF46EF57E16D",
            "663139efb61fff46ef57e16",
            "663139efb61fff46ef57e16d0",
            "663139efb61fff46ef57e16g",
            "",
            "1",
        ] {
            assert_eq!(ObjectId::parse(bad), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn parse_accepts_exactly_24_lowercase_hex_characters(s in "\\PC{0,30}|[0-9a-fA-F]{22,26}") {
            let valid = s.len() == 24 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            prop_assert_eq!(ObjectId::parse(&s).is_some(), valid);
        }

        #[test]
        fn any_twelve_bytes_survive_a_round_trip_through_text(bytes in any::<[u8; 12]>()) {
            let id = ObjectId(bytes);
            prop_assert_eq!(ObjectId::parse(&id.to_string()), Some(id));
        }
    }
}
