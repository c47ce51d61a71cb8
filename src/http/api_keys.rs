//! `/api-keys`: keys for scripts and integrations (seed 003's "Provide your API key").

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::Message;
use super::auth::Caller;
use super::extract::{AppJson, PathId};
use crate::auth::new_api_key;
use crate::domain::id::ObjectId;
use crate::domain::time::{format_millis, now_millis};
use crate::domain::user::parse_scopes;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::api_keys::{ApiKeyRecord, NewApiKey};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api-keys", get(list).post(create))
        .route("/api-keys/{id}", delete(revoke))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, revoke))]
pub(super) struct Doc;

#[derive(Deserialize, ToSchema)]
pub struct ApiKeyInput {
    /// What the key is for, 1 to 100 characters.
    name: String,
    /// Any of `orders:read`, `orders:write`; admins also `orders:admin`, `products:write`.
    scopes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyView {
    #[serde(rename = "_id")]
    id: String,
    name: String,
    /// The first characters of the key, to recognise it.
    prefix: String,
    scopes: Vec<String>,
    #[serde(rename = "createdAt")]
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewApiKeyView {
    #[serde(flatten)]
    view: ApiKeyView,
    /// The key itself, shown this once: only a hash is kept.
    key: String,
}

impl From<ApiKeyRecord> for ApiKeyView {
    fn from(r: ApiKeyRecord) -> Self {
        ApiKeyView {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: r.scopes.split(',').map(str::to_string).collect(),
            created_at: format_millis(r.created_at),
        }
    }
}

/// Makes an API key; the key is in the reply once and never again.
#[utoipa::path(post, path = "/api-keys", tag = "api-keys", request_body = ApiKeyInput, security(("bearer" = [])),
    responses((status = 201, body = NewApiKeyView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(input): AppJson<ApiKeyInput>,
) -> ApiResult<(StatusCode, Json<NewApiKeyView>)> {
    caller.require_login_token()?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("name", "name must be 1 to 100 characters long"));
    }
    let scopes = parse_scopes(&input.scopes)?;
    if let Some(scope) = scopes.iter().find(|s| s.admin_only())
        && !caller.is_admin()
    {
        return Err(ApiError::Forbidden(format!(
            "only an admin may make a key with the scope {}",
            scope.as_str()
        )));
    }
    let (key, key_hash) = new_api_key();
    let record = ApiKeyRecord {
        id: ObjectId::new().to_string(),
        user_id: caller.id().to_string(),
        name: name.to_string(),
        prefix: key[..10].to_string(),
        scopes: scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","),
        created_at: now_millis(),
    };
    state
        .store
        .insert_api_key(NewApiKey {
            id: &record.id,
            user_id: &record.user_id,
            name: &record.name,
            prefix: &record.prefix,
            key_hash: &key_hash,
            scopes: &record.scopes,
            created_at: record.created_at,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewApiKeyView {
            view: record.into(),
            key,
        }),
    ))
}

/// The caller's live keys, without their secrets.
#[utoipa::path(get, path = "/api-keys", tag = "api-keys", security(("bearer" = [])),
    responses((status = 200, body = [ApiKeyView]), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ApiKeyView>>> {
    caller.require_login_token()?;
    let keys = state.store.api_keys_of(caller.id()).await?;
    Ok(Json(keys.into_iter().map(ApiKeyView::from).collect()))
}

/// Revokes one of the caller's keys; it stops working at once.
#[utoipa::path(delete, path = "/api-keys/{id}", tag = "api-keys", security(("bearer" = [])),
    params(("id" = String, Path, description = "The key's `_id`")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Message>> {
    caller.require_login_token()?;
    if !state.store.revoke_api_key(caller.id(), &id.to_string()).await? {
        return Err(ApiError::not_found("API key"));
    }
    Ok(Json(Message::new("API key revoked")))
}
