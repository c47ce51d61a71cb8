//! What only SQLite needs: the file is created if missing, WAL with full sync (a commit
//! that was acknowledged survives a crash), foreign keys on, and a busy timeout so that
//! writers queue instead of failing.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};

use crate::domain::product::SortField;

const PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
];

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
        .max_connections(connections())
        .after_connect(|conn, _| Box::pin(configure(conn)))
        .connect_with(connect)
        .await
}

/// Connections of each of the two pools: two a core. A SQLite read keeps a core busy for
/// its whole length (the file is in the OS's cache), so more connections than that add no
/// speed, only memory: each one has its own page cache (up to 2 MiB) and prepared
/// statements, and eight a pool took shopd to 85 MiB under the mixed load on a million
/// products. Writers take turns anyway (see `Store::begin`).
pub(super) fn connections() -> u32 {
    (2 * super::cores()).clamp(2, 16) as u32
}

/// What every connection is set to.
pub(super) async fn configure(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for pragma in PRAGMAS {
        conn.execute(*pragma).await?;
    }
    Ok(())
}

/// Search through the FTS5 trigram index; needles shorter than a trigram are scanned.
pub(super) fn search_condition(needle_len: usize, param: usize) -> String {
    if needle_len >= 3 {
        format!("p.rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ${param})")
    } else {
        format!("instr(p.search_text, ${param}) > 0")
    }
}

/// The products table for a search within categories. SQLite's planner reads each trigram
/// match's row by its rowid to test the category; the index on the category (which ends
/// with the rowid) answers that without the row, and only the rows in the categories are
/// read: about half the time of a search at 100 k products.
pub(super) const PRODUCTS_BY_CATEGORY: &str = "products p INDEXED BY products_category";

/// The test of a page walk (see `Store::walked_search_page`), made on each product it reads.
pub(super) fn walk_condition(t: &str, param: usize) -> String {
    format!("instr({t}.search_text, ${param}) > 0")
}

/// The sort's table (as `t`) of a page walk: along the index of the sort, within the
/// category when the search names one. SQLite's planner would rather find the matches and
/// sort them, which is what the walk is there to avoid.
pub(super) fn walk_table(field: SortField, one_category: bool, t: &str) -> String {
    let index = match (field, one_category) {
        (SortField::CreatedAt, true) => "products_category_created",
        (SortField::UpdatedAt, true) => "products_category_updated",
        (SortField::Price, true) => "products_category_price",
        (SortField::Name, true) => "products_category_name_ci",
        (SortField::Stock, true) => "product_stock_category",
        (SortField::CreatedAt, false) => "products_created",
        (SortField::UpdatedAt, false) => "products_updated",
        (SortField::Price, false) => "products_price",
        (SortField::Name, false) => "products_name_ci",
        (SortField::Stock, false) => "product_stock_order",
    };
    format!("{} {t} INDEXED BY {index}", super::products::sort_table(field))
}

/// Joins the products to the rows of the sort's own table before it, in that order: the
/// planner could otherwise read the products first and sort them.
pub(super) const JOIN_IN_ORDER: &str = "CROSS JOIN";

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

/// After a bulk load: fresh statistics, so that the planner picks the indexes for a
/// catalogue this size, and the search index merged into one segment, which a search then
/// reads in one pass instead of one per transaction of the load. The statistics change in
/// one transaction, so that no connection loads them halfway (see `forget_unique_samples`).
pub(super) async fn finish_bulk_insert(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("ANALYZE products").execute(&mut *tx).await?;
    sqlx::query("ANALYZE product_stock").execute(&mut *tx).await?;
    forget_unique_samples(&mut tx).await?;
    tx.commit().await?;
    sqlx::query("INSERT INTO products_fts (products_fts) VALUES ('optimize')")
        .execute(pool)
        .await
        .map(|_| ())
}

/// The unique indexes of the tables `ANALYZE` samples, and the primary key of a table
/// without rowid, whose statistics carry the table's name.
const UNIQUE_SAMPLES: &str = "DELETE FROM sqlite_stat4 WHERE idx IN (\
     SELECT CASE WHEN l.origin = 'pk' AND t.wr THEN t.name ELSE l.name END \
     FROM pragma_table_list() t, pragma_index_list(t.name) l \
     WHERE t.schema = 'main' AND t.type = 'table' AND l.\"unique\")";

/// Drops the samples (`sqlite_stat4`) that `ANALYZE` takes of unique indexes. They tell the
/// planner nothing that `sqlite_stat1` does not (one row a key), but with them a statement
/// that binds several values to such an index (`WHERE id IN (?, ?)`, the gathered reads by
/// id) is compiled again each time it runs, in case the values change the plan: a callgrind
/// profile of `GET /products/:id` under load on SQLite spent 14 % of shopd's instructions in
/// `sqlite3Reprepare`. A no-op where no `ANALYZE` has run yet.
pub(super) async fn forget_unique_samples(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let sampled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat4'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if sampled > 0 {
        sqlx::query(UNIQUE_SAMPLES).execute(&mut *conn).await?;
    }
    Ok(())
}
