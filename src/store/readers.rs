//! Connections for the hottest reads: a product by id, the product lists, the user of a
//! request, and the order lists.
//!
//! sqlx's pool pings every connection it gets back (a `Sync` and its answer on PostgreSQL,
//! a trip to the connection's thread on SQLite) before lending it again. For a read by id
//! that doubles the round trips; a profile of `GET /products/:id` on PostgreSQL spent most
//! of its time waking processes for them. These reads take their connections from a pool of
//! their own that hands a connection back unchecked, unless the query on it did not finish
//! (an error, or a request dropped halfway): such a connection is closed, never lent again.
//! Writes keep sqlx's pool and its transactions.

use deadpool::managed::{self, Metrics, Object, RecycleError, RecycleResult};
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyRow};
use sqlx::query::{QueryAs, QueryScalar};
use sqlx::{Any, AnyConnection, Connection, FromRow};

use super::{Dialect, sqlite};

/// A connection and whether the last query on it ran to its end.
pub struct Reader {
    conn: AnyConnection,
    finished: bool,
}

pub struct Connector {
    options: AnyConnectOptions,
    dialect: Dialect,
}

impl managed::Manager for Connector {
    type Type = Reader;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<Reader, sqlx::Error> {
        let mut conn = AnyConnection::connect_with(&self.options).await?;
        if self.dialect == Dialect::Sqlite {
            sqlite::configure(&mut conn).await?;
        }
        Ok(Reader {
            conn,
            finished: false,
        })
    }

    async fn recycle(&self, reader: &mut Reader, _: &Metrics) -> RecycleResult<sqlx::Error> {
        if reader.finished {
            reader.finished = false;
            Ok(())
        } else {
            Err(RecycleError::message("its last query did not finish"))
        }
    }
}

pub struct Readers(managed::Pool<Connector>);

impl Readers {
    pub fn new(options: AnyConnectOptions, dialect: Dialect, size: usize) -> Self {
        let pool = managed::Pool::builder(Connector { options, dialect })
            .max_size(size)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .expect("a pool with a runtime and a size");
        Readers(pool)
    }

    async fn get(&self) -> Result<Object<Connector>, sqlx::Error> {
        self.0.get().await.map_err(|e| match e {
            managed::PoolError::Backend(e) => e,
            managed::PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
            _ => sqlx::Error::PoolClosed,
        })
    }

    pub async fn fetch_all<'q, R>(
        &self,
        query: QueryAs<'q, Any, R, AnyArguments<'q>>,
    ) -> Result<Vec<R>, sqlx::Error>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let mut reader = self.get().await?;
        let rows = query.fetch_all(&mut reader.conn).await?;
        reader.finished = true;
        Ok(rows)
    }

    pub async fn fetch_optional<'q, R>(
        &self,
        query: QueryAs<'q, Any, R, AnyArguments<'q>>,
    ) -> Result<Option<R>, sqlx::Error>
    where
        R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        let mut reader = self.get().await?;
        let row = query.fetch_optional(&mut reader.conn).await?;
        reader.finished = true;
        Ok(row)
    }

    pub async fn fetch_scalar<'q>(
        &self,
        query: QueryScalar<'q, Any, i64, AnyArguments<'q>>,
    ) -> Result<i64, sqlx::Error> {
        let mut reader = self.get().await?;
        let value = query.fetch_one(&mut reader.conn).await?;
        reader.finished = true;
        Ok(value)
    }

    pub fn close(&self) {
        self.0.close();
    }
}
