//! `/categories`: the categories products may be in.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::extract::AppJson;
use super::{AppState, Message};
use crate::domain::product::parse_category_name;
use crate::domain::user::Scope;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/categories", get(list).post(create))
        .route("/categories/{name}", delete(remove))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, remove))]
pub(super) struct Doc;

#[derive(Deserialize, ToSchema)]
pub struct CategoryInput {
    /// 1 to 100 characters, no comma.
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Category {
    name: String,
}

/// Every category, in the order they were added.
#[utoipa::path(get, path = "/categories", tag = "categories", responses((status = 200, body = [Category])))]
async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<Category>>> {
    let names = state.store.categories().await?;
    Ok(Json(names.into_iter().map(|name| Category { name }).collect()))
}

/// Adds a category (admin).
#[utoipa::path(post, path = "/categories", tag = "categories", request_body = CategoryInput, security(("bearer" = [])),
    responses((status = 201, body = Category), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(input): AppJson<CategoryInput>,
) -> ApiResult<(StatusCode, Json<Category>)> {
    caller.require_admin(Scope::ProductsWrite)?;
    let name = parse_category_name(&input.name).map_err(|_| {
        ApiError::invalid(
            "name",
            "a category name is 1 to 100 characters long and has no comma",
        )
    })?;
    let name = state.store.create_category(&name).await?;
    Ok((StatusCode::CREATED, Json(Category { name })))
}

/// Removes a category (admin); 409 while a product is in it.
#[utoipa::path(delete, path = "/categories/{name}", tag = "categories", security(("bearer" = [])),
    params(("name" = String, Path, description = "The category's name")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<Message>> {
    caller.require_admin(Scope::ProductsWrite)?;
    state.store.delete_category(&name).await?;
    Ok(Json(Message::new("Category deleted successfully")))
}
