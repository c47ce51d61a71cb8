//! `/orders`: every order endpoint of the seeds, access, the status machine, stock.

use reqwest::StatusCode;
use serde_json::{Value, json};
use shopd::store::Upkept;

use crate::helpers::TestApp;
use crate::on_both;

async fn order(app: &TestApp, token: &str, product: &str, quantity: i64) -> Value {
    let reply = app
        .post(
            "/orders",
            Some(token),
            json!({"items": [{"product_id": product, "quantity": quantity}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()
}

async fn set_status(app: &TestApp, admin: &str, order_id: &Value, status: &str) -> crate::helpers::Reply {
    app.post(
        "/orders/status-update",
        Some(admin),
        json!({"orderId": order_id, "status": status}),
    )
    .await
}

async fn placing_an_order_returns_201_in_the_seed_shape_with_a_location(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let reply = app
        .post(
            "/orders",
            Some(&s.ann),
            json!({"items": [{"product_id": s.product, "quantity": 2, "shipping": "Next day"}], "address": "1 Main St"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.json();
    let o = &body["order"];
    assert_eq!(
        reply.header("location").unwrap(),
        format!("/orders/{}", o["_id"].as_str().unwrap())
    );
    assert_eq!(o["orderNum"], 1);
    assert_eq!(o["status"], "pending");
    assert_eq!(o["total"], 70000);
    assert_eq!(o["currency"], "usd");
    assert_eq!(o["address"], "1 Main St");
    assert_eq!(o["__v"], 0);
    assert_eq!(o["user_id"]["name"], "Ann");
    assert_eq!(o["user_id"]["email"], "ann@example.com");
    let line = &body["orderLines"][0];
    assert_eq!(line["product_id"]["_id"], s.product.as_str());
    assert_eq!(line["product_id"]["name"], "AT-AT");
    assert_eq!(line["product_id"]["price"], 35000);
    assert_eq!(line["product_id"]["category"], "Star Wars");
    assert_eq!(line["quantity"], 2);
    assert_eq!(line["price"], 35000);
    assert_eq!(line["shipping"], "Next day");
    assert_eq!(app.stock_of(&s.product).await, 3);
    let again = app
        .get(
            o["_id"]
                .as_str()
                .map(|id| format!("/orders/{id}"))
                .unwrap()
                .as_str(),
            Some(&s.ann),
        )
        .await;
    assert_eq!(again.json(), body);
}

async fn prices_come_from_the_catalogue_never_from_the_client(app: TestApp) {
    let s = app.shop(None).await;
    let reply = app
        .post(
            "/orders",
            Some(&s.ann),
            json!({"items": [{"product_id": s.product, "quantity": 1, "price": 1}], "total": 1}),
        )
        .await;
    assert_eq!(reply.json()["order"]["total"], 35000);
}

async fn repeated_products_are_merged_into_one_line(app: TestApp) {
    let s = app.shop(Some(10)).await;
    let reply = app
        .post(
            "/orders",
            Some(&s.ann),
            json!({"items": [{"product_id": s.product, "quantity": 2}, {"product_id": s.product, "quantity": 3}]}),
        )
        .await;
    let body = reply.json();
    assert_eq!(body["orderLines"].as_array().unwrap().len(), 1);
    assert_eq!(body["orderLines"][0]["quantity"], 5);
    assert_eq!(app.stock_of(&s.product).await, 5);
}

async fn order_numbers_count_up_from_one(app: TestApp) {
    let s = app.shop(None).await;
    for n in 1..=3 {
        assert_eq!(order(&app, &s.ann, &s.product, 1).await["order"]["orderNum"], n);
    }
}

async fn an_unknown_product_is_a_400_naming_it_and_nothing_is_taken(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let reply = app
        .post(
            "/orders",
            Some(&s.ann),
            json!({"items": [{"product_id": s.product, "quantity": 1}, {"product_id": "663139efb61fff46ef57e16d", "quantity": 1}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "unknown_product");
    assert_eq!(reply.error_field().as_deref(), Some("items[1].product_id"));
    assert!(reply.text.contains("663139efb61fff46ef57e16d"));
    assert_eq!(app.stock_of(&s.product).await, 5);
    assert_eq!(app.get("/orders", Some(&s.ann)).await.json(), json!([]));
}

async fn a_line_short_of_stock_is_a_409_naming_what_is_left_and_nothing_is_taken(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let other = app.product(&s.admin, "Falcon", 100, Some(1)).await["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .post(
            "/orders",
            Some(&s.ann),
            json!({"items": [{"product_id": s.product, "quantity": 2}, {"product_id": other, "quantity": 2}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.error_code(), "out_of_stock");
    assert!(
        reply.text.contains("Falcon") && reply.text.contains("1 left"),
        "{}",
        reply.text
    );
    assert_eq!(app.stock_of(&s.product).await, 5);
    assert_eq!(app.stock_of(&other).await, 1);
}

async fn the_last_unit_can_be_bought_and_then_no_more(app: TestApp) {
    let s = app.shop(Some(1)).await;
    order(&app, &s.ann, &s.product, 1).await;
    assert_eq!(app.stock_of(&s.product).await, 0);
    let reply = app
        .post(
            "/orders",
            Some(&s.bob),
            json!({"items": [{"product_id": s.product, "quantity": 1}]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}

async fn bad_order_input_is_a_400_naming_the_field_and_writes_nothing(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let p = s.product.as_str();
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"product_id": format!("{i:024x}"), "quantity": 1}))
        .collect();
    let cases = [
        (json!({"items": []}), "items"),
        (json!({"items": many}), "items"),
        (
            json!({"items": [{"product_id": p, "quantity": 0}]}),
            "items[0].quantity",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1001}]}),
            "items[0].quantity",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": "2"}]}),
            "items[0].quantity",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1.5}]}),
            "items[0].quantity",
        ),
        (
            json!({"items": [{"product_id": "nope", "quantity": 1}]}),
            "items[0].product_id",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1, "shipping": "Overnight"}]}),
            "items[0].shipping",
        ),
        (
            json!({"items": [{"product_id": p, "quantity": 1}], "shipping": "Teleport"}),
            "shipping",
        ),
        (json!({"items": [{"quantity": 1}]}), "items[0].product_id"),
        (json!({}), "items"),
    ];
    for (body, field) in cases {
        let reply = app.post("/orders", Some(&s.ann), body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.text);
        assert_eq!(
            reply.error_field().as_deref(),
            Some(field),
            "{body}: {}",
            reply.text
        );
    }
    assert_eq!(app.stock_of(&s.product).await, 5);
    assert_eq!(
        app.get("/orders", Some(&s.admin)).await.header("x-total-count"),
        Some("0")
    );
}

async fn a_customer_lists_only_their_own_orders_and_an_admin_all(app: TestApp) {
    let s = app.shop(None).await;
    order(&app, &s.ann, &s.product, 1).await;
    order(&app, &s.ann, &s.product, 2).await;
    let bobs = order(&app, &s.bob, &s.product, 3).await;
    let ann = app.get("/orders", Some(&s.ann)).await;
    assert_eq!(ann.header("x-total-count"), Some("2"));
    let list = ann.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["orderLines"][0]["quantity"], 2, "newest first");
    let all = app.get("/orders", Some(&s.admin)).await;
    assert_eq!(all.header("x-total-count"), Some("3"));
    let bob_id = bobs["order"]["user_id"]["_id"].as_str().unwrap();
    let only_bob = app
        .get(&format!("/orders?user_id={bob_id}"), Some(&s.admin))
        .await;
    assert_eq!(only_bob.header("x-total-count"), Some("1"));
    // A customer cannot use the filter to see someone else's orders.
    let sneaky = app.get(&format!("/orders?user_id={bob_id}"), Some(&s.ann)).await;
    assert_eq!(sneaky.header("x-total-count"), Some("2"));
    let paged = app.get("/orders?limit=2&page=2", Some(&s.admin)).await;
    assert_eq!(paged.json().as_array().unwrap().len(), 1);
    assert_eq!(paged.header("x-total-count"), Some("3"));
}

