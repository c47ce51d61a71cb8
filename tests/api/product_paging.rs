//! `GET /products` at scale: the `after` cursor (keyset paging) and exact totals kept by
//! counters.

use reqwest::StatusCode;
use serde_json::{Value, json};

use shopd::domain::product::{ProductListParams, ProductQuery};
use shopd::store::products::ProductPage;

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
    change(&app, &admin, &moved[0], json!({"category": "Disney"})).await;
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

/// The last page holds what is left; a page at or past the end is empty and still counts
/// every product, in the whole list and in one category, including one just added.
async fn a_page_past_the_end_is_empty_and_keeps_the_total(app: TestApp) {
    let admin = products_with_ties(&app).await;
    let page = |query: String| {
        let app = &app;
        async move {
            let reply = app.get(&format!("/products?{query}"), None).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            let body = reply.json();
            (ids(&body).len(), body["total"].clone())
        }
    };
    assert_eq!(page("limit=3&page=3".into()).await, (1, json!(7)));
    assert_eq!(page("limit=7&page=2".into()).await, (0, json!(7)));
    assert_eq!(page("limit=3&page=4".into()).await, (0, json!(7)));
    assert_eq!(
        page("limit=20&page=5000&category=Star%20Wars".into()).await,
        (0, json!(7))
    );
    assert_eq!(
        page("limit=3&page=2&category=Technic".into()).await,
        (0, json!(0))
    );
    app.product(&admin, "eta", 300, Some(1)).await;
    assert_eq!(page("limit=7&page=2".into()).await, (1, json!(8)));
    assert_eq!(page("limit=8&page=2&sort=price".into()).await, (0, json!(8)));
}

