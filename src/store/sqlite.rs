//! What only SQLite needs: the file is created if missing, WAL with full sync (a commit
//! that was acknowledged survives a crash), foreign keys on, and a busy timeout so that
//! writers queue instead of failing.

use sqlx::{AnyPool, Executor};

const PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
];
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

pub(super) fn normalize_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

pub(super) async fn pool(
    options: AnyPoolOptions,
    connect: AnyConnectOptions,
) -> Result<AnyPool, sqlx::Error> {
    options
        .max_connections(8)
        .after_connect(|conn, _| {
            Box::pin(async move {
                for pragma in PRAGMAS {
                    conn.execute(*pragma).await?;
                }
                Ok(())
            })
        })
        .connect_with(connect)
        .await
}

/// Search through the FTS5 trigram index; needles shorter than a trigram are scanned.
pub(super) fn search_condition(needle_len: usize, param: usize) -> String {
    if needle_len >= 3 {
        format!("p.rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ${param})")
    } else {
        format!("instr(p.search_text, ${param}) > 0")
    }
}

/// The FTS5 query for a needle: one quoted phrase, so its characters are taken literally.
pub(super) fn search_argument(needle: &str) -> String {
    format!("\"{}\"", needle.replace('"', "\"\""))
}

/// The next order number, from a counter row that the write lock already serialises.
pub(super) async fn next_order_num(tx: &mut super::Tx) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = 'order_num' RETURNING value")
        .fetch_one(&mut **tx)
        .await
}

/// A bulk insert updates several indexes at random places (names, prices); with the default
/// 2 MB page cache a million-row load spends its time evicting and rereading index pages.
/// The setting lasts as long as the connection, which a bulk load owns for its transaction.
pub(super) async fn prepare_bulk_insert(tx: &mut super::Tx) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA cache_size = -131072")
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
