//! What recent searches found, each good while the catalogue's generation is unchanged.
//!
//! A search's `total` is exact, and finding the matches of a substring costs in proportion
//! to the matches. Triggers bump the catalogue's generation with every change that could
//! alter what a search finds or the order it lists it in (migrations 0102 and 0103), in the
//! changing transaction, so what a search found at generation `g` is still exact whenever the
//! database still says `g`: the store reads the generation in the statement that reads a
//! page, and uses what it kept only if they agree. Several processes on one database each
//! keep their own and stay exact for the same reason.
//!
//! Two things are kept for a search: its count (for any sort), and, for each sort but stock
//! (which every order changes), the ids of its first `KEPT` matches in that sort's order. A
//! page within those is then read by id: a page of rows, whatever the search matches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::domain::id::ObjectId;
use crate::domain::product::{SortField, SortSpec};

/// The matches of a search kept in order, at most: 100 pages of 20, or 20 of 100.
pub(super) const KEPT: usize = 2000;

/// Counts remembered at most: about 1 MiB with needles of the longest kind.
const COUNTS: usize = 4096;

/// Ids remembered at most, over all searches, each search counted with `ENTRY` more for
/// its key and its place in the map: 3 MiB or so, however many searches share it.
const IDS: usize = 1 << 18;

/// What keeping a search costs beyond its ids, in ids (12 bytes each): about 200 bytes.
const ENTRY: usize = 16;

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

/// The first matches of a search in one sort's order, at which generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SortedMatches {
    pub generation: i64,
    /// Products that match; `ids` holds all of them when it is this long.
    pub total: i64,
    pub ids: Arc<[ObjectId]>,
}

impl SortedMatches {
    /// The ids of the page of `limit` that starts at match `start` (from 0), if they are
    /// known: within the ids kept, or past the end of a search whose matches are all kept.
    pub fn page(&self, start: u64, limit: u64) -> Option<&[ObjectId]> {
        let kept = self.ids.len() as u64;
        let end = start.saturating_add(limit);
        if end <= kept {
            Some(&self.ids[start as usize..end as usize])
        } else if kept as i64 == self.total {
            Some(&self.ids[start.min(kept) as usize..])
        } else {
            None
        }
    }

    /// Where the page that follows product `after` starts, if `after` is among the ids kept.
    pub fn start_after(&self, after: &ObjectId) -> Option<u64> {
        let at = self.ids.iter().position(|id| id == after)?;
        Some(at as u64 + 1)
    }
}

/// A map that holds at most a given weight, dropping what an older generation made first.
struct Bounded<V> {
    entries: HashMap<String, V>,
    weight: usize,
    capacity: usize,
}

trait Kept {
    fn generation(&self) -> i64;
    fn weight(&self) -> usize;
}

impl Kept for SearchCount {
    fn generation(&self) -> i64 {
        self.generation
    }
    fn weight(&self) -> usize {
        1
    }
}

impl Kept for SortedMatches {
    fn generation(&self) -> i64 {
        self.generation
    }
    fn weight(&self) -> usize {
        self.ids.len() + ENTRY
    }
}

impl<V: Kept + Clone> Bounded<V> {
    fn new(capacity: usize) -> Self {
        Bounded {
            entries: HashMap::new(),
            weight: 0,
            capacity,
        }
    }

    fn get(&self, key: &str) -> Option<V> {
        self.entries.get(key).cloned()
    }

    fn put(&mut self, key: String, value: V) {
        if let Some(old) = self.entries.remove(&key) {
            self.weight -= old.weight();
        }
        if self.weight + value.weight() > self.capacity {
            // What an older generation made will not be used again; if that is not enough,
            // start over rather than track which entries were used last.
            self.entries.retain(|_, v| v.generation() >= value.generation());
            self.weight = self.entries.values().map(Kept::weight).sum();
            if self.weight + value.weight() > self.capacity {
                self.entries.clear();
                self.weight = 0;
            }
        }
        self.weight += value.weight();
        self.entries.insert(key, value);
    }
}

