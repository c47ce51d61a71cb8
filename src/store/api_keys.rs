//! API keys: only a hash of each key is stored.

use sqlx::FromRow;

use super::Store;
use crate::domain::time::now_millis;

#[derive(Clone, Debug, FromRow)]
pub struct ApiKeyRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created_at: i64,
}

pub struct NewApiKey<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub scopes: &'a str,
    pub created_at: i64,
}

const KEY_COLUMNS: &str = "id, user_id, name, prefix, scopes, created_at";

impl Store {
    pub async fn insert_api_key(&self, key: NewApiKey<'_>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.id)
        .bind(key.user_id)
        .bind(key.name)
        .bind(key.prefix)
        .bind(key.key_hash)
        .bind(key.scopes)
        .bind(key.created_at)
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    /// The live (not revoked) key with this hash.
    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
        ))
        .bind(key_hash)
        .fetch_optional(self.pool())
        .await
    }

    pub async fn api_keys_of(&self, user_id: &str) -> Result<Vec<ApiKeyRecord>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL \
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await
    }

    /// Revokes a key of `user_id`; false when there is no such live key of theirs.
    pub async fn revoke_api_key(&self, user_id: &str, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_millis())
        .bind(id)
        .bind(user_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
