//! Who is calling: a login token or an API key in `Authorization`, resolved to a user.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use crate::auth::hash_api_key;
use crate::domain::user::{Role, Scope};
use crate::error::ApiError;
use crate::store::users::UserRecord;

/// An authenticated caller. With an API key, `scopes` limits what it may do; with a login
/// token it may do all its role allows.
pub struct Caller {
    pub user: UserRecord,
    pub scopes: Option<Vec<Scope>>,
}

impl Caller {
    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.role() == Role::Admin
    }

    pub fn is_api_key(&self) -> bool {
        self.scopes.is_some()
    }

    /// A key must carry `scope`; a login token always may.
    pub fn require_scope(&self, scope: Scope) -> Result<(), ApiError> {
        match &self.scopes {
            Some(scopes) if !scopes.contains(&scope) => Err(ApiError::Forbidden(format!(
                "this API key lacks the scope {}; make a key that has it",
                scope.as_str()
            ))),
            _ => Ok(()),
        }
    }

    /// The caller must be an admin, and a key must carry `scope`.
    pub fn require_admin(&self, scope: Scope) -> Result<(), ApiError> {
        if !self.is_admin() {
            return Err(ApiError::Forbidden("only an admin may do this".into()));
        }
        self.require_scope(scope)
    }

    /// Managing keys takes a login token: a key cannot make or revoke keys.
    pub fn require_login_token(&self) -> Result<(), ApiError> {
        if self.is_api_key() {
            return Err(ApiError::Forbidden(
                "API keys are managed with a login token, not with a key".into(),
            ));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::Unauthorized("send a token or API key as Authorization: Bearer <token>".into())
            })?
            .to_str()
            .map_err(|_| ApiError::Unauthorized("the Authorization header is not valid text".into()))?
            .trim();
        let credential = match header.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            Some(_) => {
                return Err(ApiError::Unauthorized(
                    "use Authorization: Bearer <token>, or a bare API key sk_…".into(),
                ));
            }
            None => header,
        };
        if credential.starts_with("sk_") {
            let key = state
                .store
                .api_key_by_hash(&hash_api_key(credential))
                .await?
                .ok_or_else(|| ApiError::Unauthorized("this API key is not valid or was revoked".into()))?;
            let user =
                state.store.user_by_id(&key.user_id).await?.ok_or_else(|| {
                    ApiError::Unauthorized("the owner of this API key no longer exists".into())
                })?;
            let scopes = key.scopes.split(',').filter_map(|s| s.parse().ok()).collect();
            return Ok(Caller {
                user,
                scopes: Some(scopes),
            });
        }
        let user_id = state.tokens.verify(credential)?;
        let user = state
            .store
            .user_by_id(&user_id)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the account of this token no longer exists".into()))?;
        Ok(Caller { user, scopes: None })
    }
}