/// A search counts all its matches whatever page is asked for, in one category, in several
/// or in all, and sorts the page out of the matches alone.
async fn a_search_counts_every_match_on_any_page(app: TestApp) {
    let admin = products_with_ties(&app).await;
    let moved = ids(&app.get("/products?search=alpha", None).await.json());
    for id in &moved {
        change(&app, &admin, id, json!({"category": "Disney"})).await;
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

/// Changes a product as `admin`, which must succeed.
async fn change(app: &TestApp, admin: &str, id: &str, body: Value) {
    let reply = app.put(&format!("/products/{id}"), Some(admin), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// Whether the store (not the server's: another process's) reads the search's page by a walk.
async fn walks(app: &TestApp, query: &ProductQuery, categories: &[String]) -> bool {
    let page = app.store.walked_search_page(query, categories);
    page.await.unwrap().is_some()
}

/// Every product of a list, all pages of it, in its order.
async fn all_listed(app: &TestApp, query: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1.. {
        let body = app
            .get(&format!("/products?{query}&limit=100&page={page}"), None)
            .await
            .json();
        let products = body["products"].as_array().unwrap().clone();
        if products.is_empty() {
            return all;
        }
        all.extend(products);
    }
    unreachable!()
}

/// What a search must answer: the products of the list without the search, in its order,
/// that have the needle in their name or description, whatever the case.
async fn expected_matches(app: &TestApp, needle: &str, filter: &str) -> Vec<String> {
    all_listed(app, filter)
        .await
        .iter()
        .filter(|p| {
            let text = format!("{}\n{}", p["name"], p["description"]).to_lowercase();
            text.contains(needle)
        })
        .map(|p| p["_id"].as_str().unwrap().to_string())
        .collect()
}

/// Walks a search by `page` and by `after`, a page of 7 at a time, checking `total` on
/// every page; returns what each walk saw.
async fn search_walks(app: &TestApp, query: &str, total: usize) -> [Vec<String>; 2] {
    let mut walks: [Vec<String>; 2] = Default::default();
    for (by_after, seen) in walks.iter_mut().enumerate() {
        for page in 1.. {
            let at = match (by_after == 1, seen.last()) {
                (false, _) => format!("&page={page}"),
                (true, Some(id)) => format!("&after={id}"),
                (true, None) => String::new(),
            };
            let body = app
                .get(&format!("/products?{query}&limit=7{at}"), None)
                .await
                .json();
            assert_eq!(body["total"], total, "{query}{at}");
            let got = ids(&body);
            if got.is_empty() {
                break;
            }
            seen.extend(got);
        }
    }
    walks
}

/// A search that matches most of its categories reads its pages along the sort's index once
/// its count is known; a sparse one sorts its matches. Either way every page is the matches
/// in the list's order, and every total counts them all.
async fn a_search_pages_through_its_matches_in_the_order_of_the_list(app: TestApp) {
    app.store.insert_catalogue(220, 5).await.unwrap();
    for (needle, query) in [("pieces", "pieces"), ("ages 1", "ages%201"), ("castle", "castle")] {
        for categories in ["", "&category=Technic", "&category=Technic,Disney"] {
            for sort in [
                "createdAt_desc",
                "price",
                "price_desc",
                "name",
                "updatedAt",
                "stock_desc",
            ] {
                let filter = format!("sort={sort}{categories}");
                let expected = expected_matches(&app, needle, &filter).await;
                assert!(
                    needle == "castle" || expected.len() >= 10,
                    "{needle}: {}",
                    expected.len()
                );
                let [by_page, by_after] =
                    search_walks(&app, &format!("search={query}&{filter}"), expected.len()).await;
                assert_eq!(by_page, expected, "{needle} {filter} by page");
                assert_eq!(by_after, expected, "{needle} {filter} by after");
            }
        }
    }
}

/// The count of a search is kept, and must follow every change a search can see, made by
/// this server or by another process on the same database; stock changes keep it.
async fn a_search_total_follows_every_change_it_can_see(app: TestApp) {
    let admin = app.admin().await;
    for i in 0..8 {
        app.product(&admin, &format!("Castle {i}"), 100 + i, Some(5))
            .await;
    }
    let other = app.product(&admin, "Tower", 50, Some(5)).await;
    let check = |step: &'static str| {
        let app = &app;
        async move {
            let filter = "sort=price&category=Star%20Wars";
            let expected = expected_matches(app, "castle", filter).await;
            // Twice: the second search uses the count the first one made.
            for _ in 0..2 {
                let body = app
                    .get(&format!("/products?search=castle&{filter}&limit=3"), None)
                    .await
                    .json();
                assert_eq!(body["total"], expected.len(), "{step}");
                assert_eq!(ids(&body), expected[..3.min(expected.len())], "{step}");
            }
            expected
        }
    };
    assert_eq!(check("at first").await.len(), 8);

    app.product(&admin, "Castle 8", 99, None).await;
    assert_eq!(check("one added").await.len(), 9);
    let first = check("again").await[0].clone();
    change(
        &app,
        &admin,
        &first,
        json!({"name": "Fort", "description": "A fort"}),
    )
    .await;
    assert_eq!(check("one renamed away").await.len(), 8);
    change(
        &app,
        &admin,
        other["_id"].as_str().unwrap(),
        json!({"description": "A castle tower"}),
    )
    .await;
    assert_eq!(check("one renamed in").await.len(), 9);
    let second = check("again").await[1].clone();
    change(&app, &admin, &second, json!({"category": "Disney"})).await;
    assert_eq!(check("one moved away").await.len(), 8);
    let third = check("again").await[2].clone();
    assert_eq!(
        app.delete(&format!("/products/{third}"), Some(&admin))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(check("one deleted").await.len(), 7);

    let (ann, _) = app.customer("Ann").await;
    let cheapest = check("again").await[0].clone();
    let order = app
        .post(
            "/orders",
            Some(&ann),
            json!({"items": [{"product_id": cheapest, "quantity": 5}]}),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(check("its stock sold out").await.len(), 7);

    // Another process on the same database: its writes reach this server's searches too.
    app.store.insert_catalogue(33, 9).await.unwrap();
    let expected = check("generated products added elsewhere").await.len();
    let generated = expected_matches(&app, "castle", "category=Star%20Wars")
        .await
        .len();
    assert_eq!(expected, generated);
    assert!(expected >= 7);
}

/// The walk itself: taken once a dense search is counted, giving the same page as counting,
/// and given up as soon as the catalogue changes, here from another process.
async fn a_walk_serves_a_counted_dense_search_until_the_catalogue_changes(app: TestApp) {
    let admin = app.admin().await;
    for i in 0..12 {
        app.product(&admin, &format!("Castle {i}"), 100 + i % 4, Some(5))
            .await;
    }
    app.product(&admin, "Tower", 50, Some(5)).await;
    let params = |search: &str| ProductListParams {
        search: Some(search.into()),
        sort: Some("price".into()),
        limit: Some("5".into()),
        page: Some("2".into()),
        ..Default::default()
    };
    let categories = ["Star Wars".to_string()];
    let query = params("castle").parse().unwrap();
    assert!(!walks(&app, &query, &categories).await, "no count yet");
    let counted = app.store.list_products(&query, &categories).await.unwrap();
    assert_eq!(counted.total, 12);
    let walked = app
        .store
        .walked_search_page(&query, &categories)
        .await
        .unwrap()
        .expect("a dense search with a count is walked");
    assert_eq!(walked.total, 12);
    let names = |page: &shopd::store::products::ProductPage| -> Vec<String> {
        page.products.iter().map(|p| p.name.clone()).collect()
    };
    assert_eq!(names(&walked), names(&counted));
    assert_eq!(names(&walked).len(), 5);

    // A sparse search is not walked even with its count.
    let sparse = params("tower").parse().unwrap();
    app.store.list_products(&sparse, &[]).await.unwrap();
    assert!(!walks(&app, &sparse, &[]).await);

    // The server is another process for this store: its write makes the count stale.
    app.product(&admin, "Castle 12", 1, Some(5)).await;
    assert!(!walks(&app, &query, &categories).await, "stale count");
    assert_eq!(
        app.store.list_products(&query, &categories).await.unwrap().total,
        13
    );
    assert!(walks(&app, &query, &categories).await);
}

/// Matches bunched at the far end of the sort: the walk reads only a few times what the
/// share of matches predicts, finds less than a page, and the search counts instead.
async fn a_walk_cut_short_by_matches_bunched_at_the_end_gives_way_to_counting(app: TestApp) {
    let admin = app.admin().await;
    for i in 0..8 {
        app.product(&admin, &format!("Tower {i}"), 100 + i, Some(5)).await;
    }
    for i in 0..10 {
        app.product(&admin, &format!("Castle {i}"), 1000 + i, Some(5))
            .await;
    }
    let query = ProductListParams {
        search: Some("castle".into()),
        sort: Some("price".into()),
        limit: Some("3".into()),
        ..Default::default()
    }
    .parse()
    .unwrap();
    assert_eq!(app.store.list_products(&query, &[]).await.unwrap().total, 10);
    assert!(!walks(&app, &query, &[]).await);
    for _ in 0..2 {
        let body = app
            .get("/products?search=castle&sort=price&limit=3", None)
            .await
            .json();
        assert_eq!(body["total"], 10);
        let names: Vec<&str> = body["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Castle 0", "Castle 1", "Castle 2"]);
    }
}

/// The matches a search kept in the order of its sort must follow every change to that
/// order, made by this server or written to the database by another process.
async fn a_kept_search_follows_every_change_to_its_order_here_or_elsewhere(app: TestApp) {
    let admin = app.admin().await;
    let mut castles = Vec::new();
    for i in 0..6 {
        let product = app
            .product(&admin, &format!("Castle {i}"), 100 + i, Some(5))
            .await;
        castles.push(product["_id"].as_str().unwrap().to_string());
    }
    app.product(&admin, "Tower", 50, Some(5)).await;
    let check = |step: &'static str| {
        let app = &app;
        async move {
            for sort in ["price", "price_desc", "updatedAt_desc", "name_desc", "createdAt"] {
                let expected = expected_matches(app, "castle", &format!("sort={sort}")).await;
                // Twice: the second reads the page by id from what the first kept.
                for _ in 0..2 {
                    let body = app
                        .get(&format!("/products?search=castle&sort={sort}&limit=4"), None)
                        .await
                        .json();
                    assert_eq!(body["total"], expected.len(), "{step}, {sort}");
                    assert_eq!(ids(&body), expected[..4], "{step}, {sort}");
                }
            }
        }
    };
    check("at first").await;
    change(&app, &admin, &castles[5], json!({"price": 1})).await;
    check("the dearest made the cheapest").await;
    change(
        &app,
        &admin,
        &castles[2],
        json!({"image": "https://example.com/new.png"}),
    )
    .await;
    check("one changed last").await;
    change(&app, &admin, &castles[0], json!({"name": "Zinc Castle"})).await;
    check("one renamed").await;
    // Another process writes to the database: no request of this server says so.
    for (set, id, step) in [
        ("price = 9999", &castles[5], "repriced elsewhere"),
        (
            "updated_at = updated_at + 100000",
            &castles[3],
            "changed last elsewhere",
        ),
    ] {
        sqlx::query(&format!("UPDATE products SET {set} WHERE id = $1"))
            .bind(id)
            .execute(app.store.pool())
            .await
            .unwrap();
        check(step).await;
    }
}

/// What a store keeps of a search: its page is read by id once the search was found, shows
/// the stock of the moment, and is given up as soon as the catalogue changes.
async fn a_kept_search_is_read_by_id_until_the_catalogue_changes(app: TestApp) {
    let admin = app.admin().await;
    for i in 0..12 {
        app.product(&admin, &format!("Castle {i}"), 100 + i, Some(5))
            .await;
    }
    let params = |sort: &str| ProductListParams {
        search: Some("castle".into()),
        sort: Some(sort.into()),
        limit: Some("5".into()),
        page: Some("2".into()),
        ..Default::default()
    };
    let query = params("price").parse().unwrap();
    let kept = |query: ProductQuery| {
        let app = &app;
        async move { app.store.kept_search_page(&query, &[]).await.unwrap() }
    };
    assert!(kept(query.clone()).await.is_none(), "nothing kept yet");
    let found = app.store.list_products(&query, &[]).await.unwrap();
    let names =
        |page: &ProductPage| -> Vec<String> { page.products.iter().map(|p| p.name.clone()).collect() };
    assert_eq!(
        names(&found),
        ["Castle 5", "Castle 6", "Castle 7", "Castle 8", "Castle 9"]
    );
    let again = kept(query.clone()).await.expect("the search was kept");
    assert_eq!((again.total, names(&again)), (12, names(&found)));

    // A sort by stock keeps nothing: every order changes it.
    let by_stock = params("stock").parse().unwrap();
    app.store.list_products(&by_stock, &[]).await.unwrap();
    assert!(kept(by_stock).await.is_none());

    // An order changes stock, not the order of the list: the page is still read by id, with
    // the stock left.
    let (ann, _) = app.customer("Ann").await;
    let bought = found.products[0].id.clone();
    let order = app
        .post(
            "/orders",
            Some(&ann),
            json!({"items": [{"product_id": bought, "quantity": 2}]}),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    let after_order = kept(query.clone()).await.expect("still kept after an order");
    assert_eq!(after_order.products[0].stock, Some(3));

    // The server is another process for this store: its change makes what was kept stale.
    change(&app, &admin, &bought, json!({"price": 1000})).await;
    assert!(kept(query.clone()).await.is_none(), "stale after a price change");
    let refound = app.store.list_products(&query, &[]).await.unwrap();
    assert_eq!(
        names(&refound),
        ["Castle 6", "Castle 7", "Castle 8", "Castle 9", "Castle 10"]
    );
    assert!(kept(query).await.is_some());
}

/// A search that matches more products than are kept in order reads the pages past those
/// another way, by `page` and by `after`, and they are still the list's.
async fn a_search_that_matches_more_than_is_kept_pages_past_them_in_order(app: TestApp) {
    // Every generated product has "LEGO" in its name.
    app.store.insert_catalogue(2_050, 11).await.unwrap();
    let page = |query: String| {
        let app = &app;
        async move {
            let body = app.get(&format!("/products?{query}"), None).await.json();
            (body["total"].clone(), ids(&body))
        }
    };
    for number in [1, 100, 101, 103] {
        let listed = page(format!("sort=price&limit=20&page={number}")).await;
        let searched = page(format!("search=lego&sort=price&limit=20&page={number}")).await;
        assert_eq!(searched, listed, "page {number}");
        assert_eq!(searched.0, 2_050);
    }
    let (_, at_end_of_kept) = page("sort=price&limit=20&page=100".into()).await;
    let last_kept = at_end_of_kept.last().unwrap();
    let listed = page(format!("sort=price&limit=20&after={last_kept}")).await;
    let searched = page(format!("search=lego&sort=price&limit=20&after={last_kept}")).await;
    assert_eq!(searched, listed);
    assert_eq!(searched.1.len(), 20);
}

/// Requests that ask for the same new search at once wait for one of them to find it, and
/// all get the same page, right.
async fn the_same_new_search_asked_at_once_gives_every_request_the_same_page(app: TestApp) {
    app.store.insert_catalogue(300, 4).await.unwrap();
    let expected = expected_matches(&app, "castle", "sort=price&category=Technic").await;
    let replies = futures::future::join_all((0..16).map(|_| {
        app.get(
            "/products?search=castle&category=Technic&sort=price&limit=5",
            None,
        )
    }))
    .await;
    for reply in replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let body = reply.json();
        assert_eq!(body["total"], expected.len());
        assert_eq!(ids(&body), expected[..5.min(expected.len())]);
    }
}

/// The order by stock lives in a table of its own that triggers keep in step: every list
/// sorted by stock, with or without a category, follows what orders, cancellations, product
/// changes, bulk loads and deletes do to the stock.
async fn the_order_by_stock_follows_every_change_of_stock(app: TestApp) {
    app.store.insert_catalogue(40, 8).await.unwrap();
    let admin = app.admin().await;
    let a = app.product(&admin, "Stock A", 100, Some(3)).await["_id"].clone();
    let b = app.product(&admin, "Stock B", 100, Some(5)).await["_id"].clone();
    let check = |step: &'static str| {
        let app = &app;
        async move {
            for filter in ["", "&category=Star%20Wars"] {
                for sort in ["stock", "stock_desc"] {
                    let listed = all_listed(app, &format!("sort={sort}{filter}")).await;
                    let total = app.get(&format!("/products?{filter}"), None).await.json()["total"].clone();
                    assert_eq!(listed.len(), total, "{step}: sort={sort}{filter} lists them all");
                    let stock = |p: &Value| (p["stock"].is_null(), p["stock"].as_i64().unwrap_or(0));
                    let mut expected = listed.clone();
                    expected.sort_by(|x, y| {
                        let order = stock(x)
                            .cmp(&stock(y))
                            .then(x["_id"].as_str().cmp(&y["_id"].as_str()));
                        if sort == "stock" { order } else { order.reverse() }
                    });
                    assert_eq!(listed, expected, "{step}: sort={sort}{filter}");
                    let by_after =
                        search_walks(app, &format!("sort={sort}{filter}"), listed.len()).await[1].clone();
                    let listed_ids: Vec<&str> = listed.iter().map(|p| p["_id"].as_str().unwrap()).collect();
                    assert_eq!(by_after, listed_ids, "{step}: sort={sort}{filter} by after");
                }
            }
        }
    };
    check("at first").await;
    let (ann, _) = app.customer("Ann").await;
    let order = app
        .post(
            "/orders",
            Some(&ann),
            json!({"items": [{"product_id": b, "quantity": 4}]}),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    assert_eq!(app.stock_of(b.as_str().unwrap()).await, 1);
    check("B ordered below A").await;
    let order_id = order.json()["order"]["_id"].as_str().unwrap().to_string();
    let cancel = app
        .post(
            "/orders/status-update",
            Some(&admin),
            json!({"orderId": order_id, "status": "cancelled"}),
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.text);
    check("B's stock given back").await;
    change(
        &app,
        &admin,
        a.as_str().unwrap(),
        json!({"stock": null, "category": "Disney"}),
    )
    .await;
    check("A unlimited, in another category").await;
    app.store.insert_catalogue(30, 9).await.unwrap();
    check("a bulk load").await;
    let gone = app
        .delete(&format!("/products/{}", b.as_str().unwrap()), Some(&admin))
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    check("B deleted").await;
}

on_both!(
    the_order_by_stock_follows_every_change_of_stock,
    a_kept_search_follows_every_change_to_its_order_here_or_elsewhere,
    a_kept_search_is_read_by_id_until_the_catalogue_changes,
    a_search_that_matches_more_than_is_kept_pages_past_them_in_order,
    the_same_new_search_asked_at_once_gives_every_request_the_same_page,
    a_walk_cut_short_by_matches_bunched_at_the_end_gives_way_to_counting,
    a_search_pages_through_its_matches_in_the_order_of_the_list,
    a_search_total_follows_every_change_it_can_see,
    a_walk_serves_a_counted_dense_search_until_the_catalogue_changes,
    a_search_counts_every_match_on_any_page,
    walking_with_after_visits_every_product_once_in_every_sort,
    after_is_refused_with_a_page_or_when_it_names_no_product,
    totals_stay_exact_as_products_come_go_and_change_category,
    a_page_past_the_end_is_empty_and_keeps_the_total,
);
