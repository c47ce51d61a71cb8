//! `/products` (seed 001): the public catalogue and its admin writes.

use axum::extract::State;
use axum::http::header::{ETAG, IF_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::extract::{AppJson, AppQuery, PathId};
use super::{AppState, Message};
use crate::domain::id::ObjectId;
use crate::domain::product::{Product, ProductInput, ProductListParams};
use crate::domain::user::Scope;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::products::Precondition;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/products", get(list).post(create))
        .route("/products/{id}", get(show).put(update).delete(remove))
        // Seed 001 documents the delete at the singular path.
        .route("/product/{id}", delete(remove_at_seed_path))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, show, update, remove, remove_at_seed_path))]
pub(super) struct Doc;

#[derive(Serialize, ToSchema)]
pub struct ProductList {
    /// How many products match, over all pages.
    total: i64,
    page: i64,
    limit: i64,
    /// The categories applied; `["All"]` when none.
    category: Vec<String>,
    products: Vec<Product>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductCreated {
    message: &'static str,
    product: Product,
}

#[derive(Serialize, ToSchema)]
pub struct ProductUpdated {
    message: &'static str,
    #[serde(rename = "newProduct")]
    new_product: Product,
}

/// Lists products a page at a time, with search, sort and category filters.
#[utoipa::path(get, path = "/products", tag = "products", params(ProductListParams),
    responses((status = 200, body = ProductList), (status = 400, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    AppQuery(params): AppQuery<ProductListParams>,
) -> ApiResult<Json<ProductList>> {
    let query = params.parse()?;
    let categories = state
        .store
        .resolve_categories(&query.categories, "category")
        .await?;
    let page = state.store.list_products(&query, &categories).await?;
    Ok(Json(ProductList {
        total: page.total,
        page: query.paging.page,
        limit: query.paging.limit,
        category: if categories.is_empty() {
            vec!["All".to_string()]
        } else {
            categories
        },
        products: page.products,
    }))
}

/// Adds a product (admin, or an API key with `products:write`).
#[utoipa::path(post, path = "/products", tag = "products", request_body = ProductInput, security(("bearer" = [])),
    responses((status = 201, body = ProductCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    AppJson(input): AppJson<ProductInput>,
) -> ApiResult<(StatusCode, Json<ProductCreated>)> {
    caller.require_admin(Scope::ProductsWrite)?;
    let new = input.into_new()?;
    let mut product = state.store.create_product(new).await?;
    // With Stripe on, the product gets its Stripe Product and Price; if Stripe refuses, the
    // product is taken back, so that nothing is half made.
    match state.payments.create_product(&product).await {
        Ok(Some((stripe_product, stripe_price))) => {
            state
                .store
                .set_stripe_ids(&product.id, &stripe_product, &stripe_price)
                .await?;
            product.stripe_product_id = Some(stripe_product);
            product.stripe_price_id = Some(stripe_price);
        }
        Ok(None) => {}
        Err(e) => {
            state
                .store
                .delete_product(&ObjectId::parse(&product.id).expect("a stored id"))
                .await?;
            return Err(e);
        }
    }
    Ok((
        StatusCode::CREATED,
        Json(ProductCreated {
            message: "Product created successfully",
            product,
        }),
    ))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("a number is a valid header value")
}

/// One product, with its version as the `ETag`.
#[utoipa::path(get, path = "/products/{id}", tag = "products",
    params(("id" = String, Path, description = "The product's `_id`")),
    responses((status = 200, body = Product, headers(("etag" = String))), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show(State(state): State<AppState>, PathId(id): PathId) -> ApiResult<impl IntoResponse> {
    let product = state
        .store
        .product(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    Ok(([(ETAG, etag(product.version))], Json(product)))
}

/// Reads `If-Match: "<v>"` (or `*`, which matches anything).
fn precondition(headers: &HeaderMap) -> ApiResult<Precondition> {
    let Some(value) = headers.get(IF_MATCH) else {
        return Ok(Precondition::None);
    };
    let raw = value.to_str().unwrap_or("").trim();
    if raw == "*" {
        return Ok(Precondition::None);
    }
    let tag = raw.strip_prefix("W/").unwrap_or(raw).trim_matches('"');
    tag.parse::<i64>().map(Precondition::IfMatch).map_err(|_| {
        ApiError::bad_request(
            "invalid_if_match",
            format!("If-Match must be an ETag of this API, like \"3\"; got {raw:?}"),
        )
    })
}

/// Changes any subset of a product's fields (admin). A stale `If-Match` is a 412, a stale
/// `__v` in the body a 409.
#[utoipa::path(put, path = "/products/{id}", tag = "products", request_body = ProductInput, security(("bearer" = [])),
    params(("id" = String, Path, description = "The product's `_id`"), ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")),
    responses((status = 200, body = ProductUpdated), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
    AppJson(input): AppJson<ProductInput>,
) -> ApiResult<impl IntoResponse> {
    caller.require_admin(Scope::ProductsWrite)?;
    let precondition = precondition(&headers)?;
    let mut changes = input.into_changes()?;
    // Stripe prices are immutable: a new price gets a new Price, and the old one is archived.
    let mut replaced_price = None;
    if let Some(price) = changes.price
        && state.payments.is_stripe()
    {
        let current = state
            .store
            .product(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("product"))?;
        if price != current.price {
            changes.stripe_price_id = state.payments.new_price(&current, price).await?;
            replaced_price = current
                .stripe_price_id
                .filter(|_| changes.stripe_price_id.is_some());
        }
    }
    let product = state.store.update_product(&id, changes, precondition).await?;
    if let Some(old) = replaced_price {
        state.payments.archive_price(&old).await;
    }
    Ok((
        [(ETAG, etag(product.version))],
        Json(ProductUpdated {
            message: "Product updated successfully",
            new_product: product,
        }),
    ))
}

/// Deletes a product (admin). Orders that hold it keep their lines as bought.
#[utoipa::path(delete, path = "/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "The product's `_id`")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Json<Message>> {
    caller.require_admin(Scope::ProductsWrite)?;
    if !state.store.delete_product(&id).await? {
        return Err(ApiError::not_found("product"));
    }
    Ok(Json(Message::new("Product deleted successfully")))
}

/// The same delete at the singular path seed 001 documents.
#[utoipa::path(delete, path = "/product/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = String, Path, description = "The product's `_id`")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody)))]
async fn remove_at_seed_path(state: State<AppState>, caller: Caller, id: PathId) -> ApiResult<Json<Message>> {
    remove(state, caller, id).await
}
