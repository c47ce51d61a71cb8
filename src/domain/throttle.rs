//! The login throttle: after too many failures within a window, wait.

/// Failed logins allowed per email, and per client address, within the window.
pub const MAX_FAILURES_PER_EMAIL: usize = 10;
pub const MAX_FAILURES_PER_ADDRESS: usize = 30;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

/// Seconds to wait before another login is allowed, given the failure times (ascending)
/// inside the window; `None` when fewer than `limit` failures are in it.
pub fn retry_after(failures: &[i64], limit: usize, now_ms: i64) -> Option<u64> {
    let recent: Vec<i64> = failures
        .iter()
        .copied()
        .filter(|t| *t > now_ms - WINDOW_MS)
        .collect();
    if recent.len() < limit {
        return None;
    }
    // The count falls below the limit when the failure that keeps it at the limit leaves.
    let leaving = recent[recent.len() - limit];
    let wait_ms = leaving + WINDOW_MS - now_ms;
    Some(((wait_ms + 999) / 1000).max(1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_failures_still_allow_a_tenth_try() {
        assert_eq!(retry_after(&[1; 9], 10, 2), None);
    }

    #[test]
    fn ten_failures_block_until_the_oldest_leaves_the_window() {
        let now = 10 * 60 * 1000;
        let failures = vec![0; 10];
        assert_eq!(retry_after(&failures, 10, now), Some(5 * 60));
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let now = WINDOW_MS + 1;
        assert_eq!(retry_after(&[0; 10], 10, now), None);
    }
}
