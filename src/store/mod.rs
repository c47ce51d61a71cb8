//! Persistence: one `Store` over either SQLite or PostgreSQL.
//!
//! Every query is written once, in SQL both databases accept (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT`), and runs through sqlx's `Any` driver. The few places where
//! the dialects differ (connection set-up, migrations, search, the order-number sequence,
//! how a write transaction starts) live in `sqlite.rs` and `postgres.rs` and nowhere else.

mod gathered;
mod postgres;
mod readers;
mod search_cache;
mod sqlite;

pub mod api_keys;
pub mod catalogue;
pub mod categories;
pub mod idempotency;
pub mod orders;
pub mod payments;
pub mod products;
pub mod settings;
pub mod users;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::ApiError;

/// How long a writer waits for its turn, like SQLite's own busy timeout.
const WRITER_WAIT: Duration = Duration::from_secs(10);

/// A write transaction: use `&mut *tx` as the connection, and `commit` it; dropped, it
/// rolls back.
pub struct Tx {
    inner: Transaction<'static, sqlx::Any>,
    /// On SQLite, this process's turn to write, held until the transaction ends (declared
    /// after `inner`, so it is released after the rollback of a dropped transaction starts).
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The tables `Store::upkeep` vacuumed, and those it analyzed.
#[derive(Debug, Default, PartialEq)]
pub struct Upkept {
    pub vacuumed: Vec<String>,
    pub analyzed: Vec<String>,
}

impl Upkept {
    pub fn is_empty(&self) -> bool {
        self.vacuumed.is_empty() && self.analyzed.is_empty()
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite's writers take turns here (see `begin`).
    writers: Arc<Mutex<()>>,
    /// The connections of the hottest reads (see `readers.rs`).
    readers: Arc<readers::Readers>,
    /// What recent searches found (see `search_cache.rs`).
    search_cache: Arc<search_cache::SearchCache>,
    /// Reads of a product by id, gathered (see `gathered.rs`).
    product_reads: Arc<gathered::ProductReads>,
}

impl Store {
    /// Connects to `sqlite://…` (the file is created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (dialect, url) = if url.starts_with("sqlite:") {
            (Dialect::Sqlite, sqlite::normalize_url(url))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_string())
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://, got {url:?}");
        };
        let options: AnyConnectOptions = url.parse()?;
        // No ping before each use of a pooled connection (sqlx's default): it added a round
        // trip to every query. A connection that died while idle (the database restarted)
        // fails the one query that meets it; the ping sqlx makes when the connection comes
        // back then fails too, and the pool closes it.
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .idle_timeout(Duration::from_secs(300))
            .test_before_acquire(false);
        let (pool, readers) = match dialect {
            Dialect::Sqlite => (
                sqlite::pool(pool_options, options.clone()).await?,
                sqlite::connections() as usize,
            ),
            Dialect::Postgres => (
                postgres::pool(pool_options, options.clone()).await?,
                postgres::READERS,
            ),
        };
        let readers = Arc::new(readers::Readers::new(options, dialect, readers));
        Ok(Store {
            pool,
            dialect,
            writers: Arc::new(Mutex::new(())),
            product_reads: Arc::new(gathered::ProductReads::start(readers.clone(), cores())),
            readers,
            search_cache: Arc::default(),
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool of the hottest reads, which lends a connection without pinging it first.
    fn readers(&self) -> &readers::Readers {
        &self.readers
    }

    /// Applies the migrations of this store's dialect that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.dialect {
            Dialect::Sqlite => {
                sqlx::migrate!("migrations/sqlite").run(&self.pool).await?;
                // A database analyzed by an earlier version keeps samples that slow the
                // reads by id down (see `forget_unique_samples`).
                sqlite::forget_unique_samples(&mut *self.pool.acquire().await?).await?;
            }
            Dialect::Postgres => sqlx::migrate!("migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that two writers wait for each other instead of failing
    /// halfway with "database is locked"; and the writers of this process first queue for
    /// their turn here. Without the queue they wait in SQLite's busy handler, which sleeps
    /// (1, 2, 5, … 100 ms) rather than waking when the lock is free: under a load of orders
    /// the benchmark saw most of each order's time spent asleep. Other processes on the same
    /// file still meet at the busy handler.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.dialect {
            Dialect::Sqlite => {
                let turn = tokio::time::timeout(WRITER_WAIT, self.writers.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                Ok(Tx {
                    inner: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                })
            }
            Dialect::Postgres => Ok(Tx {
                inner: self.pool.begin().await?,
                _turn: None,
            }),
        }
    }

    /// Stands in for autovacuum where the server has it off (as a benchmark machine may).
    /// The planner needs to know how many rows the tables that grow hold: with no statistics
    /// it guessed that each of 50 order ids matches 0.5 % of `order_lines`, and a customer's
    /// 50 orders were read by scanning the whole table (28 req/s instead of about 2,000 once
    /// 180 k orders had been placed). And a table never vacuumed keeps its dead rows and has
    /// no page marked all-visible, so that counting a customer's orders reads every one of
    /// them. (SQLite's planner takes an index for such reads without statistics, and it has no
    /// dead rows to clear.) On PostgreSQL it also folds the order counts of server processes
    /// that have ended into one row (migration 0107), whether autovacuum is on or not.
    pub async fn upkeep(&self) -> Result<Upkept, sqlx::Error> {
        match self.dialect {
            Dialect::Postgres => postgres::upkeep(&self.pool).await,
            Dialect::Sqlite => Ok(Upkept::default()),
        }
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub async fn close(&self) {
        self.readers.close();
        self.pool.close().await;
    }
}

/// The cores of this machine (2 if it cannot tell): sizes the SQLite pools and the tasks of
/// the gathered reads, a task a core, each keeping one query going.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `$first+1, $first+2, …`: `n` placeholders after the `first` already taken.
fn placeholders(first: usize, n: usize) -> String {
    let marks: Vec<String> = (first + 1..=first + n).map(|i| format!("${i}")).collect();
    marks.join(", ")
}

/// `{select} WHERE p.id IN (…)` for 1, 2, 4 … `most` ids. A list of ids is padded to the next
/// of these sizes (its last id repeated), so that each connection prepares a handful of
/// statements, not one for every length.
fn by_ids(select: &str, most: usize) -> Vec<String> {
    std::iter::successors(Some(1usize), |n| (*n < most).then_some(n * 2))
        .map(|n| format!("{select} WHERE p.id IN ({})", placeholders(0, n)))
        .collect()
}

/// The query of `by_ids` for `n` ids (at least one), and how many ids it binds.
fn padded(queries: &[String], n: usize) -> (&str, usize) {
    let size = n.max(1).next_power_of_two();
    (&queries[size.trailing_zeros() as usize], size)
}

/// True when the error is a unique-constraint violation (both drivers report the kind).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// True when the error is a foreign-key violation.
pub fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// Turns a unique violation into the given client error at the call site.
pub trait ResultExt<T> {
    fn on_unique(self, f: impl FnOnce() -> ApiError) -> Result<T, ApiError>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_unique(self, f: impl FnOnce() -> ApiError) -> Result<T, ApiError> {
        self.map_err(|e| if is_unique_violation(&e) { f() } else { e.into() })
    }
}
