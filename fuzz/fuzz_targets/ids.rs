//! `ObjectId::parse` takes exactly 24 lowercase hex characters, and what it takes prints back
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopd::domain::id::ObjectId;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let valid = s.len() == 24 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    match ObjectId::parse(s) {
        Some(id) => {
            assert!(valid, "{s:?} was taken");
            assert_eq!(id.to_string(), s);
        }
        None => assert!(!valid, "{s:?} was refused"),
    }
});
