//! `GET /products` at scale: the `after` cursor (keyset paging) and exact totals kept by
//! counters.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;

fn ids(body: &Value) -> Vec<String> {
    body["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["_id"].as_str().unwrap().to_string())
        .collect()
}

/// Products with ties in every sort key: equal prices, equal and unlimited stock, names that
/// differ only in case.
async fn products_with_ties(app: &TestApp) -> String {
    let admin = app.admin().await;
    for (name, price, stock) in [
        ("alpha", 500, Some(3)),
        ("Beta", 500, None),
        ("ALPHA two", 100, Some(3)),
        ("gamma", 900, None),
        ("Delta", 100, Some(0)),
        ("epsilon", 500, Some(7)),
        ("Zeta", 50, None),
    ] {
        app.product(&admin, name, price, stock).await;
    }
    admin
}

async fn walking_with_after_visits_every_product_once_in_every_sort(app: TestApp) {
    products_with_ties(&app).await;
    for filter in ["", "&category=Star%20Wars&search=set"] {
        for sort in [
            "createdAt_desc",
            "createdAt",
            "updatedAt_desc",
            "price",
            "price_desc",
            "name",
            "name_desc",
            "stock",
            "stock_desc",
        ] {
            let all = ids(&app
                .get(&format!("/products?sort={sort}&limit=100{filter}"), None)
                .await
                .json());
            assert_eq!(all.len(), 7);
            let mut walked: Vec<String> = Vec::new();
            loop {
                let after = walked.last().map(|id| format!("&after={id}")).unwrap_or_default();
                let reply = app
                    .get(&format!("/products?sort={sort}&limit=2{filter}{after}"), None)
                    .await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
                let body = reply.json();
                assert_eq!(body["total"], 7, "total counts every match, not what is left");
                let page = ids(&body);
                if page.is_empty() {
                    break;
                }
                walked.extend(page);
            }
            assert_eq!(walked, all, "sort {sort}{filter}");
        }
    }
}

async fn after_is_refused_with_a_page_or_when_it_names_no_product(app: TestApp) {
    products_with_ties(&app).await;
    let first = ids(&app.get("/products?limit=1", None).await.json()).remove(0);
    for (query, field) in [
        (format!("after={first}&page=2"), "page"),
        ("after=nonsense".to_string(), "after"),
        ("after=0123456789abcdef01234567".to_string(), "after"),
    ] {
        let reply = app.get(&format!("/products?{query}"), None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}: {}", reply.text);
        assert_eq!(reply.error_field().as_deref(), Some(field), "{query}");
    }
    let reply = app.get(&format!("/products?after={first}&page=1"), None).await;
    assert_eq!(reply.status, StatusCode::OK);
}

async fn totals_stay_exact_as_products_come_go_and_change_category(app: TestApp) {
    let admin = products_with_ties(&app).await;
    let total = |query: &'static str| {
        let app = &app;
        async move { app.get(&format!("/products?{query}"), None).await.json()["total"].clone() }
    };
    assert_eq!(total("").await, 7);
    assert_eq!(total("category=Star%20Wars").await, 7);
    let moved = ids(&app.get("/products?limit=2", None).await.json());
    let reply = app
        .put(
            &format!("/products/{}", moved[0]),
            Some(&admin),
            json!({"category": "Disney"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        app.delete(&format!("/products/{}", moved[1]), Some(&admin))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(total("").await, 6);
    assert_eq!(total("category=Star%20Wars").await, 5);
    assert_eq!(total("category=Disney").await, 1);
    assert_eq!(total("category=Disney,Star%20Wars").await, 6);
    assert_eq!(total("category=Technic").await, 0);
    app.store.insert_catalogue(110, 3).await.unwrap();
    assert_eq!(total("").await, 116);
    assert_eq!(total("category=Technic").await, 10);
}

/// A search counts all its matches whatever page is asked for, in one category, in several
/// or in all, and sorts the page out of the matches alone.
async fn a_search_counts_every_match_on_any_page(app: TestApp) {
    let admin = products_with_ties(&app).await;
    let moved = ids(&app.get("/products?search=alpha", None).await.json());
    for id in &moved {
        let reply = app
            .put(
                &format!("/products/{id}"),
                Some(&admin),
                json!({"category": "Disney"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    for (query, total) in [
        ("search=a&sort=price", 6),
        ("search=alpha", 2),
        ("search=alpha&category=Disney", 2),
        ("search=alpha&category=Star%20Wars", 0),
        ("search=set&category=Star%20Wars", 5),
        ("search=set&category=Disney,Star%20Wars", 7),
        ("search=eta&category=Star%20Wars,Disney", 2),
    ] {
        for page in 1..=3 {
            let reply = app
                .get(&format!("/products?{query}&limit=2&page={page}"), None)
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
            let body = reply.json();
            assert_eq!(body["total"], total, "{query} page {page}");
            let expected = (total - (page - 1) * 2).clamp(0, 2) as usize;
            assert_eq!(ids(&body).len(), expected, "{query} page {page}");
        }
    }
    let cheapest: Vec<i64> = app
        .get("/products?search=a&sort=price&limit=3", None)
        .await
        .json()["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["price"].as_i64().unwrap())
        .collect();
    assert_eq!(cheapest, [50, 100, 100]);
}

on_both!(
    a_search_counts_every_match_on_any_page,
    walking_with_after_visits_every_product_once_in_every_sort,
    after_is_refused_with_a_page_or_when_it_names_no_product,
    totals_stay_exact_as_products_come_go_and_change_category,
);