async fn an_order_is_found_by_id_or_number_by_its_owner_and_admins_only(app: TestApp) {
    let s = app.shop(None).await;
    let placed = order(&app, &s.ann, &s.product, 1).await;
    let id = placed["order"]["_id"].as_str().unwrap();
    for path in [format!("/orders/{id}"), "/orders/1".to_string()] {
        assert_eq!(app.get(&path, Some(&s.ann)).await.json(), placed, "{path}");
        assert_eq!(app.get(&path, Some(&s.admin)).await.status, StatusCode::OK);
        let bob = app.get(&path, Some(&s.bob)).await;
        assert_eq!(bob.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            bob.json(),
            app.get("/orders/663139efb61fff46ef57e16d", Some(&s.bob))
                .await
                .json()
        );
    }
    assert_eq!(
        app.get("/orders/not-an-id", Some(&s.ann)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/orders/99", Some(&s.ann)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/orders/{id}"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn an_owner_deletes_a_pending_order_and_gets_the_stock_back_once(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let placed = order(&app, &s.ann, &s.product, 2).await;
    let id = placed["order"]["_id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&s.bob)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.stock_of(&s.product).await, 3);
    let reply = app.delete(&format!("/orders/{id}"), Some(&s.ann)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"message": "Order deleted successfully"}));
    assert_eq!(app.stock_of(&s.product).await, 5);
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&s.ann)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.stock_of(&s.product).await, 5);
}

async fn an_owner_cannot_delete_a_paid_order_but_an_admin_can(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let placed = order(&app, &s.ann, &s.product, 2).await;
    let id = placed["order"]["_id"].as_str().unwrap();
    assert_eq!(
        set_status(&app, &s.admin, &placed["order"]["_id"], "paid")
            .await
            .status,
        StatusCode::OK
    );
    let reply = app.delete(&format!("/orders/{id}"), Some(&s.ann)).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(app.stock_of(&s.product).await, 3);
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&s.admin)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.stock_of(&s.product).await,
        5,
        "a paid order has not shipped: stock comes back"
    );
}

async fn deleting_a_shipped_order_keeps_the_stock_taken(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let placed = order(&app, &s.ann, &s.product, 2).await;
    set_status(&app, &s.admin, &placed["order"]["orderNum"], "delivery").await;
    let id = placed["order"]["_id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&s.admin)).await.status,
        StatusCode::OK
    );
    assert_eq!(app.stock_of(&s.product).await, 3);
}

async fn cancelling_gives_the_stock_back_exactly_once(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let placed = order(&app, &s.ann, &s.product, 2).await;
    let reply = set_status(&app, &s.admin, &placed["order"]["orderNum"], "Cancelled").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json(), json!({"id": 1, "status": "cancelled"}));
    assert_eq!(app.stock_of(&s.product).await, 5);
    let again = set_status(&app, &s.admin, &placed["order"]["orderNum"], "cancelled").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(app.stock_of(&s.product).await, 5);
    // Deleting the cancelled order gives nothing back a second time.
    let id = placed["order"]["_id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/orders/{id}"), Some(&s.ann)).await.status,
        StatusCode::OK
    );
    assert_eq!(app.stock_of(&s.product).await, 5);
}

