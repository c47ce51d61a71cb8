//! `SortSpec::parse` takes `FIELD`, `FIELD_asc`, `FIELD_desc` over the known fields and
//! nothing else; a refusal is a 400 naming `sort`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopd::domain::product::{SortField, SortSpec};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let (name, descending) = match s.strip_suffix("_desc") {
        Some(n) => (n, true),
        None => (s.strip_suffix("_asc").unwrap_or(s), false),
    };
    let known = SortField::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
    match SortSpec::parse(s) {
        Ok(spec) => {
            assert_eq!(Some(spec.field), known, "{s:?}");
            assert_eq!(spec.descending, descending, "{s:?}");
        }
        Err(err) => {
            assert!(known.is_none(), "{s:?} was refused");
            assert_eq!(err.status(), 400);
        }
    }
});
