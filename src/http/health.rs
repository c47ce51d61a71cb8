//! Health and metrics for the people who run the shop.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::{Value, json};

use super::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(render_metrics))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, readyz, render_metrics))]
pub(super) struct Doc;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Up")))]
async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready"), (status = 503, body = ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("the database is not reachable: {e}")))?;
    Ok(Json(json!({"status": "ready"})))
}

/// The process-wide Prometheus recorder (metrics macros write to one global recorder).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (tests run many apps in one process).
        let _ = metrics::set_global_recorder(recorder);
        // Shown from the start, before the first order.
        metrics::describe_counter!("orders_placed_total", "Orders placed since the process started");
        metrics::counter!("orders_placed_total").increment(0);
        handle
    })
}

/// Drains the latency histograms into their buckets every few seconds, for as long as it
/// runs. The exporter keeps every observation until it is drained, so without this the
/// memory grows with each request until `/metrics` is scraped (the benchmark's 5-minute soak
/// found about 20 bytes a request: 60 MB over 5 minutes at 10 k req/s).
pub async fn metrics_upkeep() {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        metrics_handle().run_upkeep();
    }
}

/// Prometheus text: requests by route and status, latency, orders placed, pool usage.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn render_metrics(State(state): State<AppState>) -> impl IntoResponse {
    let pool = state.store.pool();
    metrics::gauge!("db_pool_connections").set(pool.size() as f64);
    metrics::gauge!("db_pool_idle_connections").set(pool.num_idle() as f64);
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics_handle().render(),
    )
}