async fn every_status_move_follows_the_machine(app: TestApp) {
    let s = app.shop(None).await;
    let allowed = [
        ("pending", "paid"),
        ("pending", "delivery"),
        ("pending", "cancelled"),
        ("paid", "delivery"),
        ("paid", "cancelled"),
        ("delivery", "completed"),
    ];
    let path_to = |status: &str| -> Vec<&'static str> {
        match status {
            "pending" => vec![],
            "paid" => vec!["paid"],
            "delivery" => vec!["delivery"],
            "completed" => vec!["delivery", "completed"],
            "cancelled" => vec!["cancelled"],
            _ => unreachable!(),
        }
    };
    let statuses = ["pending", "paid", "delivery", "completed", "cancelled"];
    for from in statuses {
        for to in statuses {
            let placed = order(&app, &s.ann, &s.product, 1).await;
            let num = placed["order"]["orderNum"].clone();
            for step in path_to(from) {
                assert_eq!(
                    set_status(&app, &s.admin, &num, step).await.status,
                    StatusCode::OK
                );
            }
            let reply = set_status(&app, &s.admin, &num, to).await;
            if allowed.contains(&(from, to)) {
                assert_eq!(reply.status, StatusCode::OK, "{from} -> {to}: {}", reply.text);
            } else {
                assert_eq!(reply.status, StatusCode::CONFLICT, "{from} -> {to}");
                assert_eq!(reply.error_code(), "invalid_status_transition");
            }
        }
    }
}

async fn a_refused_move_names_the_allowed_ones(app: TestApp) {
    let s = app.shop(None).await;
    let placed = order(&app, &s.ann, &s.product, 1).await;
    let reply = set_status(&app, &s.admin, &placed["order"]["_id"], "completed").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.text.contains("paid, delivery, cancelled"), "{}", reply.text);
    let bad = set_status(&app, &s.admin, &placed["order"]["_id"], "shipped").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_field().as_deref(), Some("status"));
}

