//! Reads of one product by id, gathered into one query when they arrive together.
//!
//! `GET /products/:id` is the hottest read, and alone each one costs a round trip to the
//! database: a write, a wakeup of the server, a read, for a single row. Here a request puts
//! its id on a queue, and a few tasks (one a core) take everything waiting and read it with
//! one `WHERE id IN (…)`. A request that finds a task idle is read at once, alone; requests
//! that arrive while every task is busy share the next query. Nothing waits for a timer, and
//! every read is made after its request arrived, so a client still reads its own writes.
//!
//! If the gathered query fails, or the tasks are gone (their runtime ended), each request
//! makes its own read and so gets its own error.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use tokio::sync::{Mutex, mpsc, oneshot};

use super::products::{PRODUCT_COLUMNS, ProductRow};
use super::readers::Readers;
use super::{by_ids, padded};

/// The most ids one query reads.
const MOST: usize = 64;

/// Requests waiting beyond this many make their own reads.
const QUEUE: usize = 4096;

/// What a request gets back from a task: its row (or none, no such product), or `Err` when
/// the gathered read failed and it should read alone.
type Answer = Result<Option<ProductRow>, ()>;

struct Wanted {
    id: String,
    answer: oneshot::Sender<Answer>,
}

pub(super) struct ProductReads {
    queue: mpsc::Sender<Wanted>,
    readers: Arc<Readers>,
}

impl ProductReads {
    /// Starts `tasks` readers on the current runtime, each taking its connection from
    /// `readers` for every query.
    pub(super) fn start(readers: Arc<Readers>, tasks: usize) -> ProductReads {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let waiting = Arc::new(Mutex::new(waiting));
        for _ in 0..tasks.max(1) {
            tokio::spawn(read_gathered(waiting.clone(), readers.clone()));
        }
        ProductReads { queue, readers }
    }

    /// The row of product `id`, read with whatever else is waiting, or alone if that fails.
    pub(super) async fn read(&self, id: String) -> Result<Option<ProductRow>, sqlx::Error> {
        let (answer, answered) = oneshot::channel();
        let wanted = Wanted {
            id: id.clone(),
            answer,
        };
        if self.queue.try_send(wanted).is_ok()
            && let Ok(Ok(row)) = answered.await
        {
            return Ok(row);
        }
        self.readers
            .fetch_optional(sqlx::query_as(&QUERIES[0]).bind(id))
            .await
    }
}

/// One task: takes the first request to come and all that wait behind it, and answers them.
async fn read_gathered(waiting: Arc<Mutex<mpsc::Receiver<Wanted>>>, readers: Arc<Readers>) {
    loop {
        let batch = {
            let mut waiting = waiting.lock().await;
            let Some(first) = waiting.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MOST {
                match waiting.try_recv() {
                    Ok(wanted) => batch.push(wanted),
                    Err(_) => break,
                }
            }
            batch
        };
        answer(&readers, batch).await;
    }
}

/// The queries for 1, 2, 4 … `MOST` ids (see `by_ids`).
static QUERIES: LazyLock<Vec<String>> =
    LazyLock::new(|| by_ids(&format!("SELECT {PRODUCT_COLUMNS} FROM products p"), MOST));

async fn answer(readers: &Readers, batch: Vec<Wanted>) {
    let (sql, size) = padded(&QUERIES, batch.len());
    let mut query = sqlx::query_as::<_, ProductRow>(sql);
    for i in 0..size {
        query = query.bind(batch[i.min(batch.len() - 1)].id.as_str());
    }
    match readers.fetch_all(query).await {
        Ok(rows) => {
            let by_id: HashMap<&str, &ProductRow> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
            for wanted in batch {
                let row = by_id.get(wanted.id.as_str()).map(|r| (*r).clone());
                let _ = wanted.answer.send(Ok(row));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, ids = batch.len(), "a gathered read of products failed; each request reads alone");
            for wanted in batch {
                let _ = wanted.answer.send(Err(()));
            }
        }
    }
}
