//! `/categories`: data, seeded with the eleven of seed 001.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::on_both;

async fn a_fresh_shop_has_the_eleven_categories_of_the_seed(app: TestApp) {
    let reply = app.get("/categories", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let names: Vec<String> = reply
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "Star Wars",
            "Disney",
            "BIONICLE",
            "Harry Potter",
            "Batman",
            "Indiana Jones",
            "Ninjago",
            "Minecraft",
            "Technic",
            "Architecture",
            "Ideas"
        ]
    );
}

async fn an_admin_adds_a_category_that_products_may_then_use(app: TestApp) {
    let admin = app.admin().await;
    let reply = app
        .post("/categories", Some(&admin), json!({"name": "City"}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let product = app
        .post(
            "/products",
            Some(&admin),
            json!({"name": "Fire station", "price": 100, "description": "", "category": "City", "image": "https://e.com/a.png"}),
        )
        .await;
    assert_eq!(product.status, StatusCode::CREATED, "{}", product.text);
}

async fn adding_an_existing_category_is_a_conflict(app: TestApp) {
    let admin = app.admin().await;
    let reply = app
        .post("/categories", Some(&admin), json!({"name": "star wars"}))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}

async fn a_customer_cannot_add_or_remove_categories(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    assert_eq!(
        app.post("/categories", Some(&token), json!({"name": "City"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete("/categories/Ideas", Some(&token)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/categories", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        11
    );
}

async fn a_category_in_use_cannot_be_removed_and_an_unused_one_can(app: TestApp) {
    let admin = app.admin().await;
    app.product(&admin, "AT-AT", 100, Some(1)).await;
    let used = app.delete("/categories/Star%20Wars", Some(&admin)).await;
    assert_eq!(used.status, StatusCode::CONFLICT);
    assert_eq!(used.error_code(), "category_in_use");
    let unused = app.delete("/categories/Ideas", Some(&admin)).await;
    assert_eq!(unused.status, StatusCode::OK);
    assert_eq!(
        app.get("/categories", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        app.delete("/categories/Ideas", Some(&admin)).await.status,
        StatusCode::NOT_FOUND
    );
}

on_both!(
    a_fresh_shop_has_the_eleven_categories_of_the_seed,
    an_admin_adds_a_category_that_products_may_then_use,
    adding_an_existing_category_is_a_conflict,
    a_customer_cannot_add_or_remove_categories,
    a_category_in_use_cannot_be_removed_and_an_unused_one_can,
);
