//! `OrderRef::parse`, the other hand-written path format: an id or a positive order number,
//! and a number that prints back to what it parses from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopd::domain::order::OrderRef;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    match OrderRef::parse(s, "id") {
        Ok(OrderRef::Num(n)) => {
            assert!(n >= 1);
            assert_eq!(OrderRef::parse(&n.to_string(), "id").unwrap(), OrderRef::Num(n));
        }
        Ok(OrderRef::Id(id)) => assert_eq!(id.to_string(), s.trim()),
        Err(err) => assert_eq!(err.status(), 400),
    }
});
