//! `/api-keys`: made once, hashed at rest, scoped, revocable.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both;

async fn make_key(app: &TestApp, token: &str, scopes: &[&str]) -> (String, String) {
    let reply = app
        .post(
            "/api-keys",
            Some(token),
            json!({"name": "script", "scopes": scopes}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.json();
    (
        body["key"].as_str().unwrap().to_string(),
        body["_id"].as_str().unwrap().to_string(),
    )
}

async fn a_new_key_is_shown_once_and_listed_without_its_secret(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    let (key, id) = make_key(&app, &token, &["orders:read"]).await;
    assert!(key.starts_with("sk_"));
    let list = app.get("/api-keys", Some(&token)).await;
    assert_eq!(list.status, StatusCode::OK);
    let keys = list.json();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["_id"], id.as_str());
    assert_eq!(keys[0]["scopes"], json!(["orders:read"]));
    assert!(!list.text.contains(&key), "the secret is never listed");
    let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h != &key), "only a hash is stored");
}

async fn a_key_acts_as_its_owner_with_bearer_or_bare(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    let (key, _) = make_key(&app, &token, &["orders:read"]).await;
    let bearer = app.get("/auth/me", Some(&key)).await;
    assert_eq!(bearer.json()["email"], "ann@example.com");
    let bare = app
        .send(
            app.client
                .get(format!("{}/auth/me", app.base))
                .header("authorization", &key),
        )
        .await;
    assert_eq!(bare.status, StatusCode::OK);
    assert_eq!(bare.json()["email"], "ann@example.com");
}

async fn a_revoked_key_stops_working(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    let (key, id) = make_key(&app, &token, &["orders:read"]).await;
    let revoke = app.delete(&format!("/api-keys/{id}"), Some(&token)).await;
    assert_eq!(revoke.status, StatusCode::OK);
    assert_eq!(
        app.get("/auth/me", Some(&key)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api-keys", Some(&token)).await.json(), json!([]));
}

async fn an_unknown_key_is_401(app: TestApp) {
    let reply = app
        .get("/auth/me", Some("sk_0000000000000000000000000000000000000000"))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

async fn a_customer_cannot_revoke_another_customers_key(app: TestApp) {
    let (ann, _) = app.customer("Ann").await;
    let (bob, _) = app.customer("Bob").await;
    let (key, id) = make_key(&app, &ann, &["orders:read"]).await;
    assert_eq!(
        app.delete(&format!("/api-keys/{id}"), Some(&bob)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/auth/me", Some(&key)).await.status, StatusCode::OK);
}

async fn a_customer_asking_for_an_admin_scope_gets_403(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    for scope in ["products:write", "orders:admin"] {
        let reply = app
            .post("/api-keys", Some(&token), json!({"name": "x", "scopes": [scope]}))
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{scope}");
    }
    assert_eq!(app.get("/api-keys", Some(&token)).await.json(), json!([]));
}

async fn an_unknown_scope_is_a_field_error(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    let reply = app
        .post(
            "/api-keys",
            Some(&token),
            json!({"name": "x", "scopes": ["orders:read", "orders:fly"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_field().as_deref(), Some("scopes[1]"));
}

async fn an_admin_key_with_products_write_may_create_products(app: TestApp) {
    let admin = app.admin().await;
    let (key, _) = make_key(&app, &admin, &["products:write"]).await;
    let reply = app
        .post(
            "/products",
            Some(&key),
            json!({"name": "Keyed", "price": 100, "description": "", "category": "Ideas", "image": "https://e.com/a.png"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

async fn an_admin_key_without_products_write_may_not_create_products(app: TestApp) {
    let admin = app.admin().await;
    let (key, _) = make_key(&app, &admin, &["orders:read"]).await;
    let reply = app
        .post(
            "/products",
            Some(&key),
            json!({"name": "Keyed", "price": 100, "description": "", "category": "Ideas", "image": "https://e.com/a.png"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/products", None).await.json()["total"], 0);
}

async fn a_key_cannot_make_more_keys(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    let (key, _) = make_key(&app, &token, &["orders:write"]).await;
    let reply = app
        .post(
            "/api-keys",
            Some(&key),
            json!({"name": "x", "scopes": ["orders:write"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

on_both!(
    a_new_key_is_shown_once_and_listed_without_its_secret,
    a_key_acts_as_its_owner_with_bearer_or_bare,
    a_revoked_key_stops_working,
    an_unknown_key_is_401,
    a_customer_cannot_revoke_another_customers_key,
    a_customer_asking_for_an_admin_scope_gets_403,
    an_unknown_scope_is_a_field_error,
    an_admin_key_with_products_write_may_create_products,
    an_admin_key_without_products_write_may_not_create_products,
    a_key_cannot_make_more_keys,
);
