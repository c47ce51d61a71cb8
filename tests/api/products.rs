//! `/products` (seed 001): list, create, read, update, delete.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both;

fn body(name: &str) -> Value {
    json!({
        "name": name, "price": 150, "description": "Cheapest set ever!",
        "category": "Star Wars", "image": "https://example.com/set.png"
    })
}

async fn creating_a_product_returns_the_seed_message_and_the_product(app: TestApp) {
    let admin = app.admin().await;
    let reply = app
        .post("/products", Some(&admin), body("Cheapest Lego set ever"))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let json = reply.json();
    assert_eq!(json["message"], "Product created successfully");
    let p = &json["product"];
    assert_eq!(p["name"], "Cheapest Lego set ever");
    assert_eq!(p["price"], 150);
    assert_eq!(p["category"], "Star Wars");
    assert_eq!(p["__v"], 0);
    assert_eq!(p["stock"], Value::Null);
    assert_eq!(p["stripeProductId"], Value::Null);
    assert_eq!(p["stripePriceId"], Value::Null);
    let created = p["createdAt"].as_str().unwrap();
    assert_eq!(created.len(), 24, "{created}");
    assert_eq!(&created[19..20], ".");
    assert!(created.ends_with('Z'));
}

async fn a_customer_cannot_create_a_product(app: TestApp) {
    let (token, _) = app.customer("Ann").await;
    let reply = app.post("/products", Some(&token), body("Mine")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "forbidden");
    assert_eq!(
        app.post("/products", None, body("Mine")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/products", None).await.json()["total"], 0);
}

async fn each_invalid_field_is_a_400_naming_it_and_nothing_is_created(app: TestApp) {
    let admin = app.admin().await;
    let cases: Vec<(&str, Value)> = vec![
        ("name", json!("")),
        ("name", json!("x".repeat(201))),
        ("price", json!(-1)),
        ("price", json!(2_147_483_648_i64)),
        ("price", json!(10.5)),
        ("price", json!("100")),
        ("description", json!("x".repeat(5001))),
        ("category", json!("Lego City")),
        ("image", json!("not a url")),
        ("image", json!("ftp://example.com/a.png")),
        ("stock", json!(-1)),
    ];
    for (field, value) in cases {
        let mut b = body("Bad");
        b[field] = value.clone();
        let reply = app.post("/products", Some(&admin), b).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{field} = {value}: {}",
            reply.text
        );
        assert_eq!(
            reply.error_field().as_deref(),
            Some(field),
            "{field} = {value}: {}",
            reply.text
        );
    }
    for missing in ["name", "price", "category", "image"] {
        let mut b = body("Bad");
        b.as_object_mut().unwrap().remove(missing);
        let reply = app.post("/products", Some(&admin), b).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{missing}");
        assert_eq!(reply.error_field().as_deref(), Some(missing));
    }
    assert_eq!(app.get("/products", None).await.json()["total"], 0);
}

async fn an_unknown_category_error_lists_the_valid_ones(app: TestApp) {
    let admin = app.admin().await;
    let mut b = body("Bad");
    b["category"] = json!("Lego City");
    let reply = app.post("/products", Some(&admin), b).await;
    assert!(
        reply.text.contains("Star Wars") && reply.text.contains("Ideas"),
        "{}",
        reply.text
    );
}

async fn reading_a_product_gives_it_with_its_version_as_etag(app: TestApp) {
    let admin = app.admin().await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let reply = app
        .get(&format!("/products/{}", p["_id"].as_str().unwrap()), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("etag"), Some("\"0\""));
    assert_eq!(reply.json(), p);
}

async fn a_malformed_id_is_400_and_an_unknown_one_404(app: TestApp) {
    let bad = app.get("/products/not-an-id", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let upper = app.get("/products/663139EFB61FFF46EF57E16D", None).await;
    assert_eq!(upper.status, StatusCode::BAD_REQUEST);
    let missing = app.get("/products/663139efb61fff46ef57e16d", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_code(), "not_found");
}

/// Reads that arrive together are answered by one query (see `store/gathered.rs`): each
/// still gets its own product, and an unknown id among them is its own 404.
async fn concurrent_reads_by_id_each_get_their_own_product(app: TestApp) {
    let admin = app.admin().await;
    let mut products = Vec::new();
    for i in 0..5 {
        products.push(app.product(&admin, &format!("Set {i}"), 100 + i, Some(i)).await);
    }
    let missing = "663139efb61fff46ef57e16d";
    let wanted: Vec<Option<&Value>> = (0..60)
        .map(|i| if i % 7 == 3 { None } else { Some(&products[i % 5]) })
        .collect();
    let paths: Vec<String> = wanted
        .iter()
        .map(|p| format!("/products/{}", p.map_or(missing, |p| p["_id"].as_str().unwrap())))
        .collect();
    let replies = futures::future::join_all(paths.iter().map(|path| app.get(path, None))).await;
    for (p, reply) in wanted.iter().zip(&replies) {
        match p {
            Some(p) => {
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
                assert_eq!(&reply.json(), *p);
            }
            None => assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text),
        }
    }
}

/// A read made after a write returns sees it, however busy the reads of others are.
async fn a_read_after_an_update_sees_it_while_others_read(app: TestApp) {
    let admin = app.admin().await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let path = format!("/products/{}", p["_id"].as_str().unwrap());
    for version in 1..=5 {
        let others = futures::future::join_all((0..20).map(|_| app.get(&path, None)));
        let write_then_read = async {
            let reply = app
                .put(&path, Some(&admin), json!({ "price": 35000 + version }))
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            app.get(&path, None).await
        };
        let (_, read) = tokio::join!(others, write_then_read);
        assert_eq!(read.json()["__v"], version);
        assert_eq!(read.json()["price"], 35000 + version);
    }
}

async fn updating_a_subset_changes_only_those_fields_and_bumps_the_version(app: TestApp) {
    let admin = app.admin().await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let id = p["_id"].as_str().unwrap();
    let reply = app
        .put(
            &format!("/products/{id}"),
            Some(&admin),
            json!({"price": 569000, "category": "disney"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let json = reply.json();
    assert_eq!(json["message"], "Product updated successfully");
    let n = &json["newProduct"];
    assert_eq!(n["price"], 569000);
    assert_eq!(n["category"], "Disney");
    assert_eq!(n["name"], "AT-AT");
    assert_eq!(n["stock"], 3);
    assert_eq!(n["__v"], 1);
    assert_eq!(n["createdAt"], p["createdAt"]);
    let again = app.get(&format!("/products/{id}"), None).await;
    assert_eq!(again.header("etag"), Some("\"1\""));
}

async fn stock_can_be_set_to_null_for_unlimited(app: TestApp) {
    let admin = app.admin().await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let id = p["_id"].as_str().unwrap();
    let reply = app
        .put(&format!("/products/{id}"), Some(&admin), json!({"stock": null}))
        .await;
    assert_eq!(reply.json()["newProduct"]["stock"], Value::Null);
}

async fn a_stale_if_match_is_412_and_changes_nothing(app: TestApp) {
    let admin = app.admin().await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let id = p["_id"].as_str().unwrap();
    app.put(&format!("/products/{id}"), Some(&admin), json!({"price": 1}))
        .await;
    let stale = app
        .send(
            app.client
                .put(format!("{}/products/{id}", app.base))
                .bearer_auth(&admin)
                .header("if-match", "\"0\"")
                .json(&json!({"price": 2})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.error_code(), "precondition_failed");
    assert_eq!(app.get(&format!("/products/{id}"), None).await.json()["price"], 1);
    let fresh = app
        .send(
            app.client
                .put(format!("{}/products/{id}", app.base))
                .bearer_auth(&admin)
                .header("if-match", "\"1\"")
                .json(&json!({"price": 3})),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
}

async fn a_stale_version_in_the_body_is_409_and_changes_nothing(app: TestApp) {
    let admin = app.admin().await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let id = p["_id"].as_str().unwrap();
    app.put(&format!("/products/{id}"), Some(&admin), json!({"price": 1}))
        .await;
    let stale = app
        .put(
            &format!("/products/{id}"),
            Some(&admin),
            json!({"price": 2, "__v": 0}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.error_code(), "version_conflict");
    assert_eq!(app.get(&format!("/products/{id}"), None).await.json()["price"], 1);
    let fresh = app
        .put(
            &format!("/products/{id}"),
            Some(&admin),
            json!({"price": 2, "__v": 1}),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
}

async fn server_fields_in_an_update_are_ignored(app: TestApp) {
    let admin = app.admin().await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let id = p["_id"].as_str().unwrap();
    let reply = app
        .put(
            &format!("/products/{id}"),
            Some(&admin),
            json!({"_id": "663139efb61fff46ef57e16d", "createdAt": "2000-01-01T00:00:00.000Z", "stripePriceId": "price_x", "name": "New"}),
        )
        .await;
    let n = &reply.json()["newProduct"];
    assert_eq!(n["_id"], id);
    assert_eq!(n["createdAt"], p["createdAt"]);
    assert_eq!(n["stripePriceId"], Value::Null);
}

async fn an_invalid_update_is_400_and_changes_nothing(app: TestApp) {
    let admin = app.admin().await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let id = p["_id"].as_str().unwrap();
    let reply = app
        .put(
            &format!("/products/{id}"),
            Some(&admin),
            json!({"name": "Fine", "price": -5}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_field().as_deref(), Some("price"));
    assert_eq!(app.get(&format!("/products/{id}"), None).await.json(), p);
}

async fn a_customer_cannot_update_or_delete_a_product(app: TestApp) {
    let admin = app.admin().await;
    let (token, _) = app.customer("Ann").await;
    let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
    let id = p["_id"].as_str().unwrap();
    assert_eq!(
        app.put(&format!("/products/{id}"), Some(&token), json!({"price": 1}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&format!("/products/{id}"), Some(&token)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&format!("/product/{id}"), Some(&token)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&format!("/products/{id}"), None).await.json(), p);
}

async fn deleting_a_product_works_at_both_paths(app: TestApp) {
    let admin = app.admin().await;
    for path in ["/products", "/product"] {
        let p = app.product(&admin, "AT-AT", 35000, Some(3)).await;
        let id = p["_id"].as_str().unwrap();
        let reply = app.delete(&format!("{path}/{id}"), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json(), json!({"message": "Product deleted successfully"}));
        assert_eq!(
            app.get(&format!("/products/{id}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.delete(&format!("{path}/{id}"), Some(&admin)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

async fn seed_products(app: &TestApp, admin: &str) {
    for (name, price, category, description) in [
        ("LEGO Star Wars AT-AT", 35000, "Star Wars", "An Imperial walker"),
        (
            "Millennium Falcon",
            25000,
            "Star Wars",
            "The fastest ship in the galaxy",
        ),
        ("Disney Castle", 39999, "Disney", "Cinderella's castle"),
        ("Hogwarts Castle", 46999, "Harry Potter", "School of witchcraft"),
        ("Colosseum", 32000, "Architecture", "Ancient Rome in pieces"),
    ] {
        let reply = app
            .post(
                "/products",
                Some(admin),
                json!({"name": name, "price": price, "category": category, "description": description, "image": "https://e.com/a.png", "stock": 5}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
}

fn names(reply: &crate::helpers::Reply) -> Vec<String> {
    reply.json()["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

async fn the_list_has_the_seed_shape_and_defaults(app: TestApp) {
    let admin = app.admin().await;
    seed_products(&app, &admin).await;
    let reply = app.get("/products", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["total"], 5);
    assert_eq!(json["page"], 1);
    assert_eq!(json["limit"], 20);
    assert_eq!(json["category"], json!(["All"]));
    // Newest first by default.
    assert_eq!(names(&reply)[0], "Colosseum");
    assert_eq!(app.get("/products?limit=0", None).await.json()["limit"], 20);
}

async fn paging_splits_the_list_without_overlap(app: TestApp) {
    let admin = app.admin().await;
    seed_products(&app, &admin).await;
    let first = names(&app.get("/products?limit=2&page=1&sort=price", None).await);
    let second = names(&app.get("/products?limit=2&page=2&sort=price", None).await);
    let third = app.get("/products?limit=2&page=3&sort=price", None).await;
    assert_eq!(first, ["Millennium Falcon", "Colosseum"]);
    assert_eq!(second, ["LEGO Star Wars AT-AT", "Disney Castle"]);
    assert_eq!(names(&third), ["Hogwarts Castle"]);
    assert_eq!(third.json()["total"], 5);
    assert_eq!(
        names(&app.get("/products?page=9", None).await),
        Vec::<String>::new()
    );
}

async fn bad_paging_values_are_400s_naming_them(app: TestApp) {
    for (query, field) in [
        ("page=0", "page"),
        ("page=x", "page"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
    ] {
        let reply = app.get(&format!("/products?{query}"), None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(reply.error_field().as_deref(), Some(field));
    }
}

async fn sorting_works_on_every_field_in_both_directions(app: TestApp) {
    let admin = app.admin().await;
    seed_products(&app, &admin).await;
    assert_eq!(
        names(&app.get("/products?sort=price_desc&limit=2", None).await),
        ["Hogwarts Castle", "Disney Castle"]
    );
    assert_eq!(
        names(&app.get("/products?sort=name&limit=2", None).await),
        ["Colosseum", "Disney Castle"]
    );
    assert_eq!(
        names(&app.get("/products?sort=name_desc&limit=1", None).await),
        ["Millennium Falcon"]
    );
    assert_eq!(
        names(&app.get("/products?sort=createdAt_asc&limit=1", None).await),
        ["LEGO Star Wars AT-AT"]
    );
    for sort in ["updatedAt", "updatedAt_desc", "stock", "stock_desc"] {
        assert_eq!(
            app.get(&format!("/products?sort={sort}"), None).await.status,
            StatusCode::OK,
            "{sort}"
        );
    }
}

async fn stock_sorts_unlimited_above_any_number(app: TestApp) {
    let admin = app.admin().await;
    app.product(&admin, "Few", 1, Some(1)).await;
    app.product(&admin, "Endless", 1, None).await;
    app.product(&admin, "Many", 1, Some(50)).await;
    assert_eq!(
        names(&app.get("/products?sort=stock_asc", None).await),
        ["Few", "Many", "Endless"]
    );
    assert_eq!(
        names(&app.get("/products?sort=stock_desc", None).await),
        ["Endless", "Many", "Few"]
    );
}

async fn an_unknown_sort_field_is_a_400_listing_the_valid_ones(app: TestApp) {
    let reply = app.get("/products?sort=color_asc", None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_field().as_deref(), Some("sort"));
    assert!(reply.text.contains("createdAt"), "{}", reply.text);
}

async fn filtering_by_categories_reports_the_ones_applied(app: TestApp) {
    let admin = app.admin().await;
    seed_products(&app, &admin).await;
    let reply = app.get("/products?category=Star%20Wars,Disney", None).await;
    let json = reply.json();
    assert_eq!(json["total"], 3);
    assert_eq!(json["category"], json!(["Star Wars", "Disney"]));
    let all = app.get("/products?category=All", None).await.json();
    assert_eq!(all["total"], 5);
    assert_eq!(all["category"], json!(["All"]));
}

async fn an_unknown_category_filter_is_a_400_listing_the_valid_ones(app: TestApp) {
    let reply = app.get("/products?category=Star%20Wars,Lego%20City", None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_field().as_deref(), Some("category"));
    assert!(reply.text.contains("Architecture"), "{}", reply.text);
}

async fn search_matches_name_or_description_ignoring_case(app: TestApp) {
    let admin = app.admin().await;
    seed_products(&app, &admin).await;
    assert_eq!(
        names(&app.get("/products?search=CASTLE&sort=name", None).await),
        ["Disney Castle", "Hogwarts Castle"]
    );
    assert_eq!(
        names(&app.get("/products?search=galaxy", None).await),
        ["Millennium Falcon"]
    );
    assert_eq!(names(&app.get("/products?search=ome", None).await), ["Colosseum"]);
    assert_eq!(
        names(&app.get("/products?search=at-at", None).await),
        ["LEGO Star Wars AT-AT"]
    );
    // Shorter than a trigram still works.
    assert_eq!(
        names(&app.get("/products?search=at", None).await),
        ["LEGO Star Wars AT-AT"]
    );
    assert_eq!(app.get("/products?search=lf", None).await.json()["total"], 0);
    assert_eq!(app.get("/products?search=zz", None).await.json()["total"], 0);
    let both = app
        .get("/products?search=castle&category=Disney", None)
        .await
        .json();
    assert_eq!(both["total"], 1);
}

async fn search_text_that_looks_like_sql_or_patterns_is_taken_literally(app: TestApp) {
    let admin = app.admin().await;
    seed_products(&app, &admin).await;
    app.product(&admin, "100% cotton_set \"quoted\"", 1, None).await;
    for needle in [
        "' OR 1=1 --",
        "%",
        "_",
        "\"",
        "'); DROP TABLE products; --",
        "*",
        "NEAR(a b)",
        "a OR b",
    ] {
        let reply = app
            .get(&format!("/products?search={}", urlencode(needle)), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{needle}: {}", reply.text);
        let found = names(&reply);
        let expected: Vec<&str> = if ["%", "_", "\""].contains(&needle) {
            vec!["100% cotton_set \"quoted\""]
        } else {
            vec![]
        };
        assert_eq!(found, expected, "{needle}");
    }
    assert_eq!(app.get("/products", None).await.json()["total"], 6);
}

async fn search_handles_unicode(app: TestApp) {
    let admin = app.admin().await;
    app.product(&admin, "Ünïcödé Château", 1, None).await;
    app.product(&admin, "Звезда Смерти", 1, None).await;
    assert_eq!(
        names(
            &app.get(&format!("/products?search={}", urlencode("château")), None)
                .await
        ),
        ["Ünïcödé Château"]
    );
    assert_eq!(
        names(
            &app.get(&format!("/products?search={}", urlencode("ÜNÏ")), None)
                .await
        ),
        ["Ünïcödé Château"]
    );
    assert_eq!(
        names(
            &app.get(&format!("/products?search={}", urlencode("смерти")), None)
                .await
        ),
        ["Звезда Смерти"]
    );
    assert_eq!(
        names(
            &app.get(&format!("/products?search={}", urlencode("зв")), None)
                .await
        ),
        ["Звезда Смерти"]
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

on_both!(
    creating_a_product_returns_the_seed_message_and_the_product,
    a_customer_cannot_create_a_product,
    each_invalid_field_is_a_400_naming_it_and_nothing_is_created,
    an_unknown_category_error_lists_the_valid_ones,
    reading_a_product_gives_it_with_its_version_as_etag,
    a_malformed_id_is_400_and_an_unknown_one_404,
    concurrent_reads_by_id_each_get_their_own_product,
    a_read_after_an_update_sees_it_while_others_read,
    updating_a_subset_changes_only_those_fields_and_bumps_the_version,
    stock_can_be_set_to_null_for_unlimited,
    a_stale_if_match_is_412_and_changes_nothing,
    a_stale_version_in_the_body_is_409_and_changes_nothing,
    server_fields_in_an_update_are_ignored,
    an_invalid_update_is_400_and_changes_nothing,
    a_customer_cannot_update_or_delete_a_product,
    deleting_a_product_works_at_both_paths,
    the_list_has_the_seed_shape_and_defaults,
    paging_splits_the_list_without_overlap,
    bad_paging_values_are_400s_naming_them,
    sorting_works_on_every_field_in_both_directions,
    stock_sorts_unlimited_above_any_number,
    an_unknown_sort_field_is_a_400_listing_the_valid_ones,
    filtering_by_categories_reports_the_ones_applied,
    an_unknown_category_filter_is_a_400_listing_the_valid_ones,
    search_matches_name_or_description_ignoring_case,
    search_text_that_looks_like_sql_or_patterns_is_taken_literally,
    search_handles_unicode,
);

mod index {
    use super::*;

    /// The search goes through the trigram index: FTS5 on SQLite, `pg_trgm` on PostgreSQL.
    async fn search_uses_the_trigram_index(app: TestApp) {
        let plan = app.store.search_plan("castle").await.unwrap();
        match app.store.dialect() {
            shopd::store::Dialect::Sqlite => assert!(plan.contains("VIRTUAL TABLE INDEX"), "{plan}"),
            shopd::store::Dialect::Postgres => assert!(plan.contains("products_search"), "{plan}"),
        }
    }

    crate::on_both!(search_uses_the_trigram_index);
}