async fn a_customer_cannot_change_statuses(app: TestApp) {
    let s = app.shop(None).await;
    let placed = order(&app, &s.ann, &s.product, 1).await;
    let reply = set_status(&app, &s.ann, &placed["order"]["orderNum"], "paid").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app
        .post(
            "/orders/change-status",
            Some(&s.ann),
            json!([{"orderId": placed["order"]["_id"], "status": "paid"}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/orders/1", Some(&s.ann)).await.json()["order"]["status"],
        "pending"
    );
}

async fn the_demo_cart_offers_up_to_three_products_in_stock(app: TestApp) {
    let s = app.shop(Some(0)).await;
    for name in ["A", "B", "C", "D"] {
        app.product(&s.admin, name, 100, Some(1)).await;
    }
    let reply = app.get("/orders/demo-cart", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let cart = reply.json();
    let names: Vec<&str> = cart
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A", "B", "C"], "the sold-out AT-AT is left out");
    assert_eq!(cart[0]["quantity"], 1);
    assert_eq!(cart[0]["priceInCents"], 100);
    assert_eq!(cart[0]["id"].as_str().unwrap().len(), 24);
}

async fn orders_new_takes_product_ids_and_counts_repeats(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let me = app.get("/auth/me", Some(&s.ann)).await.json();
    let reply = app
        .post("/orders/new", Some(&s.ann), json!([s.product, s.product]))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["id"], 1);
    assert_eq!(body["userId"], me["_id"]);
    assert_eq!(
        body["products"],
        json!([{"id": s.product, "name": "AT-AT", "quantity": 2, "priceInCents": 35000}])
    );
    assert_eq!(body["amountInCents"], 70000);
    assert_eq!(body["status"], "pending");
    assert!(body.get("clientSecret").is_some());
    assert!(body["date"].as_str().unwrap().ends_with('Z'));
    assert_eq!(app.stock_of(&s.product).await, 3);
}

async fn orders_new_refuses_an_empty_or_bad_array(app: TestApp) {
    let s = app.shop(Some(5)).await;
    for body in [json!([]), json!(["nope"]), json!({"ids": []}), json!([1, 2])] {
        let reply = app.post("/orders/new", Some(&s.ann), body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(app.stock_of(&s.product).await, 5);
}

async fn get_all_lists_one_row_per_line_with_the_price_in_dollars(app: TestApp) {
    let s = app.shop(None).await;
    let other = app.product(&s.admin, "Falcon", 2599, None).await["_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/orders",
        Some(&s.ann),
        json!({"items": [{"product_id": s.product, "quantity": 1}, {"product_id": other, "quantity": 2, "shipping": "Budget"}]}),
    )
    .await;
    order(&app, &s.bob, &s.product, 1).await;
    let reply = app.get("/orders/get_all", Some(&s.ann)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let rows = reply.json();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    let falcon = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Falcon")
        .unwrap();
    assert_eq!(falcon["price"], json!(25.99));
    assert_eq!(falcon["quantity"], 2);
    assert_eq!(falcon["shipping"], "Budget");
    assert_eq!(falcon["status"], "pending");
    assert_eq!(falcon["orderNum"], 1);
    assert_eq!(falcon["productId"], other.as_str());
    for key in ["orderId", "image", "createdAt"] {
        assert!(falcon.get(key).is_some(), "{key}");
    }
}

async fn orders_add_replies_order_success_as_text(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let reply = app
        .post(
            "/orders/add",
            Some(&s.ann),
            json!({"items": [{"productId": s.product, "quantity": 2, "shipping": "Regular"}], "address": "1 Main St"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.text, "ORDER SUCCESS");
    assert!(reply.header("content-type").unwrap().starts_with("text/plain"));
    let orders = app.get("/orders", Some(&s.ann)).await.json();
    assert_eq!(orders[0]["order"]["address"], "1 Main St");
    assert_eq!(app.stock_of(&s.product).await, 3);
}

async fn orders_add_requires_an_address(app: TestApp) {
    let s = app.shop(Some(5)).await;
    for body in [
        json!({"items": [{"productId": s.product, "quantity": 1, "shipping": "Regular"}]}),
        json!({"items": [{"productId": s.product, "quantity": 1, "shipping": "Regular"}], "address": "  "}),
    ] {
        let reply = app.post("/orders/add", Some(&s.ann), body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.error_field().as_deref(), Some("address"));
    }
    let reply = app
        .post(
            "/orders/add",
            Some(&s.ann),
            json!({"items": [{"productId": "bad", "quantity": 1}], "address": "x"}),
        )
        .await;
    assert_eq!(reply.error_field().as_deref(), Some("items[0].productId"));
    assert_eq!(app.stock_of(&s.product).await, 5);
}

async fn change_status_moves_several_orders_in_either_body_shape(app: TestApp) {
    let s = app.shop(None).await;
    let a = order(&app, &s.ann, &s.product, 1).await;
    let b = order(&app, &s.bob, &s.product, 1).await;
    let reply = app
        .post(
            "/orders/change-status",
            Some(&s.admin),
            json!([{"orderId": a["order"]["_id"], "status": "delivery"}, {"orderId": 2, "status": "Paid"}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let changed = reply.json();
    assert_eq!(changed[0]["_id"], a["order"]["_id"]);
    assert_eq!(changed[0]["user"], a["order"]["user_id"]["_id"]);
    assert_eq!(changed[0]["status"], "delivery");
    assert_eq!(changed[0]["__v"], 1);
    assert_eq!(changed[1]["status"], "paid");
    for key in ["address", "createdAt"] {
        assert!(changed[0].get(key).is_some());
    }
    let wrapped = app
        .post(
            "/orders/change-status",
            Some(&s.admin),
            json!({"items": [{"orderId": b["order"]["_id"], "status": "delivery"}]}),
        )
        .await;
    assert_eq!(wrapped.status, StatusCode::OK, "{}", wrapped.text);
    assert_eq!(wrapped.json()[0]["status"], "delivery");
}

async fn change_status_is_all_or_nothing(app: TestApp) {
    let s = app.shop(Some(5)).await;
    let a = order(&app, &s.ann, &s.product, 1).await;
    let b = order(&app, &s.bob, &s.product, 1).await;
    let reply = app
        .post(
            "/orders/change-status",
            Some(&s.admin),
            json!([{"orderId": a["order"]["_id"], "status": "cancelled"}, {"orderId": b["order"]["_id"], "status": "completed"}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        app.get("/orders/1", Some(&s.admin)).await.json()["order"]["status"],
        "pending"
    );
    assert_eq!(
        app.stock_of(&s.product).await,
        3,
        "the cancel was rolled back with its stock"
    );
    let missing = app
        .post(
            "/orders/change-status",
            Some(&s.admin),
            json!([{"orderId": 1, "status": "paid"}, {"orderId": 77, "status": "paid"}]),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/orders/1", Some(&s.admin)).await.json()["order"]["status"],
        "pending"
    );
}

async fn bulk_delete_skips_orders_the_caller_may_not_delete(app: TestApp) {
    let s = app.shop(Some(10)).await;
    let a1 = order(&app, &s.ann, &s.product, 1).await;
    let a2 = order(&app, &s.ann, &s.product, 1).await;
    let b1 = order(&app, &s.bob, &s.product, 1).await;
    set_status(&app, &s.admin, &a2["order"]["_id"], "paid").await;
    let reply = app
        .post(
            "/orders/delete",
            Some(&s.ann),
            json!({"orderId": [a1["order"]["_id"], a2["order"]["_id"], b1["order"]["_id"], "663139efb61fff46ef57e16d"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json(), json!({"acknowledged": true, "deletedCount": 1}));
    assert_eq!(
        app.get("/orders", Some(&s.admin)).await.header("x-total-count"),
        Some("2")
    );
    assert_eq!(app.stock_of(&s.product).await, 8);
    let admin = app
        .post(
            "/orders/delete",
            Some(&s.admin),
            json!({"orderId": [a2["order"]["_id"], 3]}),
        )
        .await;
    assert_eq!(admin.json()["deletedCount"], 2);
    assert_eq!(app.stock_of(&s.product).await, 10);
    let bad = app
        .post("/orders/delete", Some(&s.ann), json!({"orderId": ["nope"]}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// The admin's `x-total-count` is kept as orders are written, not counted at each read: orders
/// placed, refused and deleted all at once leave it exact.
async fn the_count_of_all_orders_stays_exact_while_orders_come_and_go_at_once(app: TestApp) {
    let s = app.shop(Some(30)).await;
    let (app, s) = (&app, &s);
    let total = || async {
        app.get("/orders", Some(&s.admin))
            .await
            .header("x-total-count")
            .map(str::to_string)
    };
    let body = json!({"items": [{"product_id": s.product, "quantity": 1}]});
    let first: Vec<Value> =
        futures::future::join_all((0..10).map(|_| app.post("/orders", Some(&s.ann), body.clone())))
            .await
            .into_iter()
            .map(|r| r.json())
            .collect();
    assert_eq!(total().await.as_deref(), Some("10"));
    // Ten deletes (each sent twice: one of the two deletes nothing) and thirty new orders for
    // the twenty units left, at once.
    let deletes = first.iter().chain(&first).map(|o| {
        let id = o["order"]["_id"].as_str().unwrap().to_string();
        async move { app.delete(&format!("/orders/{id}"), Some(&s.ann)).await.status }
    });
    let orders = (0..30).map(|i| {
        let token = if i % 2 == 0 { &s.ann } else { &s.bob };
        let body = body.clone();
        async move { app.post("/orders", Some(token), body).await.status }
    });
    let (deleted, placed) = tokio::join!(
        futures::future::join_all(deletes),
        futures::future::join_all(orders)
    );
    let gone = deleted.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(gone, 10, "{deleted:?}");
    // The loser of a race finds the order gone (404), or changed under it (409).
    let lost = [StatusCode::OK, StatusCode::NOT_FOUND, StatusCode::CONFLICT];
    assert!(deleted.iter().all(|s| lost.contains(s)), "{deleted:?}");
    let created = placed.iter().filter(|s| **s == StatusCode::CREATED).count();
    assert!(created >= 20, "{placed:?}");
    assert!(
        placed
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT)
    );
    let listed = app.get("/orders?limit=100", Some(&s.admin)).await.json();
    assert_eq!(listed.as_array().unwrap().len(), created);
    assert_eq!(total().await, Some(created.to_string()));
}

async fn lines_keep_what_was_bought_after_the_product_changes_or_goes(app: TestApp) {
    let s = app.shop(None).await;
    let placed = order(&app, &s.ann, &s.product, 1).await;
    app.put(
        &format!("/products/{}", s.product),
        Some(&s.admin),
        json!({"name": "Renamed", "price": 1, "image": "https://e.com/new.png"}),
    )
    .await;
    let after_update = app.get("/orders/1", Some(&s.ann)).await.json();
    assert_eq!(after_update, placed);
    app.delete(&format!("/products/{}", s.product), Some(&s.admin))
        .await;
    let after_delete = app.get("/orders/1", Some(&s.ann)).await.json();
    assert_eq!(after_delete["orderLines"], placed["orderLines"]);
    assert_eq!(after_delete["orderLines"][0]["product_id"]["name"], "AT-AT");
    assert_eq!(after_delete["orderLines"][0]["price"], 35000);
    // Cancelling an order whose product is gone still works.
    assert_eq!(
        set_status(&app, &s.admin, &json!(1), "cancelled").await.status,
        StatusCode::OK
    );
}

async fn api_key_scopes_limit_order_access(app: TestApp) {
    let s = app.shop(None).await;
    let key = |token: String, scopes: Value| {
        let app = &app;
        async move {
            app.post("/api-keys", Some(&token), json!({"name": "k", "scopes": scopes}))
                .await
                .json()["key"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let read = key(s.ann.clone(), json!(["orders:read"])).await;
    let write = key(s.ann.clone(), json!(["orders:write"])).await;
    let body = json!({"items": [{"product_id": s.product, "quantity": 1}]});
    assert_eq!(
        app.post("/orders", Some(&read), body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post("/orders", Some(&write), body.clone()).await.status,
        StatusCode::CREATED
    );
    assert_eq!(app.get("/orders", Some(&read)).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/orders", Some(&write)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/orders/get_all", Some(&read))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let admin_plain = key(s.admin.clone(), json!(["orders:read"])).await;
    assert_eq!(
        app.get("/orders", Some(&admin_plain))
            .await
            .header("x-total-count"),
        Some("0"),
        "without orders:admin an admin's key sees only its owner's orders"
    );
    let admin_key = key(s.admin.clone(), json!(["orders:admin", "orders:read"])).await;
    assert_eq!(
        app.get("/orders", Some(&admin_key)).await.header("x-total-count"),
        Some("1")
    );
    let moved = app
        .post(
            "/orders/change-status",
            Some(&admin_key),
            json!([{"orderId": 1, "status": "paid"}]),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK);
    let no_admin = app
        .post(
            "/orders/change-status",
            Some(&admin_plain),
            json!([{"orderId": 1, "status": "delivery"}]),
        )
        .await;
    assert_eq!(no_admin.status, StatusCode::FORBIDDEN);
}

async fn sixty_racing_orders_for_ten_units_sell_exactly_ten(app: TestApp) {
    let admin = app.admin().await;
    let product = app.product(&admin, "Scarce", 100, Some(10)).await["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut customers = Vec::new();
    for i in 0..6 {
        customers.push(app.customer(&format!("Racer {i}")).await.0);
    }
    let body = json!({"items": [{"product_id": product, "quantity": 1}]});
    let requests = (0..60).map(|i| {
        let req = app
            .client
            .post(format!("{}/orders", app.base))
            .bearer_auth(&customers[i % 6])
            .json(&body);
        async move { req.send().await.unwrap().status() }
    });
    let statuses = futures::future::join_all(requests).await;
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let conflicts = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!(created, 10, "{statuses:?}");
    assert_eq!(conflicts, 50, "{statuses:?}");
    assert_eq!(app.stock_of(&product).await, 0);
    let all = app.get("/orders?limit=100", Some(&admin)).await;
    assert_eq!(all.header("x-total-count"), Some("10"));
    let mut nums: Vec<i64> = all
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order"]["orderNum"].as_i64().unwrap())
        .collect();
    nums.sort();
    nums.dedup();
    assert_eq!(nums.len(), 10, "order numbers are unique");
}

async fn unlimited_stock_never_runs_out_however_many_orders_race(app: TestApp) {
    let admin = app.admin().await;
    let unlimited = app.product(&admin, "Plenty", 100, None).await["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let scarce = app.product(&admin, "Scarce", 100, Some(5)).await["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (customer, _) = app.customer("Racer").await;
    // Every order takes the most a line may, and half also want the scarce product: those
    // beyond its five units are refused whole, the unlimited line with them.
    let requests = (0..20).map(|i| {
        let mut items = vec![json!({"product_id": unlimited, "quantity": 1000})];
        if i % 2 == 0 {
            items.push(json!({"product_id": scarce, "quantity": 1}));
        }
        let req = app
            .client
            .post(format!("{}/orders", app.base))
            .bearer_auth(&customer)
            .json(&json!({ "items": items }));
        async move { req.send().await.unwrap().status() }
    });
    let statuses = futures::future::join_all(requests).await;
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let conflicts = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((created, conflicts), (15, 5), "{statuses:?}");
    assert_eq!(app.stock_of(&unlimited).await, Value::Null);
    assert_eq!(app.stock_of(&scarce).await, 0);
    let all = app.get("/orders?limit=100", Some(&admin)).await;
    assert_eq!(all.header("x-total-count"), Some("15"));
}

/// An admin's change that does not name the stock leaves it as the orders of that moment
/// left it: none of the units they took comes back.
async fn editing_a_product_gives_back_none_of_the_stock_racing_orders_took(app: TestApp) {
    let admin = app.admin().await;
    let product = app.product(&admin, "Busy", 100, Some(50)).await["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (customer, _) = app.customer("Racer").await;
    let body = json!({"items": [{"product_id": product, "quantity": 1}]});
    let orders = (0..20).map(|_| app.post("/orders", Some(&customer), body.clone()));
    let edits = async {
        for price in 101..121 {
            let path = format!("/products/{product}");
            let reply = app.put(&path, Some(&admin), json!({ "price": price })).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        }
    };
    let (replies, ()) = tokio::join!(futures::future::join_all(orders), edits);
    let statuses: Vec<StatusCode> = replies.iter().map(|r| r.status).collect();
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    assert_eq!(app.stock_of(&product).await, 30);
}

/// An order whose stock another writer takes while the order is under way (on PostgreSQL,
/// after the order read it and before its write took it) is refused whole: its other line's
/// stock stays, and no order is written.
async fn stock_taken_while_an_order_is_under_way_refuses_the_order_whole(app: TestApp) {
    let shop = app.shop(Some(1)).await;
    let plenty = app.product(&shop.admin, "Plenty", 100, Some(10)).await["_id"]
        .as_str()
        .unwrap()
        .to_string();
    // The other writer: it has taken the last unit, and not yet committed.
    let mut other = app.store.begin().await.unwrap();
    sqlx::query("UPDATE product_stock SET stock = 0 WHERE id = $1")
        .bind(&shop.product)
        .execute(&mut *other)
        .await
        .unwrap();
    let body = json!({"items": [
        {"product_id": plenty, "quantity": 2},
        {"product_id": shop.product, "quantity": 1},
    ]});
    let (reply, ()) = tokio::join!(app.post("/orders", Some(&shop.ann), body), async {
        wait_until_an_order_waits(&app).await;
        other.commit().await.unwrap();
    });
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert_eq!(reply.error_code(), "out_of_stock");
    assert_eq!(app.stock_of(&plenty).await, 10);
    assert_eq!(app.stock_of(&shop.product).await, 0);
    let all = app.get("/orders", Some(&shop.admin)).await;
    assert_eq!(all.header("x-total-count"), Some("0"));
}

/// On PostgreSQL, until a statement waits for a row lock (the order's write, which has read
/// the stock as it was before the other writer); on SQLite, whose writers take turns, a
/// moment for the order to queue for its turn.
async fn wait_until_an_order_waits(app: &TestApp) {
    if app.store.dialect() == shopd::store::Dialect::Sqlite {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        return;
    }
    for _ in 0..500 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND query LIKE 'WITH taken AS (UPDATE product_stock%'",
        )
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the order never waited for the stock row: the test proves nothing");
}

async fn one_idempotency_key_sent_twenty_times_at_once_places_one_order(app: TestApp) {
    let s = app.shop(Some(100)).await;
    let body = json!({"items": [{"product_id": s.product, "quantity": 1}]});
    let requests = (0..20).map(|_| {
        let req = app
            .client
            .post(format!("{}/orders", app.base))
            .bearer_auth(&s.ann)
            .header("idempotency-key", "order-once")
            .json(&body);
        async move { req.send().await.unwrap().status() }
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert!(statuses.contains(&StatusCode::CREATED));
    assert_eq!(
        app.get("/orders", Some(&s.admin)).await.header("x-total-count"),
        Some("1")
    );
    assert_eq!(app.stock_of(&s.product).await, 99);
}

async fn a_replayed_key_returns_the_first_reply_and_places_nothing(app: TestApp) {
    let s = app.shop(Some(100)).await;
    let send = |key: &'static str, token: String, quantity: i64| {
        let req = app
            .client
            .post(format!("{}/orders", app.base))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(&json!({"items": [{"product_id": s.product, "quantity": quantity}]}));
        app.send(req)
    };
    let first = send("k1", s.ann.clone(), 1).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(first.header("idempotent-replayed").is_none());
    let second = send("k1", s.ann.clone(), 1).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.json(), first.json());
    assert_eq!(second.header("location"), first.header("location"));
    let other_body = send("k1", s.ann.clone(), 2).await;
    assert_eq!(other_body.status, StatusCode::CONFLICT);
    assert_eq!(other_body.error_code(), "idempotency_key_reused");
    // Keys belong to one user: Bob's k1 is his own.
    let bob = send("k1", s.bob.clone(), 1).await;
    assert_eq!(bob.status, StatusCode::CREATED);
    assert!(bob.header("idempotent-replayed").is_none());
    assert_eq!(
        app.get("/orders", Some(&s.admin)).await.header("x-total-count"),
        Some("2")
    );
    assert_eq!(app.stock_of(&s.product).await, 98);
}

async fn a_replayed_key_replays_a_refusal_too_and_works_on_every_placing_post(app: TestApp) {
    let s = app.shop(Some(1)).await;
    for (path, body) in [
        ("/orders/new", json!([s.product])),
        (
            "/orders/add",
            json!({"items": [{"productId": s.product, "quantity": 1}], "address": "x"}),
        ),
    ] {
        let req = || {
            app.client
                .post(format!("{}{path}", app.base))
                .bearer_auth(&s.ann)
                .header("idempotency-key", format!("key-{path}"))
                .json(&body)
        };
        let first = app.send(req()).await;
        let again = app.send(req()).await;
        assert_eq!(again.status, first.status, "{path}");
        assert_eq!(again.text, first.text, "{path}");
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
    }
    assert_eq!(app.stock_of(&s.product).await, 0);
    assert_eq!(
        app.get("/orders", Some(&s.admin)).await.header("x-total-count"),
        Some("1")
    );
}

/// Where PostgreSQL's autovacuum is off, the upkeep analyzes the tables that grew (past 50
/// rows and a tenth of the table), and only those; where it is on, or on SQLite, it leaves
/// them alone.
async fn tables_that_grew_are_analyzed_only_where_autovacuum_is_off(app: TestApp) {
    let shop = app.shop(None).await;
    for _ in 0..60 {
        let body = json!({"items": [{"product_id": shop.product, "quantity": 1}]});
        assert_eq!(
            app.post("/orders", Some(&shop.ann), body).await.status,
            StatusCode::CREATED
        );
    }
    let Some(autovacuum) = autovacuum(&app).await else {
        assert!(app.store.upkeep().await.unwrap().is_empty());
        return;
    };
    // The counts of changed rows reach the statistics views within a second or so.
    let analyzed = upkeep_until(&app, |done| {
        done.analyzed.contains(&"order_lines".to_string()) && done.analyzed.contains(&"orders".to_string())
    })
    .await
    .analyzed;
    if autovacuum == "on" {
        assert!(analyzed.is_empty(), "{analyzed:?}");
        return;
    }
    assert!(analyzed.contains(&"orders".to_string()), "{analyzed:?}");
    assert!(analyzed.contains(&"order_lines".to_string()), "{analyzed:?}");
    // Fewer than 50 rows changed elsewhere: not analyzed.
    assert!(!analyzed.contains(&"categories".to_string()), "{analyzed:?}");
    let last: Option<String> = sqlx::query_scalar(
        "SELECT last_analyze::text FROM pg_stat_user_tables WHERE relname = 'order_lines'",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert!(last.is_some());
    let again = app.store.upkeep().await.unwrap().analyzed;
    assert!(
        !again.contains(&"orders".to_string()),
        "analyzed twice: {again:?}"
    );
}

/// Where PostgreSQL's autovacuum is off, the upkeep vacuums a table that took more than 1,000
/// rows and a fifth of the table since its last vacuum, which marks its pages all-visible (a
/// count can then read an index alone); where it is on, it leaves the table alone.
async fn tables_that_took_many_rows_are_vacuumed_only_where_autovacuum_is_off(app: TestApp) {
    let Some(autovacuum) = autovacuum(&app).await else {
        return;
    };
    sqlx::query(
        "INSERT INTO webhook_events (id, type, received_at) \
         SELECT 'evt_' || n, 'checkout.session.completed', n FROM generate_series(1, 1100) n",
    )
    .execute(app.store.pool())
    .await
    .unwrap();
    let events = "webhook_events".to_string();
    let vacuumed = upkeep_until(&app, |done| done.vacuumed.contains(&events))
        .await
        .vacuumed;
    let visible: i32 =
        sqlx::query_scalar("SELECT relallvisible FROM pg_class WHERE relname = 'webhook_events'")
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    if autovacuum == "on" {
        assert!(vacuumed.is_empty(), "{vacuumed:?}");
        return;
    }
    assert!(vacuumed.contains(&events), "{vacuumed:?}");
    assert!(visible > 0, "no page marked all-visible");
    // No orders were placed: that table is not vacuumed.
    assert!(!vacuumed.contains(&"orders".to_string()), "{vacuumed:?}");
    let again = app.store.upkeep().await.unwrap().vacuumed;
    assert!(!again.contains(&events), "vacuumed twice: {again:?}");
}

/// On PostgreSQL each server process keeps its own part of the order count, changed by each
/// statement by as many orders as it wrote; the upkeep folds the part of a process that has
/// ended into one row, and the count stays exact.
async fn the_order_count_of_an_ended_connection_is_folded_and_stays_exact(app: TestApp) {
    if app.store.dialect() == shopd::store::Dialect::Sqlite {
        return;
    }
    let s = app.shop(None).await;
    let mut placed = Vec::new();
    for token in [&s.ann, &s.ann, &s.bob] {
        placed.push(order(&app, token, &s.product, 1).await);
    }
    // Two orders deleted by one statement, on a connection that then ends.
    let mut conn = app.store.pool().acquire().await.unwrap().detach();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let part = "SELECT n FROM order_count WHERE shard = $1";
    // The connection may have placed orders already: the test shares the server's pool.
    let before: Option<i64> = sqlx::query_scalar(part)
        .bind(pid)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM orders WHERE id IN ($1, $2)")
        .bind(placed[0]["order"]["_id"].as_str().unwrap())
        .bind(placed[1]["order"]["_id"].as_str().unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    let mine: i64 = sqlx::query_scalar(part)
        .bind(pid)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mine, before.unwrap_or(0) - 2);
    sqlx::Connection::close(conn).await.unwrap();
    let mut left = Some(mine);
    for _ in 0..100 {
        app.store.upkeep().await.unwrap();
        left = sqlx::query_scalar(part)
            .bind(pid)
            .fetch_optional(app.store.pool())
            .await
            .unwrap();
        if left.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, None, "the ended connection's count was not folded");
    assert_eq!(
        app.get("/orders", Some(&s.admin)).await.header("x-total-count"),
        Some("1")
    );
}

/// The server's `autovacuum` setting; `None` on SQLite.
async fn autovacuum(app: &TestApp) -> Option<String> {
    if app.store.dialect() == shopd::store::Dialect::Sqlite {
        return None;
    }
    Some(
        sqlx::query_scalar("SELECT current_setting('autovacuum')")
            .fetch_one(app.store.pool())
            .await
            .unwrap(),
    )
}

/// What the upkeep did over up to ten seconds of tries, until `enough` holds of it: the
/// counts of changed rows reach the statistics views within a second or so.
async fn upkeep_until(app: &TestApp, enough: impl Fn(&Upkept) -> bool) -> Upkept {
    let mut all = Upkept::default();
    for _ in 0..50 {
        let done = app.store.upkeep().await.unwrap();
        all.vacuumed.extend(done.vacuumed);
        all.analyzed.extend(done.analyzed);
        if enough(&all) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    all
}

on_both!(
    tables_that_grew_are_analyzed_only_where_autovacuum_is_off,
    tables_that_took_many_rows_are_vacuumed_only_where_autovacuum_is_off,
    the_order_count_of_an_ended_connection_is_folded_and_stays_exact,
    placing_an_order_returns_201_in_the_seed_shape_with_a_location,
    prices_come_from_the_catalogue_never_from_the_client,
    repeated_products_are_merged_into_one_line,
    order_numbers_count_up_from_one,
    an_unknown_product_is_a_400_naming_it_and_nothing_is_taken,
    a_line_short_of_stock_is_a_409_naming_what_is_left_and_nothing_is_taken,
    the_last_unit_can_be_bought_and_then_no_more,
    bad_order_input_is_a_400_naming_the_field_and_writes_nothing,
    a_customer_lists_only_their_own_orders_and_an_admin_all,
    an_order_is_found_by_id_or_number_by_its_owner_and_admins_only,
    an_owner_deletes_a_pending_order_and_gets_the_stock_back_once,
    an_owner_cannot_delete_a_paid_order_but_an_admin_can,
    deleting_a_shipped_order_keeps_the_stock_taken,
    cancelling_gives_the_stock_back_exactly_once,
    every_status_move_follows_the_machine,
    a_refused_move_names_the_allowed_ones,
    a_customer_cannot_change_statuses,
    the_demo_cart_offers_up_to_three_products_in_stock,
    orders_new_takes_product_ids_and_counts_repeats,
    orders_new_refuses_an_empty_or_bad_array,
    get_all_lists_one_row_per_line_with_the_price_in_dollars,
    orders_add_replies_order_success_as_text,
    orders_add_requires_an_address,
    change_status_moves_several_orders_in_either_body_shape,
    change_status_is_all_or_nothing,
    bulk_delete_skips_orders_the_caller_may_not_delete,
    the_count_of_all_orders_stays_exact_while_orders_come_and_go_at_once,
    lines_keep_what_was_bought_after_the_product_changes_or_goes,
    api_key_scopes_limit_order_access,
    sixty_racing_orders_for_ten_units_sell_exactly_ten,
    unlimited_stock_never_runs_out_however_many_orders_race,
    editing_a_product_gives_back_none_of_the_stock_racing_orders_took,
    stock_taken_while_an_order_is_under_way_refuses_the_order_whole,
    one_idempotency_key_sent_twenty_times_at_once_places_one_order,
    a_replayed_key_returns_the_first_reply_and_places_nothing,
    a_replayed_key_replays_a_refusal_too_and_works_on_every_placing_post,
);

mod pruning {
    use super::*;

    /// Keys older than 24 h are pruned; a younger one stays and still replays.
    async fn expired_idempotency_keys_are_pruned(app: TestApp) {
        let s = app.shop(Some(100)).await;
        let req = |key: &str| {
            app.client
                .post(format!("{}/orders", app.base))
                .bearer_auth(&s.ann)
                .header("idempotency-key", key)
                .json(&json!({"items": [{"product_id": s.product, "quantity": 1}]}))
        };
        app.send(req("old")).await;
        app.send(req("young")).await;
        let day_ago = chrono::Utc::now().timestamp_millis() - 24 * 3600 * 1000 - 1;
        sqlx::query("UPDATE idempotency_keys SET created_at = $1 WHERE key = 'old'")
            .bind(day_ago)
            .execute(app.store.pool())
            .await
            .unwrap();
        assert!(app.store.prune().await.unwrap() >= 1);
        let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM idempotency_keys")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
        assert_eq!(keys, ["young"]);
        assert_eq!(
            app.send(req("young")).await.header("idempotent-replayed"),
            Some("true")
        );
        // The expired key is free again: it places a new order.
        let reused = app.send(req("old")).await;
        assert_eq!(reused.status, StatusCode::CREATED);
        assert!(reused.header("idempotent-replayed").is_none());
        assert_eq!(app.stock_of(&s.product).await, 97);
    }

    crate::on_both!(expired_idempotency_keys_are_pruned);
}
