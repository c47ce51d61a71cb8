//! What only PostgreSQL needs: a larger pool, and search through a trigram index.

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

use super::Upkept;

pub(super) async fn pool(
    options: AnyPoolOptions,
    connect: AnyConnectOptions,
) -> Result<AnyPool, sqlx::Error> {
    options.max_connections(16).connect_with(connect).await
}

/// Connections of the pool of the hottest reads, beside the 16 of sqlx's pool: enough to
/// keep both cores of a small machine busy, few enough for several processes to share a
/// server's default of 100 connections.
pub(super) const READERS: usize = 8;

/// `LIKE` over the lower-cased text, served by the `gin_trgm_ops` index.
pub(super) fn search_condition(_needle_len: usize, param: usize) -> String {
    format!("p.search_text LIKE ${param} ESCAPE '\\'")
}

/// The test of a page walk (see `Store::walked_search_page`), made on each product it reads.
/// `strpos` is no use to the trigram index, so the planner reads along the index of the sort
/// (within the category when one is named), which stops once the page is full.
pub(super) fn walk_condition(t: &str, param: usize) -> String {
    format!("strpos({t}.search_text, ${param}) > 0")
}

/// Joins the products to the rows of the sort's own table; the planner reads the index of
/// the sort first when a page is short.
pub(super) const JOIN_IN_ORDER: &str = "JOIN";

pub(super) fn search_argument(needle: &str) -> String {
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The next order number, from a sequence: concurrent orders never wait on each other for
/// it, and only a rolled-back transaction leaves a gap. An SQL expression, for the INSERT.
pub(super) const NEXT_ORDER_NUM: &str = "nextval('order_num_seq')";

/// Fails the statement that places an order when a line's stock was taken between the
/// order's read and its write (migration 0106), so that nothing of the order is written.
pub(super) const REFUSE_SHORT_OF_STOCK: &str = "order_short_of_stock()";

/// The SQLSTATE that `order_short_of_stock()` raises.
const SHORT_OF_STOCK: &str = "SH409";

/// Whether an order's statement failed in a way that a fresh read may avoid: its stock moved
/// since the read, or (should the planner ever lock its stock rows out of the order given) it
/// deadlocked with another order.
pub(super) fn moved_on(e: &sqlx::Error) -> bool {
    const DEADLOCK: &str = "40P01";
    matches!(e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some(SHORT_OF_STOCK | DEADLOCK)))
}

/// After a bulk load: fresh statistics, so that the planner picks the indexes for a
/// catalogue this size, and the search index's pending list merged into the index (a
/// search scans that list in full until a vacuum empties it).
pub(super) async fn finish_bulk_insert(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("VACUUM ANALYZE products, product_stock")
        .execute(pool)
        .await
        .map(|_| ())
}

/// The tables of shopd's schema that autovacuum would see to by its default rules, if the
/// server's autovacuum is off (none when it is on), each with what it needs: a vacuum when its
/// dead rows passed 50 and a fifth of the table, or the rows inserted since its last vacuum
/// passed 1,000 and a fifth; new statistics when the rows changed since its last analyze
/// passed 50 and a tenth.
const NEGLECTED_TABLES: &str = "SELECT quote_ident(s.relname), \
     s.n_dead_tup > 50 + 0.2 * t.n OR s.n_ins_since_vacuum > 1000 + 0.2 * t.n, \
     s.n_mod_since_analyze > 50 + 0.1 * t.n \
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid, \
     LATERAL (SELECT greatest(c.reltuples, 0) AS n) t \
     WHERE current_setting('autovacuum') = 'off' AND s.schemaname = current_schema() \
     AND (s.n_dead_tup > 50 + 0.2 * t.n OR s.n_ins_since_vacuum > 1000 + 0.2 * t.n \
          OR s.n_mod_since_analyze > 50 + 0.1 * t.n) \
     ORDER BY s.relname";

/// Folds the order counts of server processes that have ended into row 0 (migration 0107),
/// so that the rows summed for the count are about as many as the live connections. A row
/// whose pid a new process took meanwhile is folded with what that process added: the sum
/// stays the same.
const FOLD_ORDER_COUNTS: &str = "WITH gone AS ( \
     DELETE FROM order_count WHERE shard <> 0 \
     AND shard NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL) RETURNING n) \
     INSERT INTO order_count (shard, n) SELECT 0, SUM(n) FROM gone HAVING COUNT(*) > 0 \
     ON CONFLICT (shard) DO UPDATE SET n = order_count.n + excluded.n";

/// Folds the order counts of ended processes, then vacuums and analyzes the tables
/// `NEGLECTED_TABLES` names, each as it needs.
pub(super) async fn upkeep(pool: &AnyPool) -> Result<Upkept, sqlx::Error> {
    sqlx::query(FOLD_ORDER_COUNTS).execute(pool).await?;
    let neglected: Vec<(String, bool, bool)> = sqlx::query_as(NEGLECTED_TABLES).fetch_all(pool).await?;
    let mut done = Upkept::default();
    for (table, vacuum, analyze) in neglected {
        let statement = match (vacuum, analyze) {
            (true, true) => format!("VACUUM (ANALYZE) {table}"),
            (true, false) => format!("VACUUM {table}"),
            (false, _) => format!("ANALYZE {table}"),
        };
        // Run once a minute at most per table: not worth a prepared statement.
        sqlx::raw_sql(&statement).execute(pool).await?;
        if vacuum {
            done.vacuumed.push(table.clone());
        }
        if analyze {
            done.analyzed.push(table);
        }
    }
    Ok(done)
}
