//! `/auth`: register, login, me, tokens and the login throttle.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{JWT_SECRET, TestApp};
use crate::on_both;

async fn registering_returns_a_token_and_the_user_without_a_hash(app: TestApp) {
    let reply = app
        .post(
            "/auth/register",
            None,
            json!({"name": "Ann", "email": "Ann@Example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let body = reply.json();
    assert!(body["token"].as_str().is_some());
    let user = &body["user"];
    assert_eq!(user["email"], "ann@example.com");
    assert_eq!(user["role"], "customer");
    assert_eq!(user["_id"].as_str().unwrap().len(), 24);
    assert!(user["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(!reply.text.contains("argon2") && !reply.text.contains("password"));
}

async fn registering_a_taken_email_is_a_conflict(app: TestApp) {
    app.customer("Ann").await;
    let reply = app
        .post(
            "/auth/register",
            None,
            json!({"name": "Other", "email": "ANN@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.error_code(), "email_taken");
    assert_eq!(reply.error_field().as_deref(), Some("email"));
}

async fn a_password_shorter_than_eight_characters_is_refused(app: TestApp) {
    let reply = app
        .post(
            "/auth/register",
            None,
            json!({"name": "Ann", "email": "ann@example.com", "password": "1234567"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_field().as_deref(), Some("password"));
    let login = app
        .post(
            "/auth/login",
            None,
            json!({"email": "ann@example.com", "password": "1234567"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED, "nothing was created");
}

async fn a_bad_email_or_missing_name_is_a_field_error(app: TestApp) {
    let reply = app
        .post(
            "/auth/register",
            None,
            json!({"name": "Ann", "email": "not-an-email", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.error_field().as_deref(), Some("email"));
    let reply = app
        .post(
            "/auth/register",
            None,
            json!({"email": "a@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_field().as_deref(), Some("name"));
}

async fn registering_with_a_role_does_not_make_an_admin(app: TestApp) {
    let reply = app
        .post(
            "/auth/register",
            None,
            json!({"name": "Eve", "email": "eve@example.com", "password": "password123", "role": "admin"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["user"]["role"], "customer");
    let token = reply.json()["token"].as_str().unwrap().to_string();
    let create = app
        .post("/categories", Some(&token), json!({"name": "Mine"}))
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
}

async fn login_returns_a_token_that_me_accepts(app: TestApp) {
    app.customer("Ann").await;
    let reply = app
        .post(
            "/auth/login",
            None,
            json!({"email": "ann@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = reply.json()["token"].as_str().unwrap().to_string();
    let me = app.get("/auth/me", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["email"], "ann@example.com");
    assert_eq!(me.json()["name"], "Ann");
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_401(app: TestApp) {
    app.customer("Ann").await;
    let wrong = app
        .post(
            "/auth/login",
            None,
            json!({"email": "ann@example.com", "password": "wrong-password"}),
        )
        .await;
    let unknown = app
        .post(
            "/auth/login",
            None,
            json!({"email": "bob@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json(), unknown.json());
    let malformed = app
        .post(
            "/auth/login",
            None,
            json!({"email": "not an email", "password": "password123"}),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(malformed.json(), unknown.json());
}

async fn me_without_a_token_is_401(app: TestApp) {
    let reply = app.get("/auth/me", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "unauthorized");
}

pub fn sign(claims: serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn an_expired_token_is_refused(app: TestApp) {
    let (_, id) = app.customer("Ann").await;
    let now = chrono::Utc::now().timestamp();
    let token = sign(json!({"sub": id, "iat": now - 7200, "exp": now - 60}), JWT_SECRET);
    let reply = app.get("/auth/me", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.text.contains("expired"));
}

async fn a_token_signed_with_another_secret_is_refused(app: TestApp) {
    let (_, id) = app.customer("Ann").await;
    let now = chrono::Utc::now().timestamp();
    let token = sign(json!({"sub": id, "iat": now, "exp": now + 600}), "another-secret");
    assert_eq!(
        app.get("/auth/me", Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_tampered_token_is_refused(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    let (_, other) = app.customer("Bob").await;
    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: serde_json::Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!(other);
    let forged = format!("{}.{}.{}", parts[0], engine.encode(claims.to_string()), parts[2]);
    assert_eq!(
        app.get("/auth/me", Some(&forged)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_token_with_alg_none_is_refused(app: TestApp) {
    let (_, id) = app.customer("Ann").await;
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = chrono::Utc::now().timestamp();
    let header = engine.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = engine.encode(json!({"sub": id, "iat": now, "exp": now + 600}).to_string());
    for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
        assert_eq!(
            app.get("/auth/me", Some(&token)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

async fn ten_failed_logins_for_one_email_block_even_the_right_password(app: TestApp) {
    app.customer("Ann").await;
    for _ in 0..10 {
        let reply = app
            .post(
                "/auth/login",
                None,
                json!({"email": "ann@example.com", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = app
        .post(
            "/auth/login",
            None,
            json!({"email": "ann@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.error_code(), "too_many_requests");
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 900, "{wait}");
    // Another account is not blocked by Ann's failures.
    app.customer("Bob").await;
    let bob = app
        .post(
            "/auth/login",
            None,
            json!({"email": "bob@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(bob.status, StatusCode::OK);
}

async fn thirty_failed_logins_from_one_address_block_it(app: TestApp) {
    for i in 0..30 {
        let reply = app
            .post(
                "/auth/login",
                None,
                json!({"email": format!("user{i}@example.com"), "password": "wrong-password"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    app.customer("Ann").await;
    let reply = app
        .post(
            "/auth/login",
            None,
            json!({"email": "ann@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.header("retry-after").is_some());
}

async fn nine_failures_then_the_right_password_logs_in(app: TestApp) {
    app.customer("Ann").await;
    for _ in 0..9 {
        app.post(
            "/auth/login",
            None,
            json!({"email": "ann@example.com", "password": "wrong-password"}),
        )
        .await;
    }
    let reply = app
        .post(
            "/auth/login",
            None,
            json!({"email": "ann@example.com", "password": "password123"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
}

on_both!(
    registering_returns_a_token_and_the_user_without_a_hash,
    registering_a_taken_email_is_a_conflict,
    a_password_shorter_than_eight_characters_is_refused,
    a_bad_email_or_missing_name_is_a_field_error,
    registering_with_a_role_does_not_make_an_admin,
    login_returns_a_token_that_me_accepts,
    a_wrong_password_and_an_unknown_email_get_the_same_401,
    me_without_a_token_is_401,
    an_expired_token_is_refused,
    a_token_signed_with_another_secret_is_refused,
    a_tampered_token_is_refused,
    a_token_with_alg_none_is_refused,
    ten_failed_logins_for_one_email_block_even_the_right_password,
    thirty_failed_logins_from_one_address_block_it,
    nine_failures_then_the_right_password_logs_in,
);

mod bootstrap {
    use super::*;
    use crate::helpers::test_config;

    /// Without JWT_SECRET, a secret is made once and kept in the database: a token stays
    /// valid for a server started again on the same database.
    async fn a_generated_token_secret_survives_a_restart(app: TestApp) {
        let mut config = test_config();
        config.jwt_secret = None;
        let first = shopd::build_state(config.clone(), app.store.clone())
            .await
            .unwrap();
        let token = first.tokens.issue("663139efb61fff46ef57e16d").unwrap();
        let restarted = shopd::build_state(config, app.store.clone()).await.unwrap();
        assert_eq!(
            restarted.tokens.verify(&token).unwrap(),
            "663139efb61fff46ef57e16d"
        );
        assert!(
            app.tokens_differ_from_configured(&token),
            "the generated secret is not the configured one"
        );
    }

    /// SHOP_ADMIN_EMAIL and SHOP_ADMIN_PASSWORD make sure that admin exists.
    async fn the_admin_of_the_environment_is_created_at_start(app: TestApp) {
        let mut config = test_config();
        config.admin_email = Some("boss@example.com".into());
        config.admin_password = Some(shopd::config::Secret::new("boss-password"));
        shopd::build_state(config.clone(), app.store.clone())
            .await
            .unwrap();
        // A second start finds the admin there and changes nothing.
        shopd::build_state(config, app.store.clone()).await.unwrap();
        let reply = app
            .post(
                "/auth/login",
                None,
                json!({"email": "boss@example.com", "password": "boss-password"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json()["user"]["role"], "admin");
    }

    crate::on_both!(
        a_generated_token_secret_survives_a_restart,
        the_admin_of_the_environment_is_created_at_start
    );
}