/// One search in flight a key: the requests that need the same search found while it is
/// being found wait for it, and then read what it kept, instead of finding it too.
type Flight = Arc<tokio::sync::Mutex<()>>;

pub(super) struct SearchCache {
    counts: Mutex<Bounded<SearchCount>>,
    sorted: Mutex<Bounded<SortedMatches>>,
    flights: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl Default for SearchCache {
    fn default() -> Self {
        SearchCache {
            counts: Mutex::new(Bounded::new(COUNTS)),
            sorted: Mutex::new(Bounded::new(IDS)),
            flights: Mutex::default(),
        }
    }
}

impl SearchCache {
    /// The key of a search's count: its needle and its categories (as stored), in any order.
    pub fn count_key(needle: &str, categories: &[String]) -> String {
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

    /// The key of a search's matches in the order of `sort`; `None` for the sort by stock,
    /// whose order every order placed changes without a new generation.
    pub fn sorted_key(needle: &str, categories: &[String], sort: SortSpec) -> Option<String> {
        let field = match sort.field {
            SortField::Stock => return None,
            SortField::Name => "n",
            SortField::Price => "p",
            SortField::CreatedAt => "c",
            SortField::UpdatedAt => "u",
        };
        let direction = if sort.descending { "-" } else { "+" };
        Some(format!(
            "{field}{direction}{}",
            Self::count_key(needle, categories)
        ))
    }

    pub fn count(&self, key: &str) -> Option<SearchCount> {
        lock(&self.counts).get(key)
    }

    pub fn put_count(&self, key: String, count: SearchCount) {
        lock(&self.counts).put(key, count);
    }

    pub fn sorted(&self, key: &str) -> Option<SortedMatches> {
        lock(&self.sorted).get(key)
    }

    pub fn put_sorted(&self, key: String, sorted: SortedMatches) {
        lock(&self.sorted).put(key, sorted);
    }

    /// The turn to find the search `key`: hold it while finding, so that others wait.
    pub fn flight(&self, key: &str) -> Flight {
        let mut flights = lock(&self.flights);
        if let Some(flight) = flights.get(key).and_then(Weak::upgrade) {
            return flight;
        }
        if flights.len() >= COUNTS {
            flights.retain(|_, f| f.strong_count() > 0);
        }
        let flight = Flight::default();
        flights.insert(key.to_string(), Arc::downgrade(&flight));
        flight
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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

    fn sorted(generation: i64, total: i64, kept: usize) -> SortedMatches {
        SortedMatches {
            generation,
            total,
            ids: (0..kept).map(|_| ObjectId::new()).collect(),
        }
    }

    #[test]
    fn a_key_ignores_the_order_and_repeats_of_categories() {
        let a = SearchCache::count_key("castle", &["Technic".into(), "City".into()]);
        let b = SearchCache::count_key("castle", &["City".into(), "Technic".into(), "City".into()]);
        assert_eq!(a, b);
        assert_ne!(a, SearchCache::count_key("castle", &["City".into()]));
        assert_ne!(
            SearchCache::count_key("a", &["b".into()]),
            SearchCache::count_key("a1:b", &[])
        );
        assert_ne!(
            SearchCache::count_key("a", &["b,c".into()]),
            SearchCache::count_key("a", &["b".into(), "c".into()])
        );
    }

    #[test]
    fn each_sort_but_stock_has_a_key_of_its_own() {
        let key = |raw: &str| SearchCache::sorted_key("castle", &[], SortSpec::parse(raw).unwrap());
        let keys: Vec<String> = [
            "price",
            "price_desc",
            "name",
            "name_desc",
            "createdAt",
            "updatedAt",
        ]
        .iter()
        .map(|s| key(s).unwrap())
        .collect();
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), keys.len());
        assert_eq!(key("stock"), None);
        assert_eq!(key("stock_desc"), None);
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
    fn a_page_is_known_within_the_ids_kept_or_past_the_end_of_them_all() {
        let all = sorted(1, 5, 5);
        assert_eq!(all.page(0, 2), Some(&all.ids[0..2]));
        assert_eq!(all.page(4, 2), Some(&all.ids[4..5]));
        assert_eq!(all.page(9, 2), Some(&[][..]));
        assert_eq!(all.page(u64::MAX, u64::MAX), Some(&[][..]));

        let first = sorted(1, 50, 5);
        assert_eq!(first.page(3, 2), Some(&first.ids[3..5]));
        assert_eq!(first.page(4, 2), None, "the page runs past the ids kept");
        assert_eq!(first.page(9, 2), None);
    }

    #[test]
    fn the_page_after_a_product_starts_next_to_it_if_it_was_kept() {
        let kept = sorted(1, 5, 5);
        assert_eq!(kept.start_after(&kept.ids[0]), Some(1));
        assert_eq!(kept.start_after(&kept.ids[4]), Some(5));
        assert_eq!(kept.start_after(&ObjectId::new()), None);
    }

    #[test]
    fn a_full_cache_keeps_the_current_generation_and_drops_older_ones() {
        let counts = SearchCache::default();
        for i in 0..COUNTS - 1 {
            counts.put_count(format!("old{i}"), count(1, 1, 1));
        }
        counts.put_count("current".into(), count(2, 1, 1));
        counts.put_count("newer".into(), count(2, 2, 2));
        assert_eq!(counts.count("old0"), None);
        assert_eq!(counts.count("current"), Some(count(2, 1, 1)));
        assert_eq!(counts.count("newer"), Some(count(2, 2, 2)));
        for i in 0..COUNTS {
            counts.put_count(format!("k{i}"), count(2, 1, 1));
        }
        assert!(lock(&counts.counts).entries.len() <= COUNTS);
    }

    #[test]
    fn the_ids_kept_stay_within_their_bound_counted_in_ids() {
        let cache = SearchCache::default();
        let each = IDS / 4 - ENTRY;
        for i in 0..4 {
            cache.put_sorted(format!("old{i}"), sorted(1, 3000, each));
        }
        assert_eq!(lock(&cache.sorted).weight, IDS);
        // Replacing an entry frees its weight first.
        cache.put_sorted("old0".into(), sorted(1, 3000, each));
        assert_eq!(lock(&cache.sorted).entries.len(), 4);
        // A newer generation drops the older ones to make room.
        cache.put_sorted("new".into(), sorted(2, 3000, KEPT));
        assert_eq!(cache.sorted("old1"), None);
        assert!(cache.sorted("new").is_some());
        // All current and full: start over.
        for i in 0..(IDS / KEPT) + 1 {
            cache.put_sorted(format!("k{i}"), sorted(2, 3000, KEPT));
        }
        let kept = lock(&cache.sorted);
        assert!(kept.weight <= IDS);
        assert_eq!(
            kept.weight,
            kept.entries.values().map(Kept::weight).sum::<usize>()
        );
    }

    #[test]
    fn searches_that_match_nearly_nothing_are_bounded_by_their_number() {
        let cache = SearchCache::default();
        for i in 0..IDS {
            cache.put_sorted(format!("k{i}"), sorted(1, 1, 1));
        }
        assert!(lock(&cache.sorted).entries.len() <= IDS / ENTRY);
    }

    #[tokio::test]
    async fn one_search_at_a_time_finds_a_key() {
        let cache = SearchCache::default();
        let first = cache.flight("castle");
        let turn = first.clone().try_lock_owned().unwrap();
        assert!(cache.flight("castle").try_lock().is_err(), "the same key waits");
        assert!(cache.flight("tower").try_lock().is_ok(), "another key does not");
        drop(turn);
        drop(first);
        // Once nobody holds a key's flight, the next one is new.
        assert!(cache.flight("castle").try_lock().is_ok());
    }
}
