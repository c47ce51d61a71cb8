//! `shopd seed --products N`: the generated catalogue for benchmarks.

use reqwest::StatusCode;
use shopd::domain::id::ObjectId;

use crate::helpers::TestApp;
use crate::on_both;

async fn a_generated_catalogue_adds_n_products_across_every_category(app: TestApp) {
    // More than one statement and more than one transaction of rows, and a partial last one.
    let added = app.store.insert_catalogue(10_321, 7).await.unwrap();
    assert_eq!(added, 10_321);
    assert_eq!(app.get("/products", None).await.json()["total"], 10_321);
    for category in app.store.categories().await.unwrap() {
        let reply = app
            .client
            .get(format!("{}/products", app.base))
            .query(&[("category", category.as_str()), ("limit", "1")]);
        let body = app.send(reply).await.json();
        assert!(body["total"].as_i64().unwrap() > 900, "{category}: {body}");
    }
}

async fn generated_products_are_valid_and_found_by_the_words_of_their_description(app: TestApp) {
    app.store.insert_catalogue(300, 1).await.unwrap();
    let reply = app
        .get(
            "/products?search=castle&category=Technic&sort=price_asc&limit=100",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let products = body["products"].as_array().unwrap();
    assert!(!products.is_empty(), "{body}");
    let prices: Vec<i64> = products.iter().map(|p| p["price"].as_i64().unwrap()).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let p = &products[0];
    assert_eq!(p["category"], "Technic");
    let text = format!("{} {}", p["name"], p["description"]).to_lowercase();
    assert!(text.contains("castle"), "{text}");
    assert!(p["image"].as_str().unwrap().starts_with("https://"));
    let id = p["_id"].as_str().unwrap();
    assert_eq!(id.len(), 24);
    assert_eq!(
        app.get(&format!("/products/{id}"), None).await.status,
        StatusCode::OK
    );
}

/// The hottest reads reuse their connections without checking them first; a read given up
/// halfway (its request dropped or timed out) must not leave behind a connection that would
/// answer the next read with what remained of the old one. (The readers pool closes such a
/// connection; both drivers would also drain it before its next query. This checks the
/// outcome, whichever does the work.)
async fn a_read_given_up_halfway_does_not_confuse_the_next_one(app: TestApp) {
    app.store.insert_catalogue(500, 1).await.unwrap();
    let page = app.get("/products?limit=4", None).await.json();
    let ids: Vec<ObjectId> = page["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| ObjectId::parse(p["_id"].as_str().unwrap()).unwrap())
        .collect();
    let mut given_up = 0;
    for round in 0..300u64 {
        let id = &ids[round as usize % 4];
        // Poll the read a few times (it has sent its query after the first), then drop it.
        let mut read = Box::pin(app.store.product(id));
        let mut done = false;
        for _ in 0..=round % 4 {
            if futures::poll!(&mut read).is_ready() {
                done = true;
                break;
            }
            tokio::task::yield_now().await;
        }
        drop(read);
        if !done {
            given_up += 1;
        }
        let next = &ids[(round as usize + 1) % 4];
        let got = app
            .store
            .product(next)
            .await
            .unwrap()
            .expect("the product exists");
        assert_eq!(got.id, next.to_string(), "round {round}");
        let reply = app.get("/products?limit=4&sort=createdAt_desc", None).await;
        assert_eq!(reply.json()["products"][0]["_id"], page["products"][0]["_id"]);
    }
    assert!(
        given_up > 0,
        "no read was given up halfway; the test proved nothing"
    );
}

on_both!(
    a_read_given_up_halfway_does_not_confuse_the_next_one,
    a_generated_catalogue_adds_n_products_across_every_category,
    generated_products_are_valid_and_found_by_the_words_of_their_description
);

/// SQLite's samples of the products' unique index on `id` (`sqlite_stat4`), and of another
/// index, in that order.
async fn samples(app: &TestApp) -> (i64, i64) {
    let count = |index: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_stat4 WHERE idx = $1")
            .bind(index)
            .fetch_one(app.store.pool())
    };
    (
        count("sqlite_autoindex_products_1").await.unwrap(),
        count("products_price").await.unwrap(),
    )
}

/// A shop on SQLite with a generated catalogue (which `ANALYZE` has sampled).
async fn sqlite_shop_with_a_catalogue() -> TestApp {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    app.store.insert_catalogue(2_000, 3).await.unwrap();
    app
}

/// With samples of a unique index, SQLite compiles a statement that binds several ids to it
/// (the gathered reads by id) again on every run; a load keeps the samples of the other
/// indexes, which the planner uses, and drops those.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_on_sqlite_keeps_no_samples_of_unique_indexes() {
    let app = sqlite_shop_with_a_catalogue().await;
    let (unique, other) = samples(&app).await;
    assert_eq!(unique, 0);
    assert!(other > 0, "ANALYZE took no samples: the test proves nothing");
}

/// A database analyzed by an earlier version loses those samples when shopd starts on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_on_sqlite_drops_the_samples_an_earlier_analyze_took_of_unique_indexes() {
    let app = sqlite_shop_with_a_catalogue().await;
    sqlx::query("ANALYZE products")
        .execute(app.store.pool())
        .await
        .unwrap();
    assert!(
        samples(&app).await.0 > 0,
        "ANALYZE took no samples: the test proves nothing"
    );
    app.store.migrate().await.unwrap();
    let (unique, other) = samples(&app).await;
    assert_eq!(unique, 0);
    assert!(other > 0);
}
