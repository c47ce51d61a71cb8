//! The counts of recent searches, each good while the catalogue's generation is unchanged.
//!
//! A search's `total` is exact, and counting the matches of a substring costs in proportion
//! to the matches. Triggers bump the catalogue's generation with every change a search could
//! see (migration 0102), in the changing transaction, so a count made at generation `g` is
//! still exact whenever the database still says `g`: the store reads the generation with
//! every page and uses a count only if they agree. Several processes on one database each keep
//! their own counts and stay exact for the same reason.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Searches remembered at most: about 1 MiB with needles of the longest kind.
const CAPACITY: usize = 4096;

/// What a search matched, at which generation of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SearchCount {
    pub generation: i64,
    /// Products that match.
    pub total: i64,
    /// Products on the index that a page walk reads: the category's when the search names
    /// exactly one, else the whole catalogue.
    pub population: i64,
}

impl SearchCount {
    /// How many products to read along the sort's index to find `rows` matches, if that is
    /// fewer than finding every match: `rows × population / total` if the matches are spread
    /// evenly, four times that to allow for matches bunched along the sort, and never more
    /// than the `total` that finding every match touches.
    pub fn walk_reads(&self, rows: i64) -> Option<i64> {
        if self.total <= 0 {
            return None;
        }
        let expected = rows.saturating_mul(self.population) / self.total;
        (expected < self.total).then(|| expected.saturating_mul(4).min(self.total).max(rows))
    }
}

#[derive(Default)]
pub(super) struct SearchCounts(Mutex<HashMap<String, SearchCount>>);

impl SearchCounts {
    /// The key of a search: its needle and its categories (as stored), in any order.
    pub fn key(needle: &str, categories: &[String]) -> String {
        let mut categories: Vec<&str> = categories.iter().map(String::as_str).collect();
        categories.sort_unstable();
        categories.dedup();
        // Each part after its length, so that no two searches share a key.
        let mut key = String::new();
        for part in std::iter::once(needle).chain(categories) {
            key.push_str(&format!("{}:{part}", part.len()));
        }
        key
    }

    pub fn get(&self, key: &str) -> Option<SearchCount> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .copied()
    }

    pub fn put(&self, key: String, count: SearchCount) {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= CAPACITY && !counts.contains_key(&key) {
            // Counts of an older generation will not be used again; if all are current,
            // start over rather than track which were used last.
            counts.retain(|_, c| c.generation >= count.generation);
            if counts.len() >= CAPACITY {
                counts.clear();
            }
        }
        counts.insert(key, count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(generation: i64, total: i64, population: i64) -> SearchCount {
        SearchCount {
            generation,
            total,
            population,
        }
    }

    #[test]
    fn a_key_ignores_the_order_and_repeats_of_categories() {
        let a = SearchCounts::key("castle", &["Technic".into(), "City".into()]);
        let b = SearchCounts::key("castle", &["City".into(), "Technic".into(), "City".into()]);
        assert_eq!(a, b);
        assert_ne!(a, SearchCounts::key("castle", &["City".into()]));
        assert_ne!(
            SearchCounts::key("a", &["b".into()]),
            SearchCounts::key("a1:b", &[])
        );
        assert_ne!(
            SearchCounts::key("a", &["b,c".into()]),
            SearchCounts::key("a", &["b".into(), "c".into()])
        );
    }

    #[test]
    fn a_walk_reads_a_few_times_the_expected_products_when_matches_are_dense() {
        // 3,100 matches among 91,000 products: a page of 20 expects to read 587 of them.
        assert_eq!(count(1, 3_100, 91_000).walk_reads(20), Some(2_348));
        // 1,000 among 2,000: 40, but never fewer than a page.
        assert_eq!(count(1, 1_000, 2_000).walk_reads(20), Some(160));
        assert_eq!(count(1, 2_000, 2_000).walk_reads(20), Some(80));
        // A page of 100 expects 2,935: at most the 3,100 matches.
        assert_eq!(count(1, 3_100, 91_000).walk_reads(100), Some(3_100));
    }

    #[test]
    fn no_walk_when_matches_are_sparse_or_the_page_deep() {
        // 310 among 9,100: about 590 to read, more than the 310 matches.
        assert_eq!(count(1, 310, 9_100).walk_reads(20), None);
        assert_eq!(count(1, 3_100, 91_000).walk_reads(20 * 200), None);
        assert_eq!(count(1, 0, 91_000).walk_reads(20), None);
        assert_eq!(count(1, 5, i64::MAX).walk_reads(i64::MAX), None);
    }

    #[test]
    fn a_full_cache_keeps_the_current_generation_and_drops_older_ones() {
        let counts = SearchCounts::default();
        for i in 0..CAPACITY - 1 {
            counts.put(format!("old{i}"), count(1, 1, 1));
        }
        counts.put("current".into(), count(2, 1, 1));
        counts.put("newer".into(), count(2, 2, 2));
        assert_eq!(counts.get("old0"), None);
        assert_eq!(counts.get("current"), Some(count(2, 1, 1)));
        assert_eq!(counts.get("newer"), Some(count(2, 2, 2)));
        for i in 0..CAPACITY {
            counts.put(format!("k{i}"), count(2, 1, 1));
        }
        assert!(counts.0.lock().unwrap().len() <= CAPACITY);
    }
}
