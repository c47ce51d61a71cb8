//! Users and the login throttle.

use sqlx::FromRow;

use super::{ResultExt, Store};
use crate::domain::id::ObjectId;
use crate::domain::time::{format_millis, now_millis};
use crate::domain::user::{Email, Role};
use crate::error::ApiError;

/// A user as stored, hash included; only `UserView` leaves the server.
#[derive(Clone, Debug, FromRow)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user as the API shows it: never the hash.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    pub email: String,
    /// `admin` or `customer`.
    pub role: String,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    #[serde(rename = "updatedAt")]
    pub updated_at: String,
}

impl UserRecord {
    pub fn role(&self) -> Role {
        Role::from_stored(&self.role)
    }

    pub fn view(&self) -> UserView {
        UserView {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role.clone(),
            created_at: format_millis(self.created_at),
            updated_at: format_millis(self.updated_at),
        }
    }
}

const USER_COLUMNS: &str = "id, name, email, password_hash, role, created_at, updated_at";

impl Store {
    pub async fn create_user(
        &self,
        name: &str,
        email: &Email,
        password_hash: &str,
        role: Role,
    ) -> Result<UserRecord, ApiError> {
        let now = now_millis();
        let user = UserRecord {
            id: ObjectId::new().to_string(),
            name: name.to_string(),
            email: email.as_str().to_string(),
            password_hash: password_hash.to_string(),
            role: role.as_str().to_string(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(
            "INSERT INTO users (id, name, email, password_hash, role, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
        )
        .bind(&user.id)
        .bind(&user.name)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(&user.role)
        .bind(now)
        .bind(now)
        .execute(self.pool())
        .await
        .on_unique(|| ApiError::Conflict {
            code: "email_taken",
            message: format!(
                "an account with the email {} already exists; log in instead",
                email.as_str()
            ),
            field: Some("email".into()),
        })?;
        Ok(user)
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"))
            .bind(email.as_str())
            .fetch_optional(self.pool())
            .await
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
        // Every authenticated request reads its user: one of the hottest reads.
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        self.readers().fetch_optional(sqlx::query_as(&sql).bind(id)).await
    }

    pub async fn set_role(&self, id: &str, role: Role) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE users SET role = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND role <> $1",
        )
        .bind(role.as_str())
        .bind(now_millis())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Failed logins for `subject` since `since_ms`, oldest first.
    pub async fn login_failures_since(&self, subject: &str, since_ms: i64) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar("SELECT at FROM login_failures WHERE subject = $1 AND at >= $2 ORDER BY at")
            .bind(subject)
            .bind(since_ms)
            .fetch_all(self.pool())
            .await
    }

    /// Records a failed login against each subject and forgets ones older than the window.
    pub async fn record_login_failure(
        &self,
        subjects: &[&str],
        window_start_ms: i64,
    ) -> Result<(), sqlx::Error> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        for subject in subjects {
            sqlx::query("DELETE FROM login_failures WHERE subject = $1 AND at < $2")
                .bind(*subject)
                .bind(window_start_ms)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO login_failures (subject, at) VALUES ($1, $2)")
                .bind(*subject)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    pub async fn clear_login_failures(&self, subject: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(subject)
            .execute(self.pool())
            .await
            .map(|_| ())
    }
}
