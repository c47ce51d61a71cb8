//! `Idempotency-Key` on order-placing POSTs: the first request with a key runs; a repeat with
//! the same body within 24 h gets the first reply again (with `Idempotent-Replayed: true`);
//! a repeat with another body, or while the first still runs, gets a 409.

use std::future::Future;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::AppState;
use super::extract::{json_bytes, parse_json};
use crate::error::ApiError;
use crate::store::idempotency::{Claim, SavedReply};

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A JSON body with the key it was sent with (if any) and a hash of the request.
pub struct Keyed<T> {
    pub value: T,
    pub key: Option<String>,
    pub request_hash: String,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Keyed<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let key = idempotency_key(req.headers())?;
        let path = req.uri().path().to_string();
        let bytes = json_bytes(req, state).await?;
        let value = parse_json(&bytes)?;
        let mut hasher = Sha256::new();
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(&bytes);
        Ok(Keyed {
            value,
            key,
            request_hash: hex::encode(hasher.finalize()),
        })
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(Some(key.to_string()))
}

/// Runs `work` at most once per (user, key). The work runs in a task of its own, so that a
/// client that hangs up cannot leave an order half-recorded.
pub async fn once<Fut>(
    state: &AppState,
    user_id: &str,
    key: Option<String>,
    request_hash: &str,
    work: Fut,
) -> Result<Response, ApiError>
where
    Fut: Future<Output = Result<Response, ApiError>> + Send + 'static,
{
    let Some(key) = key else {
        return spawned(work).await;
    };
    match state
        .store
        .claim_idempotency_key(user_id, &key, request_hash)
        .await?
    {
        Claim::Fresh => {}
        Claim::Replay(saved) => return Ok(replay(saved)),
        Claim::Mismatch => {
            return Err(ApiError::conflict(
                "idempotency_key_reused",
                "this Idempotency-Key was used with another request; use a new key for a new request",
            ));
        }
        Claim::InFlight => {
            return Err(ApiError::conflict(
                "idempotency_key_in_flight",
                "a request with this Idempotency-Key is still running; retry when it has finished",
            ));
        }
    }
    let store = state.store.clone();
    let user_id = user_id.to_string();
    let handle = tokio::spawn(async move {
        let response = work.await.unwrap_or_else(IntoResponse::into_response);
        if response.status().is_server_error() {
            store.release_idempotency_key(&user_id, &key).await?;
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let saved = SavedReply {
            status_code: i64::from(parts.status.as_u16()),
            content_type: header(CONTENT_TYPE),
            location: header(LOCATION),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        store.save_idempotent_reply(&user_id, &key, &saved).await?;
        Ok::<_, ApiError>(Response::from_parts(parts, Body::from(bytes)))
    });
    handle.await.map_err(|e| ApiError::Internal(e.into()))?
}

async fn spawned<Fut>(work: Fut) -> Result<Response, ApiError>
where
    Fut: Future<Output = Result<Response, ApiError>> + Send + 'static,
{
    tokio::spawn(work)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
}

fn replay(saved: SavedReply) -> Response {
    let status = u16::try_from(saved.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = (status, saved.body).into_response();
    let headers = response.headers_mut();
    if let Some(ct) = saved.content_type.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(CONTENT_TYPE, ct);
    }
    if let Some(loc) = saved.location.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(LOCATION, loc);
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
