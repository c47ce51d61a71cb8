//! Making admins, from the command line and from `SHOP_ADMIN_EMAIL`/`SHOP_ADMIN_PASSWORD`.
//! The API itself never makes an admin.

use crate::auth::hash_password;
use crate::domain::user::{Email, Password, Role, parse_name};
use crate::error::ApiError;
use crate::store::Store;

#[derive(Debug, PartialEq, Eq)]
pub enum AdminOutcome {
    Created,
    Promoted,
    AlreadyAdmin,
}

/// Creates an admin, or promotes the existing user with that email (whose password stays).
pub async fn ensure_admin(
    store: &Store,
    email: &str,
    password: &str,
    name: Option<&str>,
) -> anyhow::Result<AdminOutcome> {
    let email = Email::parse(email).map_err(describe)?;
    if let Some(user) = store.user_by_email(&email).await? {
        if user.role() == Role::Admin {
            return Ok(AdminOutcome::AlreadyAdmin);
        }
        store.set_role(&user.id, Role::Admin).await?;
        return Ok(AdminOutcome::Promoted);
    }
    let password = Password::parse(password.to_string()).map_err(describe)?;
    let name = parse_name(name.unwrap_or("Admin")).map_err(describe)?;
    let hash = hash_password(password.expose().to_string()).await?;
    match store.create_user(&name, &email, &hash, Role::Admin).await {
        Ok(_) => Ok(AdminOutcome::Created),
        // Another process made it between our look-up and insert: promote that one.
        Err(ApiError::Conflict { .. }) => {
            Box::pin(ensure_admin(
                store,
                email.as_str(),
                password.expose(),
                Some(&name),
            ))
            .await
        }
        Err(e) => Err(describe(e)),
    }
}

fn describe(err: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{err}")
}
