//! What holds for every endpoint: the error shape, body rules, request ids, and the
//! operational endpoints.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both;

async fn malformed_json_is_a_400_in_the_error_shape(app: TestApp) {
    let reply = app
        .send(
            app.client
                .post(format!("{}/auth/register", app.base))
                .header("content-type", "application/json")
                .body("{\"name\": "),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "malformed_json");
}

async fn a_body_that_is_not_json_is_415(app: TestApp) {
    let reply = app
        .send(
            app.client
                .post(format!("{}/auth/register", app.base))
                .header("content-type", "text/plain")
                .body("name=Ann"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.error_code(), "unsupported_media_type");
}

async fn a_body_over_one_mebibyte_is_413(app: TestApp) {
    let admin = app.admin().await;
    let big = json!({"name": "x", "description": "y".repeat(1024 * 1024 + 10)});
    let reply = app.post("/products", Some(&admin), big).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "payload_too_large");
}

async fn a_wrongly_typed_field_names_its_path(app: TestApp) {
    let reply = app
        .post(
            "/auth/register",
            None,
            json!({"name": 5, "email": "a@b.co", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_field().as_deref(), Some("name"));
    let reply = app
        .post("/auth/register", None, json!(["not", "an", "object"]))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

async fn every_response_carries_a_request_id_and_echoes_the_callers(app: TestApp) {
    let reply = app.get("/healthz", None).await;
    assert!(reply.header("x-request-id").is_some_and(|v| !v.is_empty()));
    let mine = app
        .send(
            app.client
                .get(format!("{}/products/bad", app.base))
                .header("x-request-id", "abc-123"),
        )
        .await;
    assert_eq!(mine.header("x-request-id"), Some("abc-123"));
}

async fn an_unknown_route_is_a_404_and_a_wrong_method_a_405_in_the_error_shape(app: TestApp) {
    let reply = app.get("/nowhere", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "not_found");
    let reply = app.request(reqwest::Method::PATCH, "/products", None, None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.error_code(), "method_not_allowed");
}

async fn health_readiness_and_metrics_answer(app: TestApp) {
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
    app.get("/products", None).await;
    let metrics = app.get("/metrics", None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.text.contains("http_requests_total"), "{}", metrics.text);
    assert!(metrics.text.contains("route=\"/products\""));
    assert!(metrics.text.contains("http_request_duration_seconds_bucket"));
    assert!(metrics.text.contains("db_pool_connections"));
    assert!(metrics.text.contains("orders_placed_total"));
}

async fn readiness_fails_when_the_database_is_gone(app: TestApp) {
    app.store.close().await;
    let reply = app.get("/readyz", None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}

async fn the_openapi_document_is_3_1_and_covers_the_endpoints(app: TestApp) {
    let reply = app.get("/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/auth/register",
        "/auth/login",
        "/auth/me",
        "/api-keys",
        "/api-keys/{id}",
        "/products",
        "/products/{id}",
        "/product/{id}",
        "/categories",
        "/categories/{name}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is missing");
    }
    assert!(doc["components"]["schemas"].get("Product").is_some());
}

async fn the_docs_page_and_its_assets_are_served_locally(app: TestApp) {
    let page = app.get("/docs/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("swagger"), "{}", page.text);
    let asset = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(asset.text.len() > 10_000);
}

on_both!(
    malformed_json_is_a_400_in_the_error_shape,
    a_body_that_is_not_json_is_415,
    a_body_over_one_mebibyte_is_413,
    a_wrongly_typed_field_names_its_path,
    every_response_carries_a_request_id_and_echoes_the_callers,
    an_unknown_route_is_a_404_and_a_wrong_method_a_405_in_the_error_shape,
    health_readiness_and_metrics_answer,
    readiness_fails_when_the_database_is_gone,
    the_openapi_document_is_3_1_and_covers_the_endpoints,
    the_docs_page_and_its_assets_are_served_locally,
);
