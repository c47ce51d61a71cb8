//! Categories are data: the eleven of the seed to begin with, added and removed by admins.

use super::{ResultExt, Store, Tx};
use crate::domain::time::now_millis;
use crate::error::ApiError;

impl Store {
    pub async fn categories(&self) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT name FROM categories ORDER BY created_at, name")
            .fetch_all(self.pool())
            .await
    }

    /// Maps each requested name (case-insensitively) to the stored one; an unknown one is a
    /// 400 that lists the valid ones.
    pub async fn resolve_categories(
        &self,
        requested: &[String],
        field: &str,
    ) -> Result<Vec<String>, ApiError> {
        let known = self.categories().await?;
        requested
            .iter()
            .map(|r| match_category(&known, r, field))
            .collect()
    }

    pub async fn create_category(&self, name: &str) -> Result<String, ApiError> {
        sqlx::query("INSERT INTO categories (name, created_at) VALUES ($1, $2)")
            .bind(name)
            .bind(now_millis())
            .execute(self.pool())
            .await
            .on_unique(|| ApiError::Conflict {
                code: "category_exists",
                message: format!("the category {name:?} already exists"),
                field: Some("name".into()),
            })?;
        Ok(name.to_string())
    }

    /// Removes a category no product uses: 404 when unknown, 409 while in use.
    pub async fn delete_category(&self, name: &str) -> Result<(), ApiError> {
        let mut tx = self.begin().await?;
        let known: Vec<String> = sqlx::query_scalar("SELECT name FROM categories")
            .fetch_all(&mut *tx)
            .await?;
        let Some(name) = known.iter().find(|k| k.to_lowercase() == name.to_lowercase()) else {
            return Err(ApiError::NotFound(format!("there is no category named {name:?}")));
        };
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products WHERE category = $1")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
        if used > 0 {
            return Err(ApiError::conflict(
                "category_in_use",
                format!("{used} product(s) are in the category {name:?}; move or delete them first"),
            ));
        }
        sqlx::query("DELETE FROM categories WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn match_category(known: &[String], requested: &str, field: &str) -> Result<String, ApiError> {
    let wanted = requested.trim().to_lowercase();
    known
        .iter()
        .find(|k| k.to_lowercase() == wanted)
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!(
                    "unknown category {requested:?}; valid ones are {}",
                    known.join(", ")
                ),
            )
        })
}

/// The stored name of a category, read inside a write transaction.
pub(super) async fn canonical_category(tx: &mut Tx, requested: &str) -> Result<String, ApiError> {
    let known: Vec<String> = sqlx::query_scalar("SELECT name FROM categories ORDER BY created_at, name")
        .fetch_all(&mut **tx)
        .await?;
    match_category(&known, requested, "category")
}
