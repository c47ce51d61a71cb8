//! The HTTP surface: shared state, the router that merges every resource's routes, and the
//! layers around them (request ids, logs and metrics, body limit, panics).

mod api_keys;
mod auth;
mod categories;
mod docs;
mod extract;
pub(crate) mod health;
mod idempotency;
mod orders;
mod payments;
mod products;
mod users;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tracing::Instrument;
use utoipa::ToSchema;

use crate::auth::Tokens;
use crate::config::ServeConfig;
use crate::domain::id::ObjectId;
use crate::error::ApiError;
use crate::payments::Payments;
use crate::store::Store;

pub use docs::ApiDoc;

/// What every handler can reach. Holds no data of its own: all state is in the database,
/// so that several processes can serve one PostgreSQL. axum clones it for every handler and
/// middleware a request passes, so each part is behind an `Arc`: a clone is a few counts, not
/// a copy of the signing keys.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub tokens: Arc<Tokens>,
    pub config: Arc<ServeConfig>,
    pub payments: Arc<Payments>,
}

/// `{"message": "..."}`, the seeds' reply to deletes.
#[derive(Serialize, ToSchema)]
pub struct Message {
    message: String,
}

impl Message {
    pub fn new(message: &str) -> Self {
        Message {
            message: message.to_string(),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The routes, and around them, once, the layers every request passes. `Router::layer` would
/// wrap each route in them instead, and axum clones a route's whole stack for every request it
/// serves: one boxed service a layer, so eight allocations and their frees a request. Here the
/// stack is one service, the fallback of an otherwise empty router, whose clone copies a few
/// pointers.
pub fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout();
    let routes = Router::new()
        .merge(users::router())
        .merge(api_keys::router())
        .merge(categories::router())
        .merge(products::router())
        .merge(orders::router())
        .merge(payments::router())
        .merge(health::router())
        .route_layer(middleware::from_fn(remember_route))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .merge(docs::router());
    let around = ServiceBuilder::new()
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal(anyhow::anyhow!("a handler panicked")).into_response()
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, NewRequestId))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(middleware::from_fn(observe))
        .layer(middleware::from_fn(move |request, next| {
            deadline(timeout, request, next)
        }))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT));
    Router::new().fallback_service(around.service(routes))
}

#[derive(Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        ObjectId::new().to_string().parse().ok().map(RequestId::new)
    }
}

async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("there is no route for {method} {}", uri.path()))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The route pattern a request matched, carried out to `observe` on the response.
#[derive(Clone)]
struct Route(MatchedPath);

async fn remember_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// A 408 for a request that takes longer than `limit`, reading its body included: a slow or
/// stalled client cannot hold a task and a database connection forever.
async fn deadline(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout(limit.as_secs()).into_response(),
    }
}

/// One log line and the metrics for every request.
async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let span = tracing::info_span!("request", %method, request_id = %request_id);
    let response = next.run(request).instrument(span.clone()).await;
    let route = response
        .extensions()
        .get::<Route>()
        .map_or("unmatched", |r| r.0.as_str())
        .to_string();
    let status = response.status().as_u16();
    let latency = started.elapsed();
    metrics::counter!("http_requests_total", "method" => method.to_string(), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.to_string(), "route" => route.clone()).record(latency.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(route = %route, status, latency_ms = latency.as_secs_f64() * 1000.0, "request");
    });
    response
}
