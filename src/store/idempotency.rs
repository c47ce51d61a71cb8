//! Idempotency keys: the first request with a key runs; later ones with the same key and
//! body replay its reply, for 24 hours. Keys belong to one user.

use sqlx::FromRow;

use super::Store;
use crate::domain::time::now_millis;

pub const KEY_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// A reply kept for replay.
#[derive(Clone, Debug, FromRow)]
pub struct SavedReply {
    pub status_code: i64,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: String,
}

#[derive(Debug)]
pub enum Claim {
    /// This request is the first: run it, then `save_reply`.
    Fresh,
    /// Same key, same body, finished: send this again.
    Replay(SavedReply),
    /// Same key, another body.
    Mismatch,
    /// Same key, the first request is still running.
    InFlight,
}

#[derive(FromRow)]
struct KeyRow {
    request_hash: String,
    status_code: Option<i64>,
    content_type: Option<String>,
    location: Option<String>,
    body: Option<String>,
    created_at: i64,
}

impl Store {
    /// Claims `key` for this request, or says why not. The claim is committed at once, so
    /// that a concurrent request with the same key sees it.
    pub async fn claim_idempotency_key(
        &self,
        user_id: &str,
        key: &str,
        request_hash: &str,
    ) -> Result<Claim, sqlx::Error> {
        let now = now_millis();
        // A key past its lifetime is free again.
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < $3")
            .bind(user_id)
            .bind(key)
            .bind(now - KEY_LIFETIME_MS)
            .execute(self.pool())
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user_id)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .execute(self.pool())
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Fresh);
        }
        let row: Option<KeyRow> = sqlx::query_as(
            "SELECT request_hash, status_code, content_type, location, body, created_at \
             FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        )
        .bind(user_id)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            // Released between our insert and read (the first failed): try once more.
            return Box::pin(self.claim_idempotency_key(user_id, key, request_hash)).await;
        };
        debug_assert!(row.created_at >= now - KEY_LIFETIME_MS);
        if row.request_hash != request_hash {
            return Ok(Claim::Mismatch);
        }
        Ok(match (row.status_code, row.body) {
            (Some(status_code), Some(body)) => Claim::Replay(SavedReply {
                status_code,
                content_type: row.content_type,
                location: row.location,
                body,
            }),
            _ => Claim::InFlight,
        })
    }

    pub async fn save_idempotent_reply(
        &self,
        user_id: &str,
        key: &str,
        reply: &SavedReply,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $1, content_type = $2, location = $3, body = $4 \
             WHERE user_id = $5 AND key = $6",
        )
        .bind(reply.status_code)
        .bind(&reply.content_type)
        .bind(&reply.location)
        .bind(&reply.body)
        .bind(user_id)
        .bind(key)
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// Frees a key whose request failed on our side, so that a retry can run.
    pub async fn release_idempotency_key(&self, user_id: &str, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status_code IS NULL")
            .bind(user_id)
            .bind(key)
            .execute(self.pool())
            .await
            .map(|_| ())
    }

    /// Forgets expired idempotency keys and login failures; returns how many rows went.
    pub async fn prune(&self) -> Result<u64, sqlx::Error> {
        let now = now_millis();
        let keys = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(now - KEY_LIFETIME_MS)
            .execute(self.pool())
            .await?;
        let failures = sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - crate::domain::throttle::WINDOW_MS)
            .execute(self.pool())
            .await?;
        Ok(keys.rows_affected() + failures.rows_affected())
    }
}
