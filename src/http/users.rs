//! `/auth`: register, log in, and who am I.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::auth::Caller;
use super::extract::AppJson;
use crate::auth::{hash_password, verify_password};
use crate::domain::throttle::{MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_EMAIL, WINDOW_MS, retry_after};
use crate::domain::time::now_millis;
use crate::domain::user::{Email, Password, Role, parse_name};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::users::UserView;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/me", get(me))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(register, login, me))]
pub(super) struct Doc;

#[derive(Deserialize, ToSchema)]
pub struct RegisterInput {
    name: String,
    email: String,
    /// At least 8 characters.
    password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginInput {
    email: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuthReply {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    user: UserView,
}

/// Creates a customer account and logs it in.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterInput,
    responses((status = 201, body = AuthReply), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn register(
    State(state): State<AppState>,
    AppJson(input): AppJson<RegisterInput>,
) -> ApiResult<(StatusCode, Json<AuthReply>)> {
    let name = parse_name(&input.name)?;
    let email = Email::parse(&input.email)?;
    let password = Password::parse(input.password)?;
    let hash = hash_password(password.expose().to_string()).await?;
    let user = state
        .store
        .create_user(&name, &email, &hash, Role::Customer)
        .await?;
    let token = state.tokens.issue(&user.id)?;
    Ok((
        StatusCode::CREATED,
        Json(AuthReply {
            token,
            user: user.view(),
        }),
    ))
}

/// Logs in. A wrong email and a wrong password get the same 401; after 10 failures for one
/// email, or 30 from one address, within 15 minutes, logins get 429 until the window ends.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = AuthReply), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    AppJson(input): AppJson<LoginInput>,
) -> ApiResult<Json<AuthReply>> {
    // Any text is looked up as it is given: a malformed email is just one nobody has, so it
    // gets the same 401 as any unknown one.
    let email = input.email.trim().to_lowercase();
    let by_email = format!("email:{email}");
    let by_address = format!("ip:{}", peer.ip());
    let now = now_millis();
    for (subject, limit) in [
        (&by_email, MAX_FAILURES_PER_EMAIL),
        (&by_address, MAX_FAILURES_PER_ADDRESS),
    ] {
        let failures = state.store.login_failures_since(subject, now - WINDOW_MS).await?;
        if let Some(wait) = retry_after(&failures, limit, now) {
            return Err(ApiError::TooManyRequests {
                message: format!("too many failed logins; try again in {wait} seconds"),
                retry_after: wait,
            });
        }
    }
    let user = match Email::parse(&email) {
        Ok(email) => state.store.user_by_email(&email).await?,
        Err(_) => None,
    };
    let ok = verify_password(input.password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let Some(user) = user.filter(|_| ok) else {
        state
            .store
            .record_login_failure(&[&by_email, &by_address], now - WINDOW_MS)
            .await?;
        return Err(ApiError::Unauthorized("wrong email or password".into()));
    };
    state.store.clear_login_failures(&by_email).await?;
    let token = state.tokens.issue(&user.id)?;
    Ok(Json(AuthReply {
        token,
        user: user.view(),
    }))
}

/// The caller's own account.
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
async fn me(caller: Caller) -> Json<UserView> {
    Json(caller.user.view())
}
