//! Small server-wide values kept in the database (the generated JWT secret), so that every
//! process and every restart sees the same ones.

use super::Store;

impl Store {
    /// Returns the value stored under `key`, storing `make()` first if there is none.
    /// Safe when several processes race: the first insert wins and all read it back.
    pub async fn setting_or_insert(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, sqlx::Error> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(make())
            .execute(self.pool())
            .await?;
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(self.pool())
            .await
    }
}
