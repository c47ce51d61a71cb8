//! Timestamps: kept as milliseconds since the epoch, shown as RFC 3339 with three
//! fractional digits in UTC (`2024-04-30T18:35:27.059Z`).

use chrono::{DateTime, SecondsFormat, Utc};

pub fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn format_millis(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_exactly_three_fractional_digits_and_a_z() {
        assert_eq!(format_millis(1_714_502_127_059), "2024-04-30T18:35:27.059Z");
        assert_eq!(format_millis(1_714_502_127_000), "2024-04-30T18:35:27.000Z");
    }
}
